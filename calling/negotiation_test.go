package calling

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/internal/pulsetest"
)

// What the page learns from a negotiation (canInsertDTMF), and offers that cross (glare,
// rollback).

// farOffer has the far end re-offer with its audio direction dir (a=sendrecv, a=sendonly)
// and the page answer it, as sip.js answers a re-INVITE.
func (c *call) farOffer(dir string) desc {
	offer := strings.Replace(c.far.offer(), "a=sendrecv", dir, 1)
	var set, answer, wire desc
	c.s.call("pc.setRemoteDescription", map[string]any{"pc": c.pc, "type": "offer", "sdp": offer}, &set)
	c.s.call("pc.createAnswer", map[string]any{"pc": c.pc}, &answer)
	c.s.call("pc.setLocalDescription", map[string]any{"pc": c.pc, "type": "answer", "sdp": answer.SDP}, &wire)
	c.dtmf = wire.DTMF[c.sender]
	c.far.accept(wire.SDP)
	return wire
}

// canInsertDTMF is true only where telephone-event was negotiated: a far end without it
// gets false, and the web phone is not led to believe digits went out.
func TestCanInsertDTMFFollowsNegotiation(t *testing.T) {
	for _, tt := range []struct {
		name    string
		inbound bool
		codecs  []string
		want    bool
	}{
		{"inbound, telephone-event offered", true, []string{"opus"}, true},
		{"inbound, G.711 without telephone-event", true, []string{"pcmu", noTE}, false},
		{"outbound, telephone-event answered", false, []string{"opus"}, true},
		{"outbound, answered without telephone-event", false, []string{"opus", noTE}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, srv := engineOn(t)
			srv.Tone(t, pulsetest.MicFeed, micTone)
			far := newFarEnd(t, farTone, tt.codecs...)
			c := place(s, "pc1", far, tt.inbound)
			assert.Equal(t, tt.want, c.dtmf, "canInsertDTMF after the negotiation")
			require.Eventually(t, func() bool { return far.packetCount() > 0 }, wait, poll)
			r := s.try("pc.insertDTMF", map[string]any{"pc": c.pc, "sender": c.sender, "tones": "5"})
			if tt.want {
				require.Nil(t, r.Error)
				require.Eventually(t, func() bool { return far.dtmf() == "5" }, wait, poll)
				return
			}
			require.NotNil(t, r.Error, "DTMF without telephone-event must fail, not vanish")
			assert.Equal(t, "InvalidStateError", r.Error.Name)
		})
	}
}

// canInsertDTMF follows the transceiver's current direction: a far end that holds (its
// offer sendonly, the page's answer recvonly) takes it away; the page's own hold
// (sendonly) keeps it, as in browsers; taking the call back gives it back.
func TestCanInsertDTMFOnHold(t *testing.T) {
	s, srv := engineOn(t)
	srv.Tone(t, pulsetest.MicFeed, micTone)
	c := inbound(s, "pc1", newFarEnd(t, farTone, "opus"), nil)
	require.True(t, c.dtmf)

	c.farOffer("a=sendonly")
	assert.False(t, c.dtmf, "held by the far end: the sender does not send")
	c.farOffer("a=sendrecv")
	assert.True(t, c.dtmf, "taken off hold")

	c.offer(false, func(sdp string) string { return strings.Replace(sdp, "a=sendrecv", "a=sendonly", 1) })
	assert.True(t, c.dtmf, "the page's own hold is sendonly: the sender still sends")
	c.offer(false, nil)
	assert.True(t, c.dtmf)
}

// Glare: the far end's re-offer arrives while the page's own offer is pending (both sides
// re-INVITE at once; ringcentral-web-phone 2.x answers a re-INVITE during its own).
// Browsers roll the pending offer back implicitly and answer; so does the engine, except
// an ICE restart offer (pion cannot undo the restart: see peer.rollbackPion), which it
// refuses with InvalidStateError and which the far end's answer still completes.
func TestRemoteOfferWhileOfferPending(t *testing.T) {
	hold := func(sdp string) string { return strings.Replace(sdp, "a=sendrecv", "a=sendonly", 1) }
	for _, tt := range []struct {
		name       string
		inbound    bool
		iceRestart bool
		setLocal   bool // the page set its offer (else it only made it)
	}{
		{"outbound call, a hold offer pending", false, false, true},
		{"inbound call, a hold offer pending", true, false, true},
		{"inbound call, an offer made but not set", true, false, false},
		{"outbound call, an ICE restart offer pending: refused", false, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, _, speaker := engineInCall(t)
			far := newFarEnd(t, farTone, "opus")
			c := place(s, "pc1", far, tt.inbound)
			twoWay(t, speaker, c, farTone)

			var pending, local desc
			s.call("pc.createOffer", map[string]any{"pc": c.pc, "iceRestart": tt.iceRestart}, &pending)
			if tt.setLocal {
				s.call("pc.setLocalDescription", map[string]any{"pc": c.pc, "type": "offer", "sdp": hold(pending.SDP)}, &local)
				require.Contains(t, local.SDP, "a=sendonly")
			}
			if tt.iceRestart {
				// (the far end's offer, as its SIP re-INVITE would carry it; pion cannot roll
				// back its own, so it is not set there: the far end answers ours next)
				glare := strings.Replace(far.pc.CurrentLocalDescription().SDP, "a=setup:active", "a=setup:actpass", 1)
				r := s.try("pc.setRemoteDescription", map[string]any{"pc": c.pc, "type": "offer", "sdp": glare})
				require.NotNil(t, r.Error)
				assert.Equal(t, "InvalidStateError", r.Error.Name)
				var set desc
				s.call("pc.setRemoteDescription", map[string]any{"pc": c.pc, "type": "answer", "sdp": far.answer(local.SDP)}, &set)
				assert.True(t, set.DTMF[c.sender], "the page's own hold still sends")
				twoWay(t, speaker, c, farTone)
				return
			}
			wire := c.farOffer("a=sendrecv")
			assert.Contains(t, wire.SDP, "a=sendrecv", "the rolled back hold is not in the answer")
			assert.True(t, c.dtmf)
			sent := far.packetCount()
			require.Eventually(t, func() bool { return far.packetCount() > sent+25 }, wait, poll, "media goes on after the glare")
			twoWay(t, speaker, c, farTone)

			// and the page can negotiate again from where it is
			c.offer(false, nil)
			twoWay(t, speaker, c, farTone)
		})
	}
}

// The page rolls its pending offer back (setLocalDescription({type: "rollback"})): the
// call goes on as before it, and the next offer negotiates.
func TestRollbackLocalOffer(t *testing.T) {
	s, _, speaker := engineInCall(t)
	c := outbound(s, "pc1", newFarEnd(t, farTone, "opus"))
	twoWay(t, speaker, c, farTone)

	r := s.try("pc.setLocalDescription", map[string]any{"pc": c.pc, "type": "rollback"})
	require.NotNil(t, r.Error, "nothing to roll back in stable")
	assert.Equal(t, "InvalidStateError", r.Error.Name)

	var pending, back desc
	s.call("pc.createOffer", map[string]any{"pc": c.pc}, &pending)
	inactive := strings.Replace(pending.SDP, "a=sendrecv", "a=inactive", 1)
	s.call("pc.setLocalDescription", map[string]any{"pc": c.pc, "type": "offer", "sdp": inactive}, nil)
	require.Eventually(t, func() bool { return c.far.level(micTone) == 0 }, wait, poll, "an inactive offer stops the sending")
	s.call("pc.setLocalDescription", map[string]any{"pc": c.pc, "type": "rollback"}, &back)
	assert.Equal(t, "rollback", back.Type)
	assert.True(t, back.DTMF[c.sender], "the negotiated state is the one before the offer")
	require.Eventually(t, func() bool { return pulsetest.Heard(c.far.level(micTone)) }, wait, poll, "rolled back, the page sends again")

	c.offer(false, nil)
	twoWay(t, speaker, c, farTone)
}

// A first offer has nothing to roll back to in the engine (pion cannot undo it): the far
// end's offer is refused as browsers refuse what they cannot do, with InvalidStateError.
func TestRemoteOfferWhileFirstOfferPending(t *testing.T) {
	s, _ := engineOn(t)
	far := newFarEnd(t, farTone, "opus")
	s.call("pc.create", map[string]any{"pc": "pc1", "config": map[string]any{}}, nil)
	m := s.microphone()
	s.call("pc.addTrack", map[string]any{"pc": "pc1", "track": m.Track.ID, "streams": []string{m.Stream}}, nil)
	var offer desc
	s.call("pc.createOffer", map[string]any{"pc": "pc1"}, &offer)
	s.call("pc.setLocalDescription", map[string]any{"pc": "pc1", "type": "offer", "sdp": offer.SDP}, nil)
	r := s.try("pc.setRemoteDescription", map[string]any{"pc": "pc1", "type": "offer", "sdp": far.offer()})
	require.NotNil(t, r.Error)
	assert.Equal(t, "InvalidStateError", r.Error.Name)
}
