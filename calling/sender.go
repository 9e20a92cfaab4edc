package calling

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pion/randutil"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// sender is an RTCRtpSender's media: pion's TrackLocal, written by hand so that audio and
// RFC 4733 telephone-events share one SSRC, one sequence and one clock (pion has no DTMF
// sender). It is fed 20 ms frames by the microphone it sends.
type sender struct {
	p                 *peer
	id                string
	trackID, streamID string
	rtp               *webrtc.RTPSender
	allowed           atomic.Bool // both descriptions let it send (see peer.updateSending)
	dtmf              atomic.Bool // canInsertDTMF as the last negotiation left it (see peer.negotiated)

	mu      sync.Mutex
	track   *localTrack // nil: sends nothing
	bound   bool
	w       webrtc.TrackLocalWriter
	ssrc    uint32
	pt      uint8
	dtmfPT  int    // -1: telephone-event not negotiated
	dtmfHz  uint32 // its clock rate: event durations count in it
	clock   uint32 // the audio codec's clock rate
	enc     encoder
	seq     uint16
	ts      uint32
	buf     [1500]byte
	silence [frameLen]int16
	tones   []dtmfTone
	cur     *dtmfRun

	packetsSent, bytesSent uint64 // outbound-rtp counters (pion keeps none)
}

func newSender(p *peer, id string, t *localTrack, stream string) *sender {
	return &sender{p: p, id: id, trackID: t.id, streamID: stream, track: t, dtmfPT: -1}
}

// TrackLocal for pion.

func (s *sender) ID() string                { return s.trackID }
func (s *sender) RID() string               { return "" }
func (s *sender) StreamID() string          { return s.streamID }
func (s *sender) Kind() webrtc.RTPCodecType { return webrtc.RTPCodecTypeAudio }

// Bind picks the first negotiated codec the engine speaks (the order is the offer's, so a
// PCMU-first offer is answered and sent PCMU-first) and telephone-event at its clock, or,
// as libwebrtc does, at the lowest clock negotiated: gateways offer Opus with
// telephone-event/8000 only, and browsers send DTMF to them.
func (s *sender) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	codecs := ctx.CodecParameters()
	var chosen *webrtc.RTPCodecParameters
	for i := range codecs {
		if codecFor(codecs[i].MimeType) != "" {
			chosen = &codecs[i]
			break
		}
	}
	if chosen == nil {
		return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
	}
	dtmf, dtmfHz := -1, uint32(0)
	for _, c := range codecs {
		if !strings.EqualFold(c.MimeType, mimeTelephoneEvent) || dtmfHz == chosen.ClockRate {
			continue
		}
		if dtmf < 0 || c.ClockRate == chosen.ClockRate || c.ClockRate < dtmfHz {
			dtmf, dtmfHz = int(c.PayloadType), c.ClockRate
		}
	}
	enc, err := newEncoder(codecFor(chosen.MimeType))
	if err != nil {
		return webrtc.RTPCodecParameters{}, err
	}
	s.mu.Lock()
	s.bound, s.w, s.ssrc, s.pt, s.dtmfPT, s.dtmfHz, s.enc = true, ctx.WriteStream(), uint32(ctx.SSRC()), uint8(chosen.PayloadType), dtmf, dtmfHz, enc
	s.clock = chosen.ClockRate
	s.seq = uint16(randutil.NewMathRandomGenerator().Uint32())
	s.ts = randutil.NewMathRandomGenerator().Uint32()
	s.mu.Unlock()
	s.p.e.kickCaptures()
	return *chosen, nil
}

func (s *sender) Unbind(webrtc.TrackLocalContext) error {
	s.mu.Lock()
	s.bound, s.w = false, nil
	s.tones, s.cur = nil, nil
	s.mu.Unlock()
	s.p.e.kickCaptures()
	return nil
}

func (s *sender) setTrack(t *localTrack) {
	s.mu.Lock()
	s.track = t
	s.mu.Unlock()
}

func (s *sender) device() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.track == nil {
		return ""
	}
	return s.track.device
}

// sending reports whether the sender sends its microphone now.
func (s *sender) sending() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bound && s.allowed.Load() && s.track != nil && !s.track.ended.Load()
}

// readRTCP drains the sender's RTCP, which pion's interceptors (reports, stats) need read.
func (s *sender) readRTCP() {
	buf := make([]byte, 1500)
	for {
		if _, _, err := s.rtp.Read(buf); err != nil {
			return
		}
	}
}

// sendFrame sends one 20 ms frame of the microphone: audio (silence while the track is
// disabled), or the telephone-event in progress.
func (s *sender) sendFrame(frame []int16) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.bound || !s.allowed.Load() || s.track == nil || s.track.ended.Load() {
		return
	}
	ticks := s.enc.ticks()
	if s.dtmfFrame(ticks) {
		s.ts += ticks
		return
	}
	if !s.track.enabled.Load() {
		frame = s.silence[:]
	}
	n, err := s.enc.encode(frame, s.buf[:])
	if err != nil {
		s.p.e.log.Warn("calling: encoding", "error", err)
		return
	}
	s.write(s.pt, s.ts, false, s.buf[:n])
	s.ts += ticks
}

func (s *sender) write(pt uint8, ts uint32, marker bool, payload []byte) {
	h := rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: s.seq, Timestamp: ts, SSRC: s.ssrc, Marker: marker}
	s.seq++
	s.packetsSent++
	s.bytesSent += uint64(len(payload))
	if _, err := s.w.WriteRTP(&h, payload); err != nil && !errors.Is(err, io.ErrClosedPipe) {
		s.p.e.log.Debug("calling: writing RTP", "error", err)
	}
}

// outboundStats is the sender's outbound-rtp report, or nil before it sends.
func (s *sender) outboundStats(now float64) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ssrc == 0 {
		return nil
	}
	return map[string]any{"id": fmt.Sprintf("outbound-rtp-%d", s.ssrc), "type": "outbound-rtp", "timestamp": now,
		"ssrc": s.ssrc, "kind": "audio", "packetsSent": s.packetsSent, "bytesSent": s.bytesSent}
}

// RFC 4733 DTMF.

const dtmfEvents = "0123456789*#ABCD"

type dtmfTone struct {
	event  int // 0-15, or -1 for a pause (",": 2 s)
	frames int // of the tone
	gap    int // frames of audio after it
}

type dtmfRun struct {
	tone   dtmfTone
	start  uint32 // RTP timestamp of the event (the same in all its packets)
	sent   int    // frames of the tone sent
	gapped int    // frames of the gap sent
}

func frames(ms float64) int { return max(1, int((ms+frameMillis-1)/frameMillis)) }

// insertDTMF queues tones as RTCDTMFSender.insertDTMF does: it replaces tones still
// waiting; duration is held to 40-6000 ms and the gap to at least 30 ms.
func (s *sender) insertDTMF(tones string, duration, gap float64) error {
	duration = min(max(duration, 40), 6000)
	gap = max(gap, 30)
	var list []dtmfTone
	for _, c := range tones {
		switch i := strings.IndexRune(dtmfEvents, c); {
		case i >= 0:
			list = append(list, dtmfTone{event: i, frames: frames(duration), gap: frames(gap)})
		case c == ',':
			list = append(list, dtmfTone{event: -1, frames: frames(2000)})
		default:
			return &domError{"InvalidCharacterError", "not a DTMF tone: " + string(c)}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.bound || s.dtmfPT < 0 {
		return &domError{"InvalidStateError", "telephone-event is not negotiated"}
	}
	s.tones = list
	return nil
}

// dtmfFrame sends this frame's telephone-event packets, if a tone is playing; during a
// pause or a gap the frame is audio again (false).
func (s *sender) dtmfFrame(ticks uint32) bool {
	if s.cur == nil {
		if len(s.tones) == 0 {
			return false
		}
		s.cur = &dtmfRun{tone: s.tones[0], start: s.ts}
		s.tones = s.tones[1:]
	}
	c := s.cur
	if c.tone.event < 0 || c.sent >= c.tone.frames {
		if c.tone.event < 0 {
			c.sent++
			if c.sent >= c.tone.frames {
				s.cur = nil
			}
		} else if c.gapped++; c.gapped >= c.tone.gap {
			s.cur = nil
		}
		return false
	}
	c.sent++
	end := c.sent >= c.tone.frames
	// The event's timestamp is the audio's (one timeline on the SSRC); its duration counts
	// in the event's own clock, which a gateway may have negotiated below the audio's.
	// A 16-bit field: long tones at 48 kHz stop counting.
	duration := min(uint64(c.sent)*uint64(ticks)*uint64(s.dtmfHz)/uint64(s.clock), 0xffff)
	payload := []byte{byte(c.tone.event), 10, byte(duration >> 8), byte(duration)} // volume -10 dBm0
	if end {
		payload[1] |= 0x80
		for range 3 { // the end packet is sent three times (RFC 4733 2.5.1.4)
			s.write(uint8(s.dtmfPT), c.start, false, payload)
		}
		return true
	}
	s.write(uint8(s.dtmfPT), c.start, c.sent == 1, payload)
	return true
}
