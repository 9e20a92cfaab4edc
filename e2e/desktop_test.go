package e2e

// Issue 4: the app as a desktop citizen: tel: links, start at login, ring notifications.

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/bridge"
	"github.com/embeddable-tray/embeddable-tray/e2e/apptest"
	"github.com/embeddable-tray/embeddable-tray/e2e/standin"
	"github.com/embeddable-tray/embeddable-tray/internal/desktoptest"
)

// TestTelLinkGoesToRunningApp: a second launch with a tel: URI hands the number to the running
// app, whose widget gets rc-adapter-new-call (toCall false) once it is logged in to
// RingCentral; its dialer says ready:true, because the app's calling shim gives the page the
// WebRTC that WebKitGTK lacks (issue 12), so no "not ready" notice comes; the second
// process exits.
func TestTelLinkGoesToRunningApp(t *testing.T) {
	ctx, w, cfg := setup(t)
	d := startDesktop(t)
	desktoptest.StartNotifications(t, d.conn)
	a := apptest.Launch(t, cfg)
	registration(ctx, t, w, 0)
	loggedIn, err := w.WaitFor(ctx, sent(bridge.TypeLoginStatus, `"loggedIn":true`))
	require.NoError(t, err)
	st, err := w.State(ctx)
	require.NoError(t, err)
	require.True(t, st.DialerReady, "the app's calling shim stands in for WebKitGTK's missing WebRTC")

	second := a.Again(t, "tel:+15551234567")
	r, err := w.WaitFor(ctx, standin.After(loggedIn.Seq, standin.IsMessage(bridge.TypeNewCall)))
	require.NoError(t, err)
	var number string
	require.True(t, r.Field("phoneNumber", &number))
	assert.Equal(t, "+15551234567", number)
	var toCall bool
	require.True(t, r.Field("toCall", &toCall))
	assert.False(t, toCall)
	assert.Equal(t, w.Origin(), r.Origin)
	require.NoError(t, w.Show(ctx, "dialer"))
	screenshot(t, "main-window-dialer")

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
	for _, r := range w.Reports() {
		assert.False(t, r.Kind == standin.KindIgnored && r.Type == bridge.TypeNewCall, "the widget dropped the number: %s", r.Error)
	}
}

// TestTelLinkWaitsForRingCentralLogin: a tel: number that arrives while the widget is logged
// out of RingCentral (it would drop rc-adapter-new-call) waits, the user is told so, and it
// reaches the dialer once the widget's own login is done.
func TestTelLinkWaitsForRingCentralLogin(t *testing.T) {
	ctx, w, cfg := setup(t)
	delete(cfg.Widget.Params, "jwt")
	d := startDesktop(t)
	notes := desktoptest.StartNotifications(t, d.conn)
	login := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		back := r.URL.Query().Get("redirect_uri") + "?code=rc-code&state=" + url.QueryEscape(r.URL.Query().Get("state"))
		http.Redirect(rw, r, back, http.StatusFound)
	}))
	t.Cleanup(login.Close)
	a := apptest.Launch(t, cfg)
	registration(ctx, t, w, 0)
	_, err := w.WaitFor(ctx, sent(bridge.TypeLoginStatus, `"loggedIn":false`))
	require.NoError(t, err)

	second := a.Again(t, "tel:+15551234567")
	n, err := notes.Wait(ctx)
	require.NoError(t, err)
	assert.Contains(t, n.Summary+" "+n.Body, "logged in to RingCentral")
	code, err := second.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, 0, code)
	assert.Empty(t, filter(w.Reports(), standin.IsMessage(bridge.TypeNewCall)), "the widget is logged out: it would drop the number")

	_, err = w.StartLogin(ctx, login.URL+"/restapi/oauth/authorize")
	require.NoError(t, err)
	in, err := w.WaitFor(ctx, sent(bridge.TypeLoginStatus, `"loggedIn":true`))
	require.NoError(t, err)
	r, err := w.WaitFor(ctx, standin.After(in.Seq, standin.IsMessage(bridge.TypeNewCall)))
	require.NoError(t, err)
	var number string
	require.True(t, r.Field("phoneNumber", &number))
	assert.Equal(t, "+15551234567", number)
	for _, r := range w.Reports() {
		assert.False(t, r.Kind == standin.KindIgnored && r.Type == bridge.TypeNewCall, "the widget dropped the number: %s", r.Error)
	}
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

	// The real shape: call.from is the number as a string, with fromUserName (PROTOCOL.md).
	require.NoError(t, w.Ring(ctx, "+15551230001", "Ann Example"))
	n, err := notes.Wait(ctx)
	require.NoError(t, err)
	text := n.Summary + " " + n.Body
	assert.Contains(t, text, "Ann Example (+15551230001)", "the notification says who calls")

	// An SMS in the real shape (the platform's record, seen with the real widget): the number
	// and the text, and a click brings the window back.
	require.NoError(t, w.InboundMessage(ctx, "+15551230002", "", "Are we still on for 3pm?"))
	n, err = notes.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, "New message", n.Summary)
	assert.Contains(t, n.Body, "+15551230002: Are we still on for 3pm?")
	require.NoError(t, notes.Invoke(n.ID, "default"))
	_, err = a.WaitWindow(ctx, mainTitle, true)
	require.NoError(t, err, "a click on the notification shows the window")
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
