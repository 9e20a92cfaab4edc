package calling

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/internal/pulsetest"
)

// Tones: what the far end says (heard on the speaker), what the microphone hears.
const (
	farTone = 1000.0
	micTone = 700.0
)

// call is one call between the page (through the engine) and a far end.
type call struct {
	s      *shim
	far    *farEnd
	pc     string
	sender string
	track  string
	stream string // the far end's audio, as the page got it in pc.track
	elem   string
	dtmf   bool // the sender's canInsertDTMF after the last negotiation, as the engine said
}

func (s *shim) microphone() gum {
	var m gum
	s.call("media.getUserMedia", map[string]any{"audio": true}, &m)
	return m
}

// inbound: the far end calls; the page answers (as sip.js: remote offer, getUserMedia,
// addTrack, createAnswer, setLocalDescription).
func inbound(s *shim, pc string, far *farEnd, edit func(string) string) *call {
	c := &call{s: s, far: far, pc: pc, elem: "el-" + pc}
	s.call("pc.create", map[string]any{"pc": pc, "config": map[string]any{"iceServers": []any{}}}, nil)
	offer := far.offer()
	if edit != nil {
		offer = edit(offer)
	}
	s.call("pc.setRemoteDescription", map[string]any{"pc": pc, "type": "offer", "sdp": offer}, nil)
	c.stream = remoteStream(s, pc)
	m := s.microphone()
	c.track = m.Track.ID
	var added struct{ Sender string }
	s.call("pc.addTrack", map[string]any{"pc": pc, "track": m.Track.ID, "streams": []string{m.Stream}}, &added)
	c.sender = added.Sender
	var answer, wire desc
	s.call("pc.createAnswer", map[string]any{"pc": pc}, &answer)
	require.Equal(s.t, "answer", answer.Type)
	s.call("pc.setLocalDescription", map[string]any{"pc": pc, "type": "answer", "sdp": answer.SDP}, &wire)
	c.dtmf = wire.DTMF[c.sender]
	far.accept(wire.SDP)
	c.play()
	return c
}

// outbound: the page calls (getUserMedia, addTrack, createOffer, setLocalDescription; the
// far end's answer).
// place sets up a call with far, the far end calling (inbound) or called.
func place(s *shim, pc string, far *farEnd, fromFar bool) *call {
	if fromFar {
		return inbound(s, pc, far, nil)
	}
	return outbound(s, pc, far)
}

func outbound(s *shim, pc string, far *farEnd) *call {
	c := &call{s: s, far: far, pc: pc, elem: "el-" + pc}
	m := s.microphone()
	c.track = m.Track.ID
	s.call("pc.create", map[string]any{"pc": pc, "config": map[string]any{"iceServers": []any{}}}, nil)
	var added struct{ Sender string }
	s.call("pc.addTrack", map[string]any{"pc": pc, "track": m.Track.ID, "streams": []string{m.Stream}}, &added)
	c.sender = added.Sender
	c.offer(false, nil)
	c.stream = remoteStream(s, pc)
	c.play()
	return c
}

// offer renegotiates from the page's side; munge edits the page's copy before
// setLocalDescription (as sip.js's hold modifier does); the far end answers.
func (c *call) offer(iceRestart bool, munge func(string) string) (wire string) {
	var offer, local, set desc
	c.s.call("pc.createOffer", map[string]any{"pc": c.pc, "iceRestart": iceRestart}, &offer)
	require.Equal(c.s.t, "offer", offer.Type)
	require.Contains(c.s.t, offer.SDP, "a=candidate:", "offers are complete (non-trickle)")
	page := offer.SDP
	if munge != nil {
		page = munge(page)
	}
	c.s.call("pc.setLocalDescription", map[string]any{"pc": c.pc, "type": "offer", "sdp": page}, &local)
	answer := c.far.answer(local.SDP)
	c.s.call("pc.setRemoteDescription", map[string]any{"pc": c.pc, "type": "answer", "sdp": answer}, &set)
	c.dtmf = set.DTMF[c.sender]
	return local.SDP
}

func remoteStream(s *shim, pc string) string {
	ev := s.event("pc.track", isPC(pc))
	var streams []string
	require.NoError(s.t, json.Unmarshal(ev["streams"], &streams))
	require.Len(s.t, streams, 1)
	return streams[0]
}

func (c *call) play() {
	c.s.call("element.play", map[string]any{"element": c.elem, "stream": c.stream, "volume": 1, "muted": false}, nil)
}

// twoWay waits until the speaker hears the far end's tone and the far end the microphone.
func twoWay(t testing.TB, speaker *pulsetest.Recorder, c *call, farHz float64) {
	t.Helper()
	require.Eventually(t, func() bool { return pulsetest.Heard(speaker.Level(farHz)) }, wait, poll,
		"the speaker does not hear the far end")
	require.Eventually(t, func() bool { return pulsetest.Heard(c.far.level(micTone)) }, wait, poll,
		"the far end does not hear the microphone")
}

func TestInboundCallAudioBothWays(t *testing.T) {
	s, _, speaker := engineInCall(t)
	c := inbound(s, "pc1", newFarEnd(t, farTone, "opus", "pcmu"), nil)
	twoWay(t, speaker, c, farTone)
	assert.Equal(t, []string{defaultID}, s.e.micOpen())
	s.event("pc.state", func(ev map[string]json.RawMessage) bool { return str(ev["connectionState"]) == "connected" })
}

func TestOutboundCallAudioBothWays(t *testing.T) {
	s, _, speaker := engineInCall(t)
	c := outbound(s, "pc1", newFarEnd(t, farTone, "opus", "pcmu"))
	twoWay(t, speaker, c, farTone)

	// Non-trickle, but the page still hears each candidate, then the end of them.
	ev := s.event("pc.icecandidate", func(ev map[string]json.RawMessage) bool { return string(ev["candidate"]) != "null" })
	var cand iceCandidate
	require.NoError(t, json.Unmarshal(ev["candidate"], &cand))
	assert.True(t, strings.HasPrefix(cand.Candidate, "candidate:"), cand.Candidate)
	assert.Equal(t, "0", cand.SDPMid)
	s.event("pc.icecandidate", func(ev map[string]json.RawMessage) bool { return string(ev["candidate"]) == "null" })
}

func TestMuteSendsSilence(t *testing.T) {
	s, _, speaker := engineInCall(t)
	c := inbound(s, "pc1", newFarEnd(t, farTone, "opus"), nil)
	twoWay(t, speaker, c, farTone)

	s.call("track.setEnabled", map[string]any{"track": c.track, "enabled": false}, nil)
	require.Eventually(t, func() bool { return c.far.level(micTone) < 0.002 }, wait, poll, "muted, the far end still hears the microphone")
	sent := c.far.packetCount()
	require.Eventually(t, func() bool { return c.far.packetCount() > sent+10 }, wait, poll, "muted, silence is sent (packets go on)")

	s.call("track.setEnabled", map[string]any{"track": c.track, "enabled": true}, nil)
	require.Eventually(t, func() bool { return pulsetest.Heard(c.far.level(micTone)) }, wait, poll, "unmuted, the far end hears nothing")
}

func TestDTMF(t *testing.T) {
	s, srv := engineOn(t)
	srv.Tone(t, pulsetest.MicFeed, micTone)
	c := outbound(s, "pc1", newFarEnd(t, farTone, "opus"))
	require.Eventually(t, func() bool { return c.far.packetCount() > 0 }, wait, poll)
	s.call("pc.insertDTMF", map[string]any{"pc": c.pc, "sender": c.sender, "tones": "159#", "duration": 100, "gap": 50}, nil)
	require.Eventually(t, func() bool { return c.far.dtmf() == "159#" }, wait, poll, "far end decoded %q", c.far.dtmf())

	r := s.try("pc.insertDTMF", map[string]any{"pc": c.pc, "sender": c.sender, "tones": "1x"})
	require.NotNil(t, r.Error)
	assert.Equal(t, "InvalidCharacterError", r.Error.Name)
}

func TestDTMFOnG711(t *testing.T) {
	s, srv := engineOn(t)
	srv.Tone(t, pulsetest.MicFeed, micTone)
	c := inbound(s, "pc1", newFarEnd(t, farTone, "pcmu"), nil)
	require.Eventually(t, func() bool { return c.far.packetCount() > 0 }, wait, poll)
	s.call("pc.insertDTMF", map[string]any{"pc": c.pc, "sender": c.sender, "tones": "*0", "duration": 80, "gap": 40}, nil)
	require.Eventually(t, func() bool { return c.far.dtmf() == "*0" }, wait, poll, "far end decoded %q", c.far.dtmf())
}

// A gateway offers Opus with telephone-event/8000 only: DTMF goes out with that payload
// type, its durations counted at 8 kHz (100 ms = 800), as libwebrtc sends it.
func TestDTMFAt8kHzWithOpus(t *testing.T) {
	s, srv := engineOn(t)
	srv.Tone(t, pulsetest.MicFeed, micTone)
	c := inbound(s, "pc1", newFarEnd(t, farTone, "opus", teOnly8000), nil)
	require.Eventually(t, func() bool { return c.far.packetCount() > 0 }, wait, poll)
	s.call("pc.insertDTMF", map[string]any{"pc": c.pc, "sender": c.sender, "tones": "7#", "duration": 100, "gap": 50}, nil)
	require.Eventually(t, func() bool { return c.far.dtmf() == "7#" }, wait, poll, "far end decoded %q", c.far.dtmf())
	assert.Equal(t, []int{800, 800}, c.far.eventDurations(), "durations in the event's 8 kHz clock")
}

// The page holds (sip.js munges sendrecv to sendonly before setLocalDescription), then
// takes the call back.
func TestHoldAndUnhold(t *testing.T) {
	s, _, speaker := engineInCall(t)
	c := outbound(s, "pc1", newFarEnd(t, farTone, "opus"))
	twoWay(t, speaker, c, farTone)

	c.far.paused <- true // a held far end stops sending (pion's own answer would not say so)
	wire := c.offer(false, func(sdp string) string { return strings.Replace(sdp, "a=sendrecv", "a=sendonly", 1) })
	assert.Contains(t, wire, "a=sendonly", "the munged direction is on the wire")
	require.Eventually(t, func() bool { return !pulsetest.Heard(speaker.Level(farTone)) }, wait, poll)
	require.Eventually(t, func() bool { return pulsetest.Heard(c.far.level(micTone)) }, wait, poll, "on hold the page still sends")

	c.far.paused <- false
	wire = c.offer(false, nil)
	assert.Contains(t, wire, "a=sendrecv")
	twoWay(t, speaker, c, farTone)
}

// The far end holds: its re-offer is sendonly; the answer must be recvonly (pion's own
// would be sendrecv), and the page stops sending, its microphone closed.
func TestHeldByFarEnd(t *testing.T) {
	s, srv, speaker := engineInCall(t)
	c := inbound(s, "pc1", newFarEnd(t, farTone, "opus"), nil)
	twoWay(t, speaker, c, farTone)

	reoffer := func(dir string) desc {
		offer := strings.Replace(c.far.offer(), "a=sendrecv", dir, 1)
		s.call("pc.setRemoteDescription", map[string]any{"pc": c.pc, "type": "offer", "sdp": offer}, nil)
		var answer, wire desc
		s.call("pc.createAnswer", map[string]any{"pc": c.pc}, &answer)
		s.call("pc.setLocalDescription", map[string]any{"pc": c.pc, "type": "answer", "sdp": answer.SDP}, &wire)
		c.far.accept(wire.SDP)
		return wire
	}
	wire := reoffer("a=sendonly")
	assert.Contains(t, wire.SDP, "a=recvonly")
	assert.NotContains(t, wire.SDP, "a=sendrecv")
	require.Eventually(t, func() bool { return len(s.e.micOpen()) == 0 }, wait, poll, "held, the microphone stays open")
	require.Eventually(t, func() bool { return srv.Recording(t, pulsetest.Mic) == 0 }, wait, poll,
		"held, the microphone is still in use (the echo canceller's too)")
	require.Eventually(t, func() bool { return pulsetest.Heard(speaker.Level(farTone)) }, wait, poll,
		"held, the far end's music on hold is not heard")

	wire = reoffer("a=sendrecv")
	assert.Contains(t, wire.SDP, "a=sendrecv")
	twoWay(t, speaker, c, farTone)
}

func TestG711OnlyFarEnd(t *testing.T) {
	for _, codecs := range [][]string{{"pcmu"}, {"pcma"}, {"pcmu", "opus"}} {
		t.Run(strings.Join(codecs, "-"), func(t *testing.T) {
			s, _, speaker := engineInCall(t)
			far := newFarEnd(t, farTone, codecs...)
			c := inbound(s, "pc1", far, nil)
			answer := far.pc.RemoteDescription().SDP
			firstPT := strings.Fields(strings.SplitN(answer[strings.Index(answer, "m=audio"):], "\n", 2)[0])[3]
			want := map[string]string{"pcmu": "0", "pcma": "8"}[codecs[0]]
			assert.Equal(t, want, firstPT, "answered %s first: %s", codecs[0], answer)
			twoWay(t, speaker, c, farTone)
		})
	}
}

func TestRemoteOfferWithoutMid(t *testing.T) {
	s, _, speaker := engineInCall(t)
	noMid := func(sdp string) string {
		var keep []string
		for _, l := range strings.Split(sdp, "\r\n") {
			if !strings.HasPrefix(l, "a=mid:") && !strings.HasPrefix(l, "a=group:BUNDLE") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\r\n")
	}
	c := inbound(s, "pc1", newFarEnd(t, farTone, "opus"), noMid)
	twoWay(t, speaker, c, farTone)
}

type statsReply struct {
	Reports []map[string]any `json:"reports"`
}

func (c *call) stats() map[string]map[string]any {
	var r statsReply
	c.s.call("pc.getStats", map[string]any{"pc": c.pc}, &r)
	byType := map[string]map[string]any{}
	for _, rep := range r.Reports {
		typ, _ := rep["type"].(string)
		if typ == "candidate-pair" {
			if v, _ := rep["nominated"].(bool); !v {
				continue
			}
		}
		byType[typ] = rep
	}
	return byType
}

func num(rep map[string]any, field string) float64 {
	v, _ := rep[field].(float64)
	return v
}

func TestGetStatsCountersGrow(t *testing.T) {
	s, _, speaker := engineInCall(t)
	c := inbound(s, "pc1", newFarEnd(t, farTone, "opus"), nil)
	twoWay(t, speaker, c, farTone)

	var first map[string]map[string]any
	require.Eventually(t, func() bool {
		first = c.stats()
		return num(first["inbound-rtp"], "packetsReceived") > 0 && num(first["outbound-rtp"], "packetsSent") > 0 &&
			first["candidate-pair"] != nil
	}, wait, poll, "stats: %v", first)
	for _, f := range []string{"packetsReceived", "bytesReceived", "jitter", "packetsLost"} {
		assert.Contains(t, first["inbound-rtp"], f)
	}
	require.Eventually(t, func() bool {
		now := c.stats()
		return num(now["inbound-rtp"], "packetsReceived") > num(first["inbound-rtp"], "packetsReceived") &&
			num(now["inbound-rtp"], "bytesReceived") > num(first["inbound-rtp"], "bytesReceived") &&
			num(now["outbound-rtp"], "packetsSent") > num(first["outbound-rtp"], "packetsSent") &&
			num(now["outbound-rtp"], "bytesSent") > num(first["outbound-rtp"], "bytesSent") &&
			num(now["candidate-pair"], "currentRoundTripTime") > 0
	}, wait, poll, "the counters do not grow")
}

func TestTwoCallsAtOnce(t *testing.T) {
	s, srv, speaker := engineInCall(t)
	c1 := inbound(s, "pc1", newFarEnd(t, farTone, "opus"), nil)
	c2 := outbound(s, "pc2", newFarEnd(t, 1300, "pcmu"))
	twoWay(t, speaker, c1, farTone)
	twoWay(t, speaker, c2, 1300)
	assert.Equal(t, []string{defaultID}, s.e.micOpen(), "one microphone serves both calls")

	callSpeaker := s.e.audio.(*Pulse).ecName + "_sink" // the echo canceller's sink
	require.Equal(t, 2, srv.Playing(t, callSpeaker))

	s.call("pc.close", map[string]any{"pc": "pc1"}, nil)
	require.Eventually(t, func() bool { return !pulsetest.Heard(speaker.Level(farTone)) }, wait, poll)
	require.Eventually(t, func() bool { return srv.Playing(t, callSpeaker) == 1 }, wait, poll,
		"the closed call's playback is closed")
	twoWay(t, speaker, c2, 1300)
}

// reconnect is ringcentral-web-phone 0.8.14's reconnectMedia (sip.js 0.13.5): an
// ICE-restart offer set as the local description; when its candidates are in, sip.js's
// re-INVITE makes and sets a second offer (without iceRestart) while the first is still
// pending, as browsers allow. The second goes on the wire; the far end answers it.
// restartLast asks for the restart in the second offer instead (a page that restarts
// while a plain offer is pending).
func (c *call) reconnect(restartLast bool) (first, wire string) {
	var one, second, local desc
	c.s.call("pc.createOffer", map[string]any{"pc": c.pc, "iceRestart": !restartLast}, &one)
	c.s.call("pc.setLocalDescription", map[string]any{"pc": c.pc, "type": "offer", "sdp": one.SDP}, &local)
	first = local.SDP
	c.s.call("pc.createOffer", map[string]any{"pc": c.pc, "iceRestart": restartLast}, &second)
	require.Equal(c.s.t, "offer", second.Type)
	require.Contains(c.s.t, second.SDP, "a=candidate:", "offers are complete (non-trickle)")
	c.s.call("pc.setLocalDescription", map[string]any{"pc": c.pc, "type": "offer", "sdp": second.SDP}, &local)
	c.s.call("pc.setRemoteDescription", map[string]any{"pc": c.pc, "type": "answer", "sdp": c.far.answer(local.SDP)}, nil)
	return first, local.SDP
}

func TestICERestart(t *testing.T) {
	for _, tt := range []struct {
		name    string
		inbound bool
		reoffer bool // the second offer while the restart's is pending (reconnectMedia)
		late    bool // the restart asked in the second offer, a plain one pending
	}{
		{"outbound", false, false, false},
		{"inbound", true, false, false},
		{"outbound, reconnectMedia", false, true, false},
		{"inbound, reconnectMedia", true, true, false},
		{"inbound, restart while an offer is pending", true, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, _, speaker := engineInCall(t)
			far := newFarEnd(t, farTone, "opus")
			c := place(s, "pc1", far, tt.inbound)
			twoWay(t, speaker, c, farTone)
			before := c.far.pc.RemoteDescription().SDP
			var wire string
			if tt.reoffer {
				var first string
				first, wire = c.reconnect(tt.late)
				if tt.late {
					assert.Equal(t, ufrag(before), ufrag(first), "a plain offer keeps the credentials")
				} else {
					assert.NotEqual(t, ufrag(before), ufrag(first), "an ICE restart has new credentials")
					assert.Equal(t, ufrag(first), ufrag(wire), "an offer made while a restart is pending keeps its new credentials")
				}
			} else {
				wire = c.offer(true, nil)
			}
			require.NotEmpty(t, ufrag(wire))
			assert.NotEqual(t, ufrag(before), ufrag(wire), "an ICE restart has new credentials on the wire")
			assert.NotEqual(t, pwd(before), pwd(wire), "an ICE restart has a new password on the wire")
			sent := c.far.packetCount()
			require.Eventually(t, func() bool { return c.far.packetCount() > sent+25 }, wait, poll, "media goes on after the restart")
			twoWay(t, speaker, c, farTone)
		})
	}
}

// pion cannot roll a pending offer back: an offer with other media while one is pending
// (a track added meanwhile) is refused, and the pending one still completes.
func TestOfferWithNewMediaWhileOfferPending(t *testing.T) {
	s, _, speaker := engineInCall(t)
	c := outbound(s, "pc1", newFarEnd(t, farTone, "opus"))
	twoWay(t, speaker, c, farTone)

	var pending, local desc
	s.call("pc.createOffer", map[string]any{"pc": c.pc}, &pending)
	s.call("pc.setLocalDescription", map[string]any{"pc": c.pc, "type": "offer", "sdp": pending.SDP}, &local)
	m := s.microphone()
	s.call("pc.addTrack", map[string]any{"pc": c.pc, "track": m.Track.ID, "streams": []string{m.Stream}}, nil)
	r := s.try("pc.createOffer", map[string]any{"pc": c.pc})
	require.NotNil(t, r.Error, "an offer with another m= section cannot replace the pending one")
	assert.Equal(t, "InvalidStateError", r.Error.Name)

	s.call("pc.setRemoteDescription", map[string]any{"pc": c.pc, "type": "answer", "sdp": c.far.answer(local.SDP)}, nil)
	twoWay(t, speaker, c, farTone)
}

func ufrag(sdp string) string { return attribute(sdp, "ice-ufrag") }

func pwd(sdp string) string { return attribute(sdp, "ice-pwd") }

// attribute is the value of the first a=name: line of sdp.
func attribute(sdp, name string) string {
	for _, l := range strings.Split(sdp, "\r\n") {
		if v, ok := strings.CutPrefix(l, "a="+name+":"); ok {
			return v
		}
	}
	return ""
}

// The microphone opens only while a call sends, and PageGone ends everything.
func TestMicrophoneOnlyWhileSendingAndPageGone(t *testing.T) {
	s, srv, speaker := engineInCall(t)
	s.microphone()
	assert.Empty(t, s.e.micOpen(), "getUserMedia alone does not open the microphone")
	c := inbound(s, "pc1", newFarEnd(t, farTone, "opus"), nil)
	twoWay(t, speaker, c, farTone)
	require.Equal(t, 1, srv.Recording(t, pulsetest.Mic), "the microphone is recorded once")

	s.e.PageGone()
	assert.Empty(t, s.e.micOpen())
	require.Eventually(t, func() bool { return srv.Recording(t, pulsetest.Mic) == 0 }, wait, poll, "the microphone is released")
	require.Eventually(t, func() bool { return srv.Playing(t, pulsetest.Speaker) == 0 }, wait, poll, "the playback is closed")
	r := s.try("pc.getStats", map[string]any{"pc": "pc1"})
	require.NotNil(t, r.Error, "the old page's peer connection is gone")
}

func TestDevicesAndDeviceChange(t *testing.T) {
	s, srv := engineOn(t)
	var list struct{ Devices []Device }
	s.call("media.enumerateDevices", nil, &list)
	assert.Contains(t, list.Devices, Device{ID: pulsetest.Mic, Kind: kindInput, Label: pulsetest.MicDesc, Group: pulsetest.Mic})
	assert.Contains(t, list.Devices, Device{ID: pulsetest.Speaker, Kind: kindOutput, Label: pulsetest.SpeakerDesc, Group: pulsetest.Speaker})
	assert.Equal(t, Device{ID: defaultID, Kind: kindInput, Label: "Default - " + pulsetest.MicDesc, Group: pulsetest.Mic}, list.Devices[0])
	for _, d := range list.Devices {
		assert.NotEmpty(t, d.Label)
		assert.NotContains(t, d.ID, ".monitor", "a monitor is no microphone")
	}

	before := s.count("media.devicechange")
	srv.LoadModule(t, "module-null-sink", "sink_name=headset")
	s.event("media.devicechange", nil)
	require.Greater(t, s.count("media.devicechange"), before)
	s.call("media.enumerateDevices", nil, &list)
	ids := []string{}
	for _, d := range list.Devices {
		ids = append(ids, d.ID)
	}
	assert.Contains(t, ids, "headset")

	r := s.try("media.getUserMedia", map[string]any{"audio": map[string]any{"deviceId": map[string]any{"exact": "nope"}}})
	require.NotNil(t, r.Error)
	assert.Equal(t, "OverconstrainedError", r.Error.Name)
}

func TestSetSinkIdMovesPlayback(t *testing.T) {
	s, srv := engineOn(t)
	srv.LoadModule(t, "module-null-sink", "sink_name=headset rate=48000")
	speaker := srv.Record(t, pulsetest.Speaker+".monitor")
	headset := srv.Record(t, "headset.monitor")
	srv.Tone(t, pulsetest.MicFeed, micTone)
	c := inbound(s, "pc1", newFarEnd(t, farTone, "opus"), nil)
	twoWay(t, speaker, c, farTone)

	s.call("element.setSinkId", map[string]any{"element": c.elem, "sinkId": "headset"}, nil)
	require.Eventually(t, func() bool { return pulsetest.Heard(headset.Level(farTone)) }, wait, poll)
	require.Eventually(t, func() bool { return !pulsetest.Heard(speaker.Level(farTone)) }, wait, poll)

	// A second call plays on the speaker meanwhile: two playbacks of one client on two
	// sinks (PulseAudio refuses that when both streams have the same SyncID).
	c2 := outbound(s, "pc2", newFarEnd(t, 1300, "opus"))
	twoWay(t, speaker, c2, 1300)
	assert.True(t, pulsetest.Heard(headset.Level(farTone)))

	r := s.try("element.setSinkId", map[string]any{"element": c.elem, "sinkId": "nope"})
	require.NotNil(t, r.Error)
	assert.Equal(t, "NotFoundError", r.Error.Name)
}

func TestNoSoundServer(t *testing.T) {
	t.Setenv("PULSE_SERVER", "unix:"+t.TempDir()+"/none")
	s := newShim(t, nil)
	r := s.try("media.getUserMedia", map[string]any{"audio": true})
	require.NotNil(t, r.Error)
	assert.Equal(t, "NotReadableError", r.Error.Name)
	ev := s.event("engine.unavailable", nil)
	assert.Contains(t, str(ev["reason"]), "no sound server")
	s.try("media.getUserMedia", map[string]any{"audio": true})
	assert.Equal(t, 1, s.count("engine.unavailable"), "the page is told once")
}

func TestUnknownOp(t *testing.T) {
	s := newShim(t, nil)
	for _, op := range []string{"pc.fly", "nope"} {
		params := map[string]any{}
		if strings.HasPrefix(op, "pc.") {
			s.call("pc.create", map[string]any{"pc": "x"}, nil)
			params["pc"] = "x"
		}
		r := s.try(op, params)
		require.NotNil(t, r.Error, op)
		assert.Equal(t, "NotSupportedError", r.Error.Name, op)
	}
}

// The speaker leaks into the microphone (a loopback, as a laptop's speakers do): with the
// echo canceller the far end does not hear itself; without it, it does.
func TestEchoCancellation(t *testing.T) {
	for _, tt := range []struct {
		name   string
		noEC   bool
		echoed bool
	}{{"cancelled", false, false}, {"without the canceller", true, true}} {
		t.Run(tt.name, func(t *testing.T) {
			srv := pulsetest.Start(t)
			a, err := OpenPulse(srv.Addr)
			require.NoError(t, err)
			t.Cleanup(func() { a.Close() })
			a.NoEchoCancel = tt.noEC
			s := newShim(t, a)
			srv.LoadModule(t, "module-loopback", "source="+pulsetest.Speaker+".monitor sink="+pulsetest.MicFeed+" latency_msec=20")
			srv.Tone(t, pulsetest.MicFeed, micTone)
			c := inbound(s, "pc1", newFarEnd(t, farTone, "opus"), nil)
			require.Eventually(t, func() bool { return pulsetest.Heard(c.far.level(micTone)) }, wait, poll)
			on, ecErr := a.EchoCancelling()
			require.NoError(t, ecErr)
			assert.Equal(t, !tt.noEC, on, "the canceller is loaded while the microphone is recorded")
			if tt.echoed {
				require.Eventually(t, func() bool { return pulsetest.Heard(c.far.level(farTone)) }, wait, poll,
					"the loopback does not leak: this test proves nothing")
				return
			}
			quiet := 0 // polls in a row with the microphone heard and no echo
			require.Eventually(t, func() bool {
				if pulsetest.Heard(c.far.level(micTone)) && c.far.level(farTone) < 0.005 {
					quiet++
				} else {
					quiet = 0
				}
				return quiet >= 25
			}, wait, poll, "the far end hears its own voice")
			s.e.PageGone()
			on, _ = a.EchoCancelling()
			assert.False(t, on, "the canceller is unloaded after the call")
		})
	}
}

// A microphone that goes away ends the tracks taken from it.
func TestTrackEndsWhenItsMicrophoneGoes(t *testing.T) {
	s, srv := engineOn(t)
	mod := srv.LoadModule(t, "module-remap-source", "source_name=usbmic master="+pulsetest.MicFeed+".monitor")
	var m gum
	s.call("media.getUserMedia", map[string]any{"audio": map[string]any{"deviceId": map[string]any{"exact": "usbmic"}}}, &m)
	srv.UnloadModule(t, mod)
	ev := s.event("track.ended", nil)
	assert.Equal(t, m.Track.ID, str(ev["track"]))
}

// replaceTrack(null) stops sending (and closes the microphone), replaceTrack(track) sends
// again; pausing the element closes its playback.
func TestReplaceTrackAndPause(t *testing.T) {
	s, srv, speaker := engineInCall(t)
	c := inbound(s, "pc1", newFarEnd(t, farTone, "opus"), nil)
	twoWay(t, speaker, c, farTone)

	s.call("pc.replaceTrack", map[string]any{"pc": c.pc, "sender": c.sender, "track": nil}, nil)
	require.Eventually(t, func() bool { return len(s.e.micOpen()) == 0 }, wait, poll, "no track, and the microphone stays open")
	require.Eventually(t, func() bool { return srv.Recording(t, pulsetest.Mic) == 0 }, wait, poll)
	require.Eventually(t, func() bool { return !pulsetest.Heard(c.far.level(micTone)) }, wait, poll)

	m := s.microphone()
	s.call("pc.replaceTrack", map[string]any{"pc": c.pc, "sender": c.sender, "track": m.Track.ID}, nil)
	require.Eventually(t, func() bool { return pulsetest.Heard(c.far.level(micTone)) }, wait, poll)

	callSpeaker := s.e.audio.(*Pulse).ecName + "_sink"
	require.Equal(t, 1, srv.Playing(t, callSpeaker))
	s.call("element.pause", map[string]any{"element": c.elem}, nil)
	require.Eventually(t, func() bool { return srv.Playing(t, callSpeaker) == 0 }, wait, poll, "a paused element still plays")
	require.Eventually(t, func() bool { return !pulsetest.Heard(speaker.Level(farTone)) }, wait, poll)
}

// The sound server goes away: the page is told, and its microphone tracks end.
func TestSoundServerLost(t *testing.T) {
	s, srv := engineOn(t)
	m := s.microphone()
	srv.Stop()
	ev := s.event("engine.unavailable", nil)
	assert.NotEmpty(t, str(ev["reason"]))
	ev = s.event("track.ended", nil)
	assert.Equal(t, m.Track.ID, str(ev["track"]))
}
