package calling

import (
	"encoding/json"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/internal/pulsetest"
)

// The tests' two sides: a shim that speaks the engine's protocol as the page's JS shim
// does, and a far end that is a plain pion peer, one per call (a gateway's media side).

// wait is how long a test waits for a condition: generous for a loaded 2-core CI machine.
const wait = 45 * time.Second

const poll = 20 * time.Millisecond

// shim is the page's side of the protocol.
type shim struct {
	t  testing.TB
	e  *Engine
	mu sync.Mutex

	next    int
	answers map[int]chan reply
	events  []map[string]json.RawMessage
}

type reply struct {
	Result json.RawMessage `json:"result"`
	Error  *domError       `json:"error"`
}

func newShim(t testing.TB, audio AudioSystem) *shim {
	s := &shim{t: t, answers: map[int]chan reply{}}
	e, err := New(Options{Send: s.receive, Audio: audio})
	require.NoError(t, err)
	s.e = e
	t.Cleanup(e.Close)
	return s
}

// engineOn starts a PulseAudio server and an engine on it.
// engineInCall is engineOn with what a call test needs around it: the microphone plays
// micTone, and the speaker is recorded.
func engineInCall(t testing.TB) (*shim, *pulsetest.Server, *pulsetest.Recorder) {
	s, srv := engineOn(t)
	speaker := srv.Record(t, pulsetest.Speaker+".monitor")
	srv.Tone(t, pulsetest.MicFeed, micTone)
	return s, srv, speaker
}

func engineOn(t testing.TB) (*shim, *pulsetest.Server) {
	srv := pulsetest.Start(t)
	a, err := OpenPulse(srv.Addr)
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	return newShim(t, a), srv
}

func (s *shim) receive(b []byte) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		s.t.Errorf("engine sent no JSON object: %s", b)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := m["id"]; ok {
		var n int
		require.NoError(s.t, json.Unmarshal(id, &n))
		var r reply
		require.NoError(s.t, json.Unmarshal(b, &r))
		if ch := s.answers[n]; ch != nil {
			ch <- r
			delete(s.answers, n)
			return
		}
		s.t.Errorf("an answer nobody asked for: %s", b)
		return
	}
	s.events = append(s.events, m)
}

// try sends one request and waits for its answer.
func (s *shim) try(op string, params map[string]any) reply {
	s.t.Helper()
	s.mu.Lock()
	s.next++
	id := s.next
	ch := make(chan reply, 1)
	s.answers[id] = ch
	s.mu.Unlock()
	msg := map[string]any{"id": id, "op": op}
	for k, v := range params {
		msg[k] = v
	}
	b, err := json.Marshal(msg)
	require.NoError(s.t, err)
	s.e.Handle(b)
	select {
	case r := <-ch:
		return r
	case <-time.After(wait):
		s.t.Fatalf("no answer to %s", op)
		return reply{}
	}
}

// call sends one request that must succeed and decodes its result into out (if not nil).
func (s *shim) call(op string, params map[string]any, out any) {
	s.t.Helper()
	r := s.try(op, params)
	require.Nil(s.t, r.Error, "%s failed", op)
	if out != nil {
		require.NoError(s.t, json.Unmarshal(r.Result, out))
	}
}

// event waits for an event named name for which match (may be nil) holds, and returns it.
func (s *shim) event(name string, match func(map[string]json.RawMessage) bool) map[string]json.RawMessage {
	s.t.Helper()
	var found map[string]json.RawMessage
	require.Eventually(s.t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, ev := range s.events {
			if str(ev["event"]) == name && (match == nil || match(ev)) {
				found = ev
				return true
			}
		}
		return false
	}, wait, poll, "no %s event", name)
	return found
}

func (s *shim) count(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ev := range s.events {
		if str(ev["event"]) == name {
			n++
		}
	}
	return n
}

func str(raw json.RawMessage) string {
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

func isPC(pc string) func(map[string]json.RawMessage) bool {
	return func(ev map[string]json.RawMessage) bool { return str(ev["pc"]) == pc }
}

// desc is a description, as createOffer/createAnswer and setLocalDescription answer; the
// results of setLocalDescription and setRemoteDescription also carry dtmf (see protocol.go).
type desc struct {
	Type string          `json:"type"`
	SDP  string          `json:"sdp"`
	DTMF map[string]bool `json:"dtmf"`
}

// gum is getUserMedia's result.
type gum struct {
	Stream string    `json:"stream"`
	Track  trackInfo `json:"track"`
}

// farEnd is the other phone: a pion peer that sends a tone and listens.
type farEnd struct {
	t      testing.TB
	pc     *webrtc.PeerConnection
	tone   float64
	paused chan bool // true: stop sending (the far end holds, or is held)
	// resumed tells when the first frame after a pause went out
	resumed chan time.Time

	mu      sync.Mutex
	pts     map[uint8]string
	heard   []int16   // last second decoded, 48 kHz
	heardAt time.Time // when the last of it came
	packets int
	digits  []byte
	// durations of the events heard, in the telephone-event's clock
	durations []int
	events    map[uint32]bool // telephone-event timestamps seen ended
	onset     *farOnset
}

// farOnset waits for a tone to start in what the far end hears.
type farOnset struct {
	freq float64
	at   chan time.Time
}

// onsetOf reports when the far end next hears freq (for latency figures).
func (f *farEnd) onsetOf(freq float64) <-chan time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onset = &farOnset{freq, make(chan time.Time, 1)}
	return f.onset.at
}

// newFarEnd makes a far end that offers or accepts codecs (in that order) and sends a
// sine of tone Hz. It has telephone-event at each codec's clock, or only at
// teOnly8000 (a gateway's Opus with telephone-event/8000), or none with noTE.
func newFarEnd(t testing.TB, tone float64, codecs ...string) *farEnd {
	m := &webrtc.MediaEngine{}
	clocks := map[uint32]bool{}
	explicitTE, teNone := false, false
	for _, c := range codecs {
		var p webrtc.RTPCodecParameters
		switch c {
		case teOnly8000:
			explicitTE = true
			continue
		case noTE:
			teNone = true
			continue
		case "opus":
			p = webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus,
				ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"}, PayloadType: 109}
		case "pcmu":
			p = webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, PayloadType: 0}
		case "pcma":
			p = webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: 8000}, PayloadType: 8}
		}
		clocks[p.ClockRate] = true
		require.NoError(t, m.RegisterCodec(p, webrtc.RTPCodecTypeAudio))
	}
	switch {
	case teNone:
		clocks = map[uint32]bool{}
	case explicitTE:
		clocks = map[uint32]bool{8000: true}
	}
	for clock, pt := range map[uint32]webrtc.PayloadType{48000: 101, 8000: 100} {
		if clocks[clock] {
			require.NoError(t, m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
				MimeType: mimeTelephoneEvent, ClockRate: clock, SDPFmtpLine: "0-15"}, PayloadType: pt}, webrtc.RTPCodecTypeAudio))
		}
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	require.NoError(t, err)
	f := &farEnd{t: t, pc: pc, tone: tone, paused: make(chan bool, 8), pts: map[uint8]string{}, events: map[uint32]bool{},
		resumed: make(chan time.Time, 8)}
	var capab webrtc.RTPCodecCapability
	switch codecs[0] {
	case "opus":
		capab = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}
	case "pcmu":
		capab = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}
	case "pcma":
		capab = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: 8000}
	}
	track, err := webrtc.NewTrackLocalStaticSample(capab, "far", "far-stream")
	require.NoError(t, err)
	_, err = pc.AddTrack(track)
	require.NoError(t, err)
	pc.OnTrack(f.listen)
	done := make(chan struct{})
	stopped := make(chan struct{})
	go f.speak(track, codecFor(capab.MimeType), done, stopped)
	t.Cleanup(func() {
		close(done)
		<-stopped
		pc.Close()
	})
	return f
}

// speak sends the tone in 20 ms frames, paced by a ticker (it is the far end's clock).
func (f *farEnd) speak(track *webrtc.TrackLocalStaticSample, codec string, done, stopped chan struct{}) {
	defer close(stopped)
	enc, err := newEncoder(codec)
	if err != nil {
		f.t.Error(err)
		return
	}
	tick := time.NewTicker(frameMillis * time.Millisecond)
	defer tick.Stop()
	frame := make([]int16, frameLen)
	buf := make([]byte, 1500)
	n := 0
	paused, resuming := false, false
	for {
		select {
		case <-done:
			return
		case p := <-f.paused:
			resuming = paused && !p
			paused = p
			continue
		case <-tick.C:
		}
		if paused {
			continue
		}
		if resuming {
			resuming = false
			f.resumed <- time.Now()
		}
		for i := range frame {
			frame[i] = int16(8000 * math.Sin(2*math.Pi*f.tone*float64(n)/rate))
			n++
		}
		k, err := enc.encode(frame, buf)
		if err != nil {
			f.t.Error(err)
			return
		}
		_ = track.WriteSample(media.Sample{Data: append([]byte(nil), buf[:k]...), Duration: frameMillis * time.Millisecond})
	}
}

// listen decodes what the engine sends and notes the telephone-events.
func (f *farEnd) listen(tr *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	f.mu.Lock()
	for _, c := range recv.GetParameters().Codecs {
		f.pts[uint8(c.PayloadType)] = strings.ToLower(c.MimeType)
	}
	f.mu.Unlock()
	decs := map[string]decoder{}
	pcm := make([]int16, 5760)
	for {
		p, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.packets++
		mime := f.pts[p.PayloadType]
		if mime == mimeTelephoneEvent {
			if len(p.Payload) >= 4 && p.Payload[1]&0x80 != 0 && !f.events[p.Timestamp] {
				f.events[p.Timestamp] = true
				f.digits = append(f.digits, dtmfEvents[p.Payload[0]])
				f.durations = append(f.durations, int(p.Payload[2])<<8|int(p.Payload[3]))
			}
			f.mu.Unlock()
			continue
		}
		f.mu.Unlock()
		codec := codecFor(mime)
		if codec == "" {
			continue
		}
		d := decs[codec]
		if d == nil {
			if d, err = newDecoder(codec); err != nil {
				f.t.Error(err)
				return
			}
			decs[codec] = d
		}
		n, err := d.decode(p.Payload, pcm)
		if err != nil {
			continue
		}
		f.mu.Lock()
		if o := f.onset; o != nil && pulsetest.Heard(pulsetest.Level(pcm[:n], rate, o.freq)) {
			o.at <- time.Now()
			f.onset = nil
		}
		f.heard = append(f.heard, pcm[:n]...)
		f.heardAt = time.Now()
		if over := len(f.heard) - rate; over > 0 {
			f.heard = append(f.heard[:0], f.heard[over:]...)
		}
		f.mu.Unlock()
	}
}

// level of freq in the last 100 ms the far end heard; 0 when nothing came for 200 ms (the
// engine stopped sending).
func (f *farEnd) level(freq float64) float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if time.Since(f.heardAt) > 200*time.Millisecond {
		return 0
	}
	return pulsetest.Level(f.heard[max(0, len(f.heard)-rate/10):], rate, freq)
}

func (f *farEnd) packetCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.packets
}

// teOnly8000 in newFarEnd's codecs: telephone-event/8000 whatever the codecs' clocks;
// noTE: no telephone-event at all (a gateway without RFC 4733).
const (
	teOnly8000 = "telephone-event/8000"
	noTE       = "no telephone-event"
)

func (f *farEnd) eventDurations() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.durations...)
}

func (f *farEnd) dtmf() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return string(f.digits)
}

// gather sets d as the far end's local description and returns it with its candidates.
func (f *farEnd) gather(d webrtc.SessionDescription) string {
	done := webrtc.GatheringCompletePromise(f.pc)
	require.NoError(f.t, f.pc.SetLocalDescription(d))
	select {
	case <-done:
	case <-time.After(wait):
		f.t.Fatal("far end: ICE gathering did not complete")
	}
	return f.pc.LocalDescription().SDP
}

func (f *farEnd) offer() string {
	o, err := f.pc.CreateOffer(nil)
	require.NoError(f.t, err)
	return f.gather(o)
}

func (f *farEnd) answer(offer string) string {
	require.NoError(f.t, f.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}))
	a, err := f.pc.CreateAnswer(nil)
	require.NoError(f.t, err)
	return f.gather(a)
}

func (f *farEnd) accept(answer string) {
	require.NoError(f.t, f.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}))
}
