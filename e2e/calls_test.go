package e2e

// Issue 12, point 4: the tray shows a call in progress, and an incoming call's notification
// answers or declines it, also while the window is hidden.

import (
	"context"
	"encoding/json"
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

// TestRingWhileHiddenAnswersFromNotification: the window is hidden; the widget rings (the
// real shape of rc-call-ring-notify); the notification names the caller and offers Answer
// and Decline; the tray says who calls; Answer reaches the widget as rc-adapter-control-call
// {callAction:'answer', callId} for that call and brings the window back; once the widget says
// the call started the notification is gone and the tray says "On a call"; at the end of the
// call the tray line goes. A second ring, declined, reaches the widget as callAction 'reject'.
func TestRingWhileHiddenAnswersFromNotification(t *testing.T) {
	ctx, w, cfg := setup(t)
	apptest.RequireSession(t, "xdotool")
	d := startDesktop(t)
	notes := desktoptest.StartNotifications(t, d.conn)
	a := apptest.Launch(t, cfg)
	bus := d.item(ctx, t)
	registration(ctx, t, w, 0)

	win, err := a.WaitWindow(ctx, mainTitle, true)
	require.NoError(t, err)
	require.NoError(t, apptest.CloseWindow(win))
	_, err = a.WaitWindow(ctx, mainTitle, false)
	require.NoError(t, err)

	call := ring(ctx, t, w, "+15551230001", "Ann Example")
	n, err := notes.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, "Incoming call", n.Summary)
	assert.Contains(t, n.Body, "Ann Example (+15551230001)")
	assert.True(t, n.HasAction("answer"), "actions: %v", n.Actions)
	assert.True(t, n.HasAction("decline"), "actions: %v", n.Actions)
	assert.True(t, n.HasAction("default"), "a click on the body shows the window")
	d.waitLabel(ctx, t, bus, "Incoming call: Ann Example (+15551230001)")

	seq := w.Seq()
	require.NoError(t, notes.Invoke(n.ID, "answer"))
	r, err := w.WaitFor(ctx, standin.After(seq, standin.IsMessage(bridge.TypeControlCall)))
	require.NoError(t, err)
	assert.Equal(t, "answer", field(t, r, "callAction"))
	assert.Equal(t, call["id"], field(t, r, "callId"))
	assert.Equal(t, w.Origin(), r.Origin)
	_, err = a.WaitWindow(ctx, mainTitle, true)
	require.NoError(t, err, "answering brings the window with the call's controls")

	w.Post(map[string]any{"type": bridge.TypeCallStart, "call": with(call, "callStatus", "webphone-session-connected")})
	d.waitLabel(ctx, t, bus, "On a call: Ann Example (+15551230001)")
	w.Post(map[string]any{"type": bridge.TypeCallEnd, "call": call})
	_, err = desktoptest.WaitMenu(ctx, d.conn, bus, func(items []desktoptest.MenuItem) bool {
		return !strings.Contains(desktoptest.Labels(items), "call")
	})
	require.NoError(t, err, "the tray line goes with the call")

	// Declined from the notification.
	win, err = a.WaitWindow(ctx, mainTitle, true)
	require.NoError(t, err)
	require.NoError(t, apptest.CloseWindow(win))
	_, err = a.WaitWindow(ctx, mainTitle, false)
	require.NoError(t, err)
	second := ring(ctx, t, w, "+15551230002", "Cy Caller")
	n, err = notes.Wait(ctx)
	require.NoError(t, err)
	seq = w.Seq()
	require.NoError(t, notes.Invoke(n.ID, "decline"))
	r, err = w.WaitFor(ctx, standin.After(seq, standin.IsMessage(bridge.TypeControlCall)))
	require.NoError(t, err)
	assert.Equal(t, "reject", field(t, r, "callAction"))
	assert.Equal(t, second["id"], field(t, r, "callId"))
}

// ring makes the stand-in ring and returns the call object it posted.
func ring(ctx context.Context, t *testing.T, w *standin.Widget, from, name string) map[string]any {
	t.Helper()
	seq := w.Seq()
	require.NoError(t, w.Ring(ctx, from, name))
	r, err := w.WaitFor(ctx, standin.After(seq, sent(bridge.TypeCallRing, from)))
	require.NoError(t, err)
	var call map[string]any
	require.True(t, r.Field("call", &call))
	require.NotEmpty(t, call["id"])
	return call
}

func field(t *testing.T, r standin.Report, name string) any {
	t.Helper()
	var v any
	require.True(t, r.Field(name, &v), "%s without %s: %s", r.Type, name, r.Message)
	return v
}

func with(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	b, _ := json.Marshal(m)
	_ = json.Unmarshal(b, &out)
	out[k] = v
	return out
}

// TestRCAppLinkOpensWebApp: the widget's "RingCentral App" calling option opens
// rcapp://r/call?number=N in a hidden frame (commons' Softphone); nothing on Linux handles
// rcapp://, so the app opens the RingCentral web app's call page in the system browser.
func TestRCAppLinkOpensWebApp(t *testing.T) {
	ctx, w, cfg := setup(t)
	bin := t.TempDir()
	argv := filepath.Join(bin, "argv")
	require.NoError(t, os.WriteFile(filepath.Join(bin, "xdg-open"),
		[]byte("#!/bin/sh\nprintf '%s\\n' \"$@\" > "+argv+".tmp && mv "+argv+".tmp "+argv+"\n"), 0o755))
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	apptest.Launch(t, cfg)
	registration(ctx, t, w, 0)

	// The stand-in's frame command loads a URL in a frame of the widget page, as the widget does.
	_, err := w.Do(ctx, standin.Command{Op: "attack", URL: "rcapp://r/call?number=+15551234567"})
	require.NoError(t, err)
	var opened string
	eventually(ctx, t, "the browser opener ran", func() bool {
		b, err := os.ReadFile(argv)
		opened = strings.TrimSpace(string(b))
		return err == nil
	})
	assert.Equal(t, "https://app.ringcentral.com/r/call?number=%2B15551234567", opened)
}
