package app

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/app/config"
	"github.com/embeddable-tray/embeddable-tray/bridge"
)

func (w *fakeWindow) page() string { w.mu.Lock(); defer w.mu.Unlock(); return w.html }

// The generic offline signal: a widget page that never speaks within widget.startTimeout
// shows the offline page, whether or not the web engine reported a failure. The host's own
// page-load news does not count: an error page at the widget's address could send it.
func TestWidgetThatNeverAnnouncesItselfGoesOffline(t *testing.T) {
	h := newHarness(t, nil)
	h.app.cfg.Widget.StartTimeout = config.Duration(20 * time.Millisecond)
	h.app.LoadWidget()
	h.app.Notify(bridge.PageLoad{Href: h.app.cfg.WidgetURL()})
	require.Eventually(t, func() bool { return strings.Contains(h.main.page(), "did not start within") },
		10*time.Second, 5*time.Millisecond, "the offline page with the reason")
	h.main.mu.Lock()
	defer h.main.mu.Unlock()
	assert.Equal(t, []string{h.app.cfg.WidgetURL()}, h.main.urls)
}
