package calling

import (
	"sync"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// remoteTrack is the far end's audio of one transceiver: its packets go to the elements
// that play its stream.
type remoteTrack struct {
	id, stream, receiver string

	mu      sync.Mutex
	codecs  map[uint8]string // payload type -> "opus", "pcmu", "pcma" ("" for others)
	players map[*element]bool
	ended   bool
	stats   jitterStats // of the elements that played it and stopped
}

func (e *Engine) newRemoteTrack(p *peer) *remoteTrack {
	rt := &remoteTrack{id: e.newID("remote-"), stream: e.newID("rstream-"), receiver: e.newID("recv-"),
		codecs: map[uint8]string{}, players: map[*element]bool{}}
	e.mu.Lock()
	if e.currentLocked(p.page) {
		e.streams[rt.stream] = rt
	}
	e.mu.Unlock()
	return rt
}

// run reads the far end's packets until the connection ends.
func (rt *remoteTrack) run(tr *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	rt.mu.Lock()
	for _, c := range recv.GetParameters().Codecs {
		rt.codecs[uint8(c.PayloadType)] = codecFor(c.MimeType)
	}
	rt.codecs[uint8(tr.PayloadType())] = codecFor(tr.Codec().MimeType)
	rt.mu.Unlock()
	go func() { // RTCP must be read for pion's interceptors
		buf := make([]byte, 1500)
		for {
			if _, _, err := recv.Read(buf); err != nil {
				return
			}
		}
	}()
	for {
		p, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		rt.mu.Lock()
		codec := rt.codecs[p.PayloadType]
		for el := range rt.players {
			el.push(p, codec)
		}
		rt.mu.Unlock()
	}
}

func (rt *remoteTrack) attach(el *element) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if !rt.ended {
		rt.players[el] = true
	}
}

func (rt *remoteTrack) detach(el *element) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.players[el] {
		rt.foldLocked(el)
	}
	delete(rt.players, el)
}

// foldLocked moves a player's jitter buffer counters into the track's (rt.mu held), so
// they outlive its playing.
func (rt *remoteTrack) foldLocked(el *element) {
	el.mu.Lock()
	defer el.mu.Unlock()
	rt.stats.add(el.stats)
	el.stats = jitterStats{}
}

// jitterStats are the track's jitter buffer counters: its elements' (the page plays it
// once, so they are one buffer's).
func (rt *remoteTrack) jitterStats() jitterStats {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	s := rt.stats
	for el := range rt.players {
		el.mu.Lock()
		s.add(el.stats)
		el.mu.Unlock()
	}
	return s
}

// addJitterStats puts the track's jitter buffer counters in its inbound-rtp report
// (pion's are zero: its receiver has no buffer).
func (rt *remoteTrack) addJitterStats(in *webrtc.InboundRTPStreamStats) {
	s := rt.jitterStats()
	in.JitterBufferEmittedCount = s.emitted
	in.JitterBufferDelay = s.delay
	in.JitterBufferTargetDelay = s.targetDelay
}

// end ends the track: the elements playing it stop, and their playbacks close.
func (rt *remoteTrack) end() {
	rt.mu.Lock()
	rt.ended = true
	players := rt.players
	for el := range players {
		rt.foldLocked(el)
	}
	rt.players = map[*element]bool{}
	rt.mu.Unlock()
	for el := range players {
		el.stop()
	}
}

// element is a media element of the page playing a remote stream on an output: its own
// jitter buffer and decoders, pulled by the sound server's clock.
type element struct {
	e  *Engine
	id string

	mu      sync.Mutex
	stream  string
	sink    string
	volume  float64
	muted   bool
	rt      *remoteTrack
	out     Stream
	jb      *jitterBuffer
	held    map[uint16]heldPacket // sequence number -> what the buffer holds
	decs    map[string]decoder
	last    string // codec of the last frame, to conceal with
	pending []int16
	frame   [5760]int16
	played  uint64      // the playout clock: samples handed to the sound server
	stats   jitterStats // since the last fold into the remote track's
}

// heldPacket is what the element knows of a packet in its jitter buffer.
type heldPacket struct {
	codec string
	at    uint64 // the playout clock (el.played) when it came
}

// jitterStats are inbound-rtp's jitter buffer counters (as browsers count them): samples
// played from packets, and the sums over them of the time each waited in the buffer and
// of the target delay. Waiting is counted in the sound server's clock (samples played
// meanwhile), which is the delay the buffer adds to what the ear hears.
type jitterStats struct {
	emitted            uint64  // samples
	delay, targetDelay float64 // seconds, summed per sample
}

func (s *jitterStats) add(o jitterStats) {
	s.emitted += o.emitted
	s.delay += o.delay
	s.targetDelay += o.targetDelay
}

// emit counts a frame of n samples played from a packet that waited samples.
func (s *jitterStats) emit(n int, waited uint64) {
	s.emitted += uint64(n)
	s.delay += float64(n) * float64(waited) / rate
	s.targetDelay += float64(n) * prefill * frameMillis / 1000
}

func (e *Engine) element(id string) *element {
	e.mu.Lock()
	defer e.mu.Unlock()
	el := e.elements[id]
	if el == nil {
		el = &element{e: e, id: id, volume: 1, decs: map[string]decoder{}}
		e.elements[id] = el
	}
	return el
}

func (e *Engine) play(r *request) (any, error) {
	if r.Element == "" {
		return nil, &domError{"TypeError", "element id missing"}
	}
	e.mu.Lock()
	rt := e.streams[r.Stream]
	local := false
	for _, t := range e.tracks {
		local = local || t.stream == r.Stream
	}
	e.mu.Unlock()
	el := e.element(r.Element)
	el.mu.Lock()
	if r.Volume != nil {
		el.volume = min(max(*r.Volume, 0), 1)
	}
	if r.Muted != nil {
		el.muted = *r.Muted
	}
	sink := el.sink
	if r.SinkID != nil {
		sink = *r.SinkID
	}
	same := el.rt != nil && el.rt == rt && el.sink == sink && el.out != nil
	el.mu.Unlock()
	if same {
		return nil, nil
	}
	el.stop()
	if rt == nil {
		if local {
			// The page's own microphone (a local preview, muted): nothing to play.
			return nil, nil
		}
		return nil, &domError{"NotSupportedError", "no such stream"}
	}
	a, err := e.audioSystem()
	if err != nil {
		return nil, err
	}
	el.mu.Lock()
	el.stream, el.sink, el.rt = r.Stream, sink, rt
	el.jb, el.held, el.pending = newJitterBuffer(), map[uint16]heldPacket{}, nil
	el.mu.Unlock()
	out, err := a.OpenPlayback(sink, el.fill)
	if err != nil {
		return nil, &domError{"NotFoundError", err.Error()}
	}
	el.mu.Lock()
	el.out = out
	el.mu.Unlock()
	rt.attach(el)
	return nil, nil
}

func (e *Engine) pause(r *request) (any, error) {
	e.mu.Lock()
	el := e.elements[r.Element]
	e.mu.Unlock()
	if el != nil {
		el.stop()
	}
	return nil, nil
}

// setSinkID moves an element to another output; a playing element reopens its playback.
func (e *Engine) setSinkID(r *request) (any, error) {
	if r.SinkID == nil {
		return nil, &domError{"TypeError", "sinkId missing"}
	}
	sink := *r.SinkID
	if sink != "" && sink != defaultID {
		a, err := e.audioSystem()
		if err != nil {
			return nil, err
		}
		devs, err := a.Devices()
		if err != nil {
			return nil, &domError{"AbortError", err.Error()}
		}
		found := false
		for _, d := range devs {
			found = found || d.Kind == kindOutput && d.ID == sink
		}
		if !found {
			return nil, &domError{"NotFoundError", "no such output"}
		}
	}
	el := e.element(r.Element)
	el.mu.Lock()
	playing, stream := el.out != nil, el.stream
	el.sink = sink
	el.mu.Unlock()
	if !playing {
		return nil, nil
	}
	el.stop()
	return e.play(&request{Element: r.Element, Stream: stream, SinkID: &sink})
}

func (el *element) stop() {
	el.mu.Lock()
	out, rt := el.out, el.rt
	el.out, el.rt = nil, nil
	el.mu.Unlock()
	if rt != nil {
		rt.detach(el)
	}
	if out != nil {
		out.Close()
	}
}

func (el *element) push(p *rtp.Packet, codec string) {
	el.mu.Lock()
	defer el.mu.Unlock()
	if el.jb == nil {
		return
	}
	el.held[p.SequenceNumber] = heldPacket{codec, el.played}
	el.jb.push(p)
	if len(el.held) > 4*maxDepth { // forget what the buffer dropped
		for s := range el.held {
			if _, held := el.jb.pkts[s]; !held {
				delete(el.held, s)
			}
		}
	}
}

// fill is the sound server asking for the next samples.
func (el *element) fill(buf []int16) {
	el.mu.Lock()
	defer el.mu.Unlock()
	n := 0
	for n < len(buf) {
		if len(el.pending) == 0 {
			el.pending = el.nextFrame()
		}
		k := copy(buf[n:], el.pending)
		el.pending = el.pending[k:]
		n += k
		el.played += uint64(k)
	}
	gain := el.volume
	if el.muted {
		gain = 0
	}
	if gain != 1 {
		for i := range buf {
			buf[i] = int16(float64(buf[i]) * gain)
		}
	}
}

// nextFrame decodes, conceals, or is silence: one frame's samples. A frame the jitter
// buffer drops to catch up is decoded all the same (the decoder's state stays whole), and
// the next one plays in its place.
func (el *element) nextFrame() []int16 {
	out := el.frame[:]
	if el.jb == nil {
		clear(out[:frameLen])
		return out[:frameLen]
	}
	for {
		p, next, lost := el.jb.pop()
		if p == nil {
			return el.conceal(next, lost)
		}
		h := el.held[p.SequenceNumber]
		delete(el.held, p.SequenceNumber)
		n := el.decode(p, h.codec)
		if el.jb.skip(quiet(out[:n])) {
			continue
		}
		el.stats.emit(n, el.played-h.at)
		return out[:n]
	}
}

// decode decodes p into el.frame and says how many samples it made; silence for a packet
// without audio of its own (telephone-event, comfort noise) or one that does not decode.
func (el *element) decode(p *rtp.Packet, codec string) int {
	out := el.frame[:]
	if codec != "" {
		if d := el.decoder(codec); d != nil {
			if n, err := d.decode(p.Payload, out); err == nil && n > 0 {
				el.last = codec
				return n
			}
		}
	}
	clear(out[:frameLen])
	return frameLen
}

// conceal is the frame of a missing packet: lost, the decoder's concealment (Opus from the
// next packet's FEC data if here); else silence.
func (el *element) conceal(next *rtp.Packet, lost bool) []int16 {
	out := el.frame[:]
	if lost && el.last != "" {
		var fec []byte
		if next != nil && el.held[next.SequenceNumber].codec == el.last {
			fec = next.Payload
		}
		if d := el.decoder(el.last); d != nil {
			if n, err := d.conceal(fec, out); err == nil && n > 0 {
				return out[:n]
			}
		}
	}
	clear(out[:frameLen])
	return out[:frameLen]
}

// quiet reports whether a frame is near silence (below -50 dBFS on average), where
// dropping it is not heard.
func quiet(frame []int16) bool {
	var sum int64
	for _, v := range frame {
		sum += max(int64(v), -int64(v))
	}
	return sum < int64(len(frame))*100
}

func (el *element) decoder(codec string) decoder {
	if d := el.decs[codec]; d != nil {
		return d
	}
	d, err := newDecoder(codec)
	if err != nil {
		el.e.log.Warn("calling: decoder", "codec", codec, "error", err)
		return nil
	}
	el.decs[codec] = d
	return d
}
