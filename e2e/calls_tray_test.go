package e2e

// Issue 12, point 4, where a notification has no buttons (Windows' tray balloons): while a
// call rings the tray menu answers or declines it, also while the window is hidden.

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/bridge"
	"github.com/embeddable-tray/embeddable-tray/e2e/apptest"
	"github.com/embeddable-tray/embeddable-tray/e2e/standin"
	"github.com/embeddable-tray/embeddable-tray/internal/desktoptest"
)

// TestRingAnsweredFromTheTray: the window is hidden; the widget rings; the tray menu gains
// "Answer call" and "Decline call"; "Answer call" reaches the widget as rc-adapter-control-call
// {callAction:'answer', callId} for that call and brings the window; once the call started the
// items go. A second ring, declined from the menu, reaches the widget as 'reject'.
func TestRingAnsweredFromTheTray(t *testing.T) {
	ctx, w, cfg := setup(t)
	apptest.RequireSession(t, "xdotool")
	d := startDesktop(t)
	desktoptest.StartNotifications(t, d.conn)
	a := apptest.Launch(t, cfg)
	bus := d.item(ctx, t)
	registration(ctx, t, w, 0)

	hide := func() {
		t.Helper()
		win, err := a.WaitWindow(ctx, mainTitle, true)
		require.NoError(t, err)
		require.NoError(t, apptest.CloseWindow(win))
		_, err = a.WaitWindow(ctx, mainTitle, false)
		require.NoError(t, err)
	}
	hide()

	call := ring(ctx, t, w, "+15551230001", "Ann Example")
	d.waitLabel(ctx, t, bus, "Incoming call: Ann Example (+15551230001)")
	seq := w.Seq()
	d.click(ctx, t, bus, "Answer call")
	r, err := w.WaitFor(ctx, standin.After(seq, standin.IsMessage(bridge.TypeControlCall)))
	require.NoError(t, err)
	assert.Equal(t, "answer", field(t, r, "callAction"))
	assert.Equal(t, call["id"], field(t, r, "callId"))
	_, err = a.WaitWindow(ctx, mainTitle, true)
	require.NoError(t, err, "answering brings the window with the call's controls")

	w.Post(map[string]any{"type": bridge.TypeCallStart, "call": with(call, "callStatus", "webphone-session-connected")})
	d.waitLabel(ctx, t, bus, "On a call: Ann Example (+15551230001)")
	items, err := desktoptest.Menu(ctx, d.conn, bus)
	require.NoError(t, err)
	assert.NotContains(t, desktoptest.Labels(items), "Answer call", "a call in progress rings no more")
	w.Post(map[string]any{"type": bridge.TypeCallEnd, "call": call})

	hide()
	second := ring(ctx, t, w, "+15551230002", "Cy Caller")
	d.waitLabel(ctx, t, bus, "Incoming call: Cy Caller (+15551230002)")
	seq = w.Seq()
	d.click(ctx, t, bus, "Decline call")
	r, err = w.WaitFor(ctx, standin.After(seq, standin.IsMessage(bridge.TypeControlCall)))
	require.NoError(t, err)
	assert.Equal(t, "reject", field(t, r, "callAction"))
	assert.Equal(t, second["id"], field(t, r, "callId"))
}
