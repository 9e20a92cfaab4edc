//go:build realwidget

package rcplatform_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/e2e/apptest"
	"github.com/embeddable-tray/embeddable-tray/e2e/rcplatform"
	"github.com/embeddable-tray/embeddable-tray/e2e/rcsip"
	"github.com/embeddable-tray/embeddable-tray/internal/desktoptest"
	"github.com/embeddable-tray/embeddable-tray/internal/pulsetest"
)

// Issue 12 with the real widget: its web phone (ringcentral-web-phone 0.8.14 as the widget
// bundles it) on the app's calling shim and Go engine, registered to the platform's calling
// side (rcsip mounted on rcplatform's origin), with a real PulseAudio.

const (
	farTone = 1000 // Hz, sent by the far end, heard on the speaker
	micTone = 600  // Hz, played into the microphone, heard at the far end
)

// callPlatform is the platform with its calling side and the driver in the widget's page.
type callPlatform struct {
	*rcplatform.Server
	sip *rcsip.Server
}

func startCallPlatform(t *testing.T) *callPlatform {
	t.Helper()
	s, sip := platform(t, true)
	return &callPlatform{Server: s, sip: sip}
}

// post has the driver post msg in the widget's page, as a host page does.
func (c *callPlatform) post(ctx context.Context, t *testing.T, msg map[string]any) {
	t.Helper()
	_, err := c.sip.Do(ctx, "post", map[string]any{"message": msg})
	require.NoError(t, err)
}

// control is the widget's rc-adapter-control-call for the web phone call id.
func (c *callPlatform) control(ctx context.Context, t *testing.T, action, id string, options map[string]any) {
	t.Helper()
	msg := map[string]any{"type": "rc-adapter-control-call", "callAction": action, "callId": id}
	if options != nil {
		msg["options"] = options
	}
	c.post(ctx, t, msg)
}

// event waits for the widget's next notification of type typ.
func (c *callPlatform) event(ctx context.Context, t *testing.T, typ string) rcsip.Event {
	t.Helper()
	e, err := c.sip.WaitEvent(ctx, typ)
	require.NoError(t, err)
	return e
}

// callOf is the web phone session of a call notification.
type callOf struct {
	Call struct {
		ID           string `json:"id"`
		Direction    string `json:"direction"`
		From         string `json:"from"`
		To           string `json:"to"`
		FromUserName string `json:"fromUserName"`
		CallStatus   string `json:"callStatus"`
	} `json:"call"`
}

func session(t *testing.T, e rcsip.Event) callOf {
	t.Helper()
	var c callOf
	require.NoError(t, json.Unmarshal(e.Result, &c), "%s", e.Result)
	return c
}

// hears waits until the far end's tone hz plays on the speaker.
func hears(ctx context.Context, t *testing.T, spk *pulsetest.Recorder, c *rcsip.Call, hz float64) {
	t.Helper()
	heard := spk.Onset(hz)
	c.SendTone(hz)
	select {
	case <-heard:
	case <-ctx.Done():
		t.Fatalf("%v Hz from the far end never played on the speaker", hz)
	}
}

// shot saves the X screen as /tmp/realcall-<name>.png once it has settled: the widget fades
// its views in, so it takes screenshots until two in a row are the same (or ten were taken).
func shot(t *testing.T, name string) {
	t.Helper()
	path := fmt.Sprintf("/tmp/realcall-%s.png", name)
	var last []byte
	for range 10 {
		apptest.Screenshot(t, path)
		pix := pixels(t, path)
		if bytes.Equal(pix, last) {
			return
		}
		last = pix
	}
}

func pixels(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	b := img.Bounds()
	out := make([]byte, 0, 4*b.Dx()*b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			out = append(out, byte(r>>8), byte(g>>8), byte(bl>>8))
		}
	}
	return out
}

// TestRealWidgetCalls: the real widget's web phone registers on the app's calling support;
// an inbound call rings while the window is hidden (the app's notification and tray line),
// is answered with the notification's Answer (the app's rc-adapter-control-call), carries
// audio both ways, sends DTMF, mutes, holds and resumes, and hangs up; a call placed with
// rc-adapter-new-call (toCall) reaches the far end, talks, and ends from the far end.
func TestRealWidgetCalls(t *testing.T) {
	apptest.RequireSession(t, "import")
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	t.Cleanup(cancel)
	pa := pulsetest.Start(t)
	t.Setenv("PULSE_SERVER", pa.Addr) // the app's engine finds the test's sound server
	spk := pa.Record(t, pulsetest.Speaker+".monitor")
	pa.Tone(t, pulsetest.MicFeed, micTone)
	conn := desktoptest.SessionBus(t)
	watcher := desktoptest.StartWatcher(t, conn)
	notes := desktoptest.StartNotifications(t, conn)

	s := startCallPlatform(t)
	app := apptest.Launch(t, realConfig(t, s.Server))
	tray, err := watcher.WaitItem(ctx)
	require.NoError(t, err, "the app registered no tray icon")

	require.NoError(t, s.sip.Registered(ctx, 1), "the widget's web phone registers")
	for {
		if e := s.event(ctx, t, "rc-dialer-status-notify"); e.Detail == "true" {
			break
		}
	}
	shot(t, "registered")

	// Inbound, the window in sight: the widget's own ringing view.
	seen, err := s.sip.Ring(ctx, "+15557654321", "Ann Example")
	require.NoError(t, err)
	ring := session(t, s.event(ctx, t, "rc-call-ring-notify"))
	assert.Equal(t, "+15557654321", ring.Call.From)
	require.NoError(t, seen.WaitState(ctx, rcsip.Ringing))
	shot(t, "ringing")
	s.control(ctx, t, "reject", ring.Call.ID, nil)
	require.NoError(t, seen.WaitState(ctx, rcsip.Ended), "the widget declines")
	s.event(ctx, t, "rc-call-end-notify")

	// Inbound, the window hidden: the app's notification answers it.
	win, err := app.WaitWindow(ctx, "Embeddable Tray", true)
	require.NoError(t, err)
	require.NoError(t, apptest.CloseWindow(win))
	_, err = app.WaitWindow(ctx, "Embeddable Tray", false)
	require.NoError(t, err)
	c, err := s.sip.Ring(ctx, "+15551230001", "Bo Caller")
	require.NoError(t, err)
	ring = session(t, s.event(ctx, t, "rc-call-ring-notify"))
	n, err := notes.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, "Incoming call", n.Summary)
	assert.Contains(t, n.Body, "+15551230001")
	_, err = desktoptest.WaitLabel(ctx, conn, tray, func(l string) bool { return strings.HasPrefix(l, "Incoming call:") })
	require.NoError(t, err, "the tray says a call rings")
	require.NoError(t, notes.Invoke(n.ID, "answer"))
	require.NoError(t, c.WaitState(ctx, rcsip.Answered), "the notification's Answer answers in the widget")
	started := session(t, s.event(ctx, t, "rc-call-start-notify"))
	assert.Equal(t, ring.Call.ID, started.Call.ID)
	_, err = app.WaitWindow(ctx, "Embeddable Tray", true)
	require.NoError(t, err, "answering brings the window")
	_, err = desktoptest.WaitLabel(ctx, conn, tray, func(l string) bool { return strings.HasPrefix(l, "On a call:") })
	require.NoError(t, err, "the tray says a call is on")

	hears(ctx, t, spk, c, farTone)
	require.NoError(t, c.WaitTone(ctx, micTone), "the microphone's tone reaches the far end")
	shot(t, "in-call")

	s.control(ctx, t, "dtmf", ring.Call.ID, map[string]any{"dtmf": "159#"})
	require.NoError(t, c.WaitDigits(ctx, "159#"), "RFC 4733 DTMF decoded at the far end")

	s.control(ctx, t, "mute", ring.Call.ID, nil)
	s.event(ctx, t, "rc-call-mute-notify")
	require.NoError(t, c.WaitSilence(ctx), "muted: the far end hears silence")
	s.control(ctx, t, "unmute", ring.Call.ID, nil)
	require.NoError(t, c.WaitTone(ctx, micTone))

	s.control(ctx, t, "hold", ring.Call.ID, nil)
	require.NoError(t, c.WaitHeld(ctx, true))
	s.event(ctx, t, "rc-call-hold-notify")
	shot(t, "on-hold")
	s.control(ctx, t, "unhold", ring.Call.ID, nil)
	require.NoError(t, c.WaitHeld(ctx, false))
	s.event(ctx, t, "rc-call-resume-notify")
	hears(ctx, t, spk, c, farTone+300)
	require.NoError(t, c.WaitTone(ctx, micTone))

	s.control(ctx, t, "hangup", ring.Call.ID, nil)
	require.NoError(t, c.WaitState(ctx, rcsip.Ended))
	assert.Equal(t, "client", c.EndedBy())
	s.event(ctx, t, "rc-call-end-notify")

	// Outbound with the widget's own command; the far end answers, talks and hangs up.
	s.post(ctx, t, map[string]any{"type": "rc-adapter-new-call", "phoneNumber": "+15551112222", "toCall": true})
	out, err := s.sip.NextCall(ctx)
	require.NoError(t, err, "the widget places the call")
	assert.Equal(t, "+15551112222", out.Target)
	require.NoError(t, out.Answer(ctx))
	placed := session(t, s.event(ctx, t, "rc-call-start-notify"))
	assert.Equal(t, "Outbound", placed.Call.Direction)
	hears(ctx, t, spk, out, farTone)
	require.NoError(t, out.WaitTone(ctx, micTone))
	shot(t, "outbound")
	require.NoError(t, out.Hangup())
	s.event(ctx, t, "rc-call-end-notify")

	// What the widget complained of on its console, for the record (the stand-in's far end
	// sends no P-Rc headers, so the web phone cannot confirm an incoming call by SIP MESSAGE).
	for _, l := range strings.Split(app.Log(), "\n") {
		if strings.Contains(l, "CONSOLE ERROR") {
			t.Log("widget console:", l)
		}
	}
}
