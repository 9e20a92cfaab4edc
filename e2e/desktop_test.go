package e2e

// Issue 4: the app as a desktop citizen: tel: links, start at login, ring notifications.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/bridge"
	"github.com/embeddable-tray/embeddable-tray/e2e/apptest"
	"github.com/embeddable-tray/embeddable-tray/e2e/standin"
	"github.com/embeddable-tray/embeddable-tray/internal/desktoptest"
)

// TestTelLinkGoesToRunningApp: a second launch with a tel: URI hands the number to the running
// app, whose widget gets rc-adapter-new-call once its dialer is ready; the second process exits.
func TestTelLinkGoesToRunningApp(t *testing.T) {
	ctx, w, cfg := setup(t)
	a := apptest.Launch(t, cfg)
	ready, err := w.WaitFor(ctx, standin.All(standin.IsKind(standin.KindSent), func(r standin.Report) bool {
		return r.Type == bridge.TypeDialerStatus
	}))
	require.NoError(t, err)
	registration(ctx, t, w, 0)

	second := a.Again(t, "tel:+15551234567")
	r, err := w.WaitFor(ctx, standin.After(ready.Seq, standin.IsMessage(bridge.TypeNewCall)))
	require.NoError(t, err)
	var number string
	require.True(t, r.Field("phoneNumber", &number))
	assert.Equal(t, "+15551234567", number)
	assert.Equal(t, w.Origin(), r.Origin)

	code, err := second.Wait(ctx)
	require.NoError(t, err, "the second process must hand over and exit")
	assert.Equal(t, 0, code)
	select {
	case <-a.Done():
		t.Fatalf("the first app exited:\n%s", a.Log())
	default:
	}
	// One page load: the number went to the running widget, not a new window.
	assert.Equal(t, 1, len(filter(w.Reports(), standin.IsKind(standin.KindLoad))))
}

// TestStartAtLogin: the tray's "Start at login" writes and removes the XDG autostart entry.
func TestStartAtLogin(t *testing.T) {
	ctx, _, cfg := setup(t)
	d := startDesktop(t)
	a := apptest.Launch(t, cfg)
	bus := d.item(ctx, t)
	entry := filepath.Join(a.Env().ConfigHome, "autostart", "embeddable-tray.desktop")

	it := d.waitLabel(ctx, t, bus, "Start at login")
	assert.Equal(t, "checkmark", it.ToggleType)
	assert.EqualValues(t, 0, it.ToggleState)
	assert.NoFileExists(t, entry)

	d.click(ctx, t, bus, "Start at login")
	eventually(ctx, t, "autostart entry written", func() bool { _, err := os.Stat(entry); return err == nil })
	data, err := os.ReadFile(entry)
	require.NoError(t, err)
	assert.Contains(t, string(data), "[Desktop Entry]")
	assert.Contains(t, string(data), "Exec=")
	_, err = desktoptest.WaitMenu(ctx, d.conn, bus, func(items []desktoptest.MenuItem) bool {
		for _, it := range items {
			if it.Label == "Start at login" {
				return it.ToggleState == 1
			}
		}
		return false
	})
	require.NoError(t, err, "the item shows checked")

	d.click(ctx, t, bus, "Start at login")
	eventually(ctx, t, "autostart entry removed", func() bool { _, err := os.Stat(entry); return os.IsNotExist(err) })
}

// TestRingWhileHiddenNotifies: an incoming call while the window is hidden raises a desktop
// notification (org.freedesktop.Notifications on the session bus).
func TestRingWhileHiddenNotifies(t *testing.T) {
	ctx, w, cfg := setup(t)
	apptest.RequireSession(t, "xdotool")
	d := startDesktop(t)
	notes := desktoptest.StartNotifications(t, d.conn)
	a := apptest.Launch(t, cfg)
	registration(ctx, t, w, 0)

	win, err := a.WaitWindow(ctx, mainTitle, true)
	require.NoError(t, err)
	require.NoError(t, apptest.CloseWindow(win))
	_, err = a.WaitWindow(ctx, mainTitle, false)
	require.NoError(t, err)

	w.Post(map[string]any{"type": bridge.TypeCallRing, "call": map[string]any{
		// The widget's call objects carry RingCentral's party shape: {phoneNumber, name}.
		"direction": "Inbound", "from": map[string]any{"phoneNumber": "+15551230001", "name": "Ann Example"},
		"to": map[string]any{"phoneNumber": "+16505550100"}, "telephonyStatus": "Ringing", "sessionId": "e2e-session-1",
	}})
	n, err := notes.Wait(ctx)
	require.NoError(t, err)
	text := n.Summary + " " + n.Body
	assert.True(t, strings.Contains(text, "Ann Example") || strings.Contains(text, "5551230001"),
		"the notification says who calls: %q", text)
}

func filter(rs []standin.Report, match func(standin.Report) bool) []standin.Report {
	var out []standin.Report
	for _, r := range rs {
		if match(r) {
			out = append(out, r)
		}
	}
	return out
}
