package signin

import (
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/internal/desktoptest"
)

// openURIPortal owns org.freedesktop.portal.Desktop on the session bus, as
// xdg-desktop-portal does, and records the URIs it is asked to open.
type openURIPortal struct{ uris chan string }

func (p openURIPortal) OpenURI(parent, uri string, options map[string]dbus.Variant) (dbus.ObjectPath, *dbus.Error) {
	p.uris <- uri
	return "/org/freedesktop/portal/desktop/request/1_1/t", nil
}

// TestOpenBrowserUsesThePortal: with a desktop portal on the bus, the URL goes to it over
// D-Bus, not onto a command line.
func TestOpenBrowserUsesThePortal(t *testing.T) {
	conn := desktoptest.SessionBus(t)
	p := openURIPortal{uris: make(chan string, 1)}
	require.NoError(t, conn.Export(p, "/org/freedesktop/portal/desktop", "org.freedesktop.portal.OpenURI"))
	reply, err := conn.RequestName("org.freedesktop.portal.Desktop", dbus.NameFlagDoNotQueue)
	require.NoError(t, err)
	require.Equal(t, dbus.RequestNameReplyPrimaryOwner, reply, "a test session has no portal of its own")
	t.Cleanup(func() { _, _ = conn.ReleaseName("org.freedesktop.portal.Desktop") })

	const hop = "http://127.0.0.1:4242/ONETIME"
	require.NoError(t, OpenBrowser(hop))
	assert.Equal(t, hop, <-p.uris)
}
