package e2e

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/app/config"
	"github.com/embeddable-tray/embeddable-tray/e2e/apptest"
	"github.com/embeddable-tray/embeddable-tray/e2e/rcsip"
	"github.com/embeddable-tray/embeddable-tray/internal/pulsetest"
)

// Issue 12, end to end: the web phone the widget bundles (ringcentral-web-phone 0.8.14 on
// sip.js 0.13.5, from npm, unchanged) runs in the app's own window, whose WebKitGTK has no
// WebRTC, on the app's calling shim and Go engine, against a loopback RingCentral
// (sip-provision, a SIP-over-WebSocket registrar, a pion far end per call) and a real
// PulseAudio with null sinks. Audio is checked both ways by tone detection: the far end's
// tone on the speaker sink, a tone played into the microphone at the far end.

const (
	farTone = 1000 // Hz, sent by the far end, heard on the speaker
	micTone = 600  // Hz, played into the microphone, heard at the far end
)

// callRig is the app showing a web phone page, the stand-in platform and the sound server.
type callRig struct {
	t   *testing.T
	ctx context.Context
	rc  *rcsip.Server
	pa  *pulsetest.Server
	spk *pulsetest.Recorder
	app *apptest.App
}

func startCallRig(t *testing.T, page string, farEnd rcsip.Config) *callRig {
	apptest.RequireSession(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	pa := pulsetest.Start(t)
	t.Setenv("PULSE_SERVER", pa.Addr) // the app's engine finds the test's sound server
	farEnd.Pages = rcsip.WebPhonePages(t)
	farEnd.Trace = func(m string) { t.Log(m) }
	rc, err := rcsip.Start(farEnd)
	require.NoError(t, err)
	t.Cleanup(rc.Close)
	r := &callRig{t: t, ctx: ctx, rc: rc, pa: pa, spk: pa.Record(t, pulsetest.Speaker+".monitor")}
	r.app = apptest.Launch(t, config.Config{
		Widget:  config.Widget{URL: rc.URL + "/" + page},
		Service: config.Service{Name: apptest.ServiceName(t, "call")},
	})
	_, err = rc.WaitEvent(ctx, "registered")
	require.NoError(t, err, "the web phone registers over the app's window")
	return r
}

func (r *callRig) do(op string, args map[string]any) json.RawMessage {
	r.t.Helper()
	res, err := r.rc.Do(r.ctx, op, args)
	require.NoError(r.t, err)
	return res
}

func (r *callRig) event(name string) rcsip.Event {
	r.t.Helper()
	e, err := r.rc.WaitEvent(r.ctx, name)
	require.NoError(r.t, err)
	return e
}

// hearsOnSpeaker waits until the far end's tone plays on the speaker sink.
func (r *callRig) hearsOnSpeaker(c *rcsip.Call, hz float64) {
	r.t.Helper()
	heard := r.spk.Onset(hz)
	c.SendTone(hz)
	select {
	case <-heard:
	case <-r.ctx.Done():
		r.t.Fatalf("%v Hz from the far end never played on the speaker", hz)
	}
}

// ringAndAnswer rings the page from the far end and answers in the page.
func (r *callRig) ringAndAnswer(from string) (*rcsip.Call, int) {
	r.t.Helper()
	c, err := r.rc.Ring(r.ctx, from, "Far End")
	require.NoError(r.t, err)
	in := r.event("incoming")
	assert.Equal(r.t, from, in.Detail)
	require.NoError(r.t, c.WaitState(r.ctx, rcsip.Ringing))
	r.do("answer", map[string]any{"call": in.Call})
	r.event("accepted")
	require.NoError(r.t, c.WaitState(r.ctx, rcsip.Answered))
	return c, in.Call
}

// talks checks audio both ways on c.
func (r *callRig) talks(c *rcsip.Call) {
	r.t.Helper()
	r.hearsOnSpeaker(c, farTone)
	require.NoError(r.t, c.WaitTone(r.ctx, micTone), "the microphone's tone reaches the far end")
}

func TestCallsWithoutWebRTC(t *testing.T) {
	r := startCallRig(t, "v0.html", rcsip.Config{})
	r.pa.Tone(t, pulsetest.MicFeed, micTone)

	// inbound: ring, answer, talk, DTMF, mute, hold, the far end's hold, ICE restart, the far end hangs up
	c, call := r.ringAndAnswer("+15557654321")
	r.talks(c)

	r.do("dtmf", map[string]any{"call": call, "digits": "159#"})
	require.NoError(t, c.WaitDigits(r.ctx, "159#"), "RFC 4733 DTMF decoded at the far end")

	r.do("mute", map[string]any{"call": call})
	require.NoError(t, c.WaitSilence(r.ctx), "muted: the far end hears silence")
	r.do("unmute", map[string]any{"call": call})
	require.NoError(t, c.WaitTone(r.ctx, micTone))

	require.NoError(t, c.Hold(r.ctx, true), "the web phone answers the far end's hold")
	require.NoError(t, c.Hold(r.ctx, false))
	r.do("hold", map[string]any{"call": call})
	require.NoError(t, c.WaitHeld(r.ctx, true))
	r.do("unhold", map[string]any{"call": call})
	require.NoError(t, c.WaitHeld(r.ctx, false))
	r.talks(c)

	// what the widget does after silent stats: reconnectMedia's ICE restart offer, then
	// sip.js's re-INVITE with a second offer made while the first is pending
	r.do("iceRestart", map[string]any{"call": call})
	require.NoError(t, c.WaitICERestarts(r.ctx, 1), "the re-INVITE has new ICE credentials")
	r.hearsOnSpeaker(c, farTone+300) // a new tone: only packets on the restarted path carry it
	require.NoError(t, c.WaitTone(r.ctx, micTone), "the microphone reaches the far end after the restart")

	raw := r.do("stats", map[string]any{"call": call})
	var st struct{ PacketsReceived, PacketsSent int }
	require.NoError(t, json.Unmarshal(raw, &st))
	assert.Positive(t, st.PacketsReceived, "getStats counts the engine's real packets")
	assert.Positive(t, st.PacketsSent)

	require.NoError(t, c.Hangup())
	r.event("ended")

	// outbound: the page calls, the far end answers, the page hangs up
	placed := r.do("call", map[string]any{"number": "+15551112222"})
	var p struct{ Call int }
	require.NoError(t, json.Unmarshal(placed, &p))
	out, err := r.rc.NextCall(r.ctx)
	require.NoError(t, err)
	assert.Equal(t, "+15551112222", out.Target)
	require.NoError(t, out.Answer(r.ctx))
	r.event("accepted")
	r.talks(out)
	r.do("hangup", map[string]any{"call": p.Call})
	require.NoError(t, out.WaitState(r.ctx, rcsip.Ended))
	assert.Equal(t, "client", out.EndedBy())

	// two calls at once: both carry the microphone, each ends on its own
	first, c1 := r.ringAndAnswer("+15550000001")
	second, c2 := r.ringAndAnswer("+15550000002")
	require.NoError(t, first.WaitTone(r.ctx, micTone))
	require.NoError(t, second.WaitTone(r.ctx, micTone))
	r.hearsOnSpeaker(second, farTone+200)
	r.do("hangup", map[string]any{"call": c1})
	require.NoError(t, first.WaitState(r.ctx, rcsip.Ended))
	require.NoError(t, second.WaitTone(r.ctx, micTone), "the other call goes on")
	r.do("hangup", map[string]any{"call": c2})
	require.NoError(t, second.WaitState(r.ctx, rcsip.Ended))
}

func TestCallsWithoutWebRTCFarEnds(t *testing.T) {
	for _, tt := range []struct {
		name   string
		farEnd rcsip.Config
	}{
		{"a far end offering G.711 only", rcsip.Config{G711Only: true}},
		{"a gateway SDP without a=mid", rcsip.Config{NoMid: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := startCallRig(t, "v0.html", tt.farEnd)
			r.pa.Tone(t, pulsetest.MicFeed, micTone)
			c, _ := r.ringAndAnswer("+15557654321")
			r.talks(c)
			require.NoError(t, c.Hangup())
			r.event("ended")
		})
	}
}

// TestCallsWithoutWebRTCWebPhone2: the /3.x/ widget's web phone (ringcentral-web-phone
// 2.x) on the same shim and engine.
func TestCallsWithoutWebRTCWebPhone2(t *testing.T) {
	r := startCallRig(t, "v2.html", rcsip.Config{})
	r.pa.Tone(t, pulsetest.MicFeed, micTone)
	c, call := r.ringAndAnswer("+15557654321")
	r.talks(c)
	r.do("dtmf", map[string]any{"call": call, "digits": "24*"})
	require.NoError(t, c.WaitDigits(r.ctx, "24*"))
	r.do("hold", map[string]any{"call": call})
	require.NoError(t, c.WaitHeld(r.ctx, true))
	r.do("unhold", map[string]any{"call": call})
	require.NoError(t, c.WaitHeld(r.ctx, false))
	r.talks(c)
	r.do("hangup", map[string]any{"call": call})
	require.NoError(t, c.WaitState(r.ctx, rcsip.Ended))
	assert.Equal(t, "client", c.EndedBy())
}

// TestCallsWithoutWebRTCNoTelephoneEvent: a far end (G.711, as gateways are) without
// telephone-event. In a browser the sender's canInsertDTMF is then false and insertDTMF
// throws InvalidStateError; ringcentral-web-phone 0.8.14 calls insertDTMF without a
// fallback (its session.dtmf replaces sip.js's, whose SIP INFO it never reaches), so the
// page's DTMF fails out loud, and nothing pretends to be sent. Both directions of call.
func TestCallsWithoutWebRTCNoTelephoneEvent(t *testing.T) {
	r := startCallRig(t, "v0.html", rcsip.Config{G711Only: true, NoTelephoneEvent: true})
	r.pa.Tone(t, pulsetest.MicFeed, micTone)
	c, call := r.ringAndAnswer("+15557654321")
	r.talks(c)
	_, err := r.rc.Do(r.ctx, "dtmf", map[string]any{"call": call, "digits": "159#"})
	require.ErrorContains(t, err, "cannot send DTMF", "DTMF without telephone-event must fail in the page, as in a browser")
	t.Logf("the page's DTMF failed: %v", err)
	require.NoError(t, c.WaitTone(r.ctx, micTone), "the call goes on")
	require.NoError(t, c.Hangup())
	r.event("ended")
	assert.Empty(t, c.Digits(), "no digit reached the far end")

	placed := r.do("call", map[string]any{"number": "+15551112222"})
	var p struct{ Call int }
	require.NoError(t, json.Unmarshal(placed, &p))
	out, err := r.rc.NextCall(r.ctx)
	require.NoError(t, err)
	require.NoError(t, out.Answer(r.ctx))
	r.event("accepted")
	r.talks(out)
	_, err = r.rc.Do(r.ctx, "dtmf", map[string]any{"call": p.Call, "digits": "2"})
	require.ErrorContains(t, err, "cannot send DTMF", "an answer without telephone-event leaves no DTMF either")
	r.do("hangup", map[string]any{"call": p.Call})
	require.NoError(t, out.WaitState(r.ctx, rcsip.Ended))
	assert.Empty(t, out.Digits())
}
