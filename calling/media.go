package calling

import (
	"encoding/json"
	"sync"
	"sync/atomic"
)

// localTrack is a microphone track the page got from getUserMedia. The microphone itself
// opens only while a sender of a connected call sends this track.
type localTrack struct {
	id, stream, device, label string
	enabled                   atomic.Bool
	ended                     atomic.Bool
}

func (e *Engine) enumerateDevices() (any, error) {
	a, err := e.audioSystem()
	if err != nil {
		return map[string]any{"devices": []Device{}}, nil // as a browser without devices: none
	}
	devs, err := a.Devices()
	if err != nil {
		return nil, err
	}
	if devs == nil {
		devs = []Device{}
	}
	return map[string]any{"devices": devs}, nil
}

func (e *Engine) getUserMedia(r *request) (any, error) {
	// audio: true, or {deviceId: "id" | {exact: "id"} | {ideal: "id"}}
	var want struct {
		DeviceID json.RawMessage `json:"deviceId"`
	}
	var on bool
	if json.Unmarshal(r.Audio, &on) != nil || !on {
		if json.Unmarshal(r.Audio, &want) != nil {
			return nil, &domError{"TypeError", "audio must be true or constraints"}
		}
	}
	id, exact := deviceConstraint(want.DeviceID)
	a, err := e.audioSystem()
	if err != nil {
		return nil, err
	}
	devs, err := a.Devices()
	if err != nil {
		return nil, &domError{"NotReadableError", err.Error()}
	}
	var found, fallback *Device
	for i, d := range devs {
		if d.Kind != kindInput {
			continue
		}
		if fallback == nil {
			fallback = &devs[i]
		}
		if d.ID == id {
			found = &devs[i]
		}
	}
	switch {
	case found != nil:
	case exact:
		return nil, &domError{"OverconstrainedError", "no such microphone"}
	case fallback != nil:
		found = fallback
	default:
		return nil, &domError{"NotFoundError", "no microphone"}
	}
	t := &localTrack{id: e.newID("mic-"), stream: e.newID("local-"), device: found.ID, label: found.Label}
	t.enabled.Store(true)
	e.mu.Lock()
	e.tracks[t.id] = t
	e.mu.Unlock()
	return map[string]any{"stream": t.stream, "track": trackInfo{t.id, "audio", t.label}}, nil
}

// deviceConstraint reads a deviceId constraint: "id", {exact: "id"} or {ideal: "id"}.
func deviceConstraint(raw json.RawMessage) (id string, exact bool) {
	if len(raw) == 0 {
		return "", false
	}
	if json.Unmarshal(raw, &id) == nil {
		return id, false
	}
	var c struct{ Exact, Ideal json.RawMessage }
	if json.Unmarshal(raw, &c) != nil {
		return "", false
	}
	if len(c.Exact) > 0 {
		var s string
		var list []string
		if json.Unmarshal(c.Exact, &s) == nil {
			return s, true
		}
		if json.Unmarshal(c.Exact, &list) == nil && len(list) > 0 {
			return list[0], true
		}
	}
	if len(c.Ideal) > 0 {
		_ = json.Unmarshal(c.Ideal, &id)
	}
	return id, false
}

func (e *Engine) localTrack(id string) (*localTrack, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.tracks[id]
	if t == nil {
		return nil, &domError{"NotFoundError", "no such track"}
	}
	return t, nil
}

func (e *Engine) setEnabled(r *request) (any, error) {
	t, err := e.localTrack(r.track())
	if err != nil {
		// a remote track: the page mutes what it hears through the element instead
		e.mu.Lock()
		defer e.mu.Unlock()
		for _, rt := range e.streams {
			if rt.id == r.track() {
				return nil, nil
			}
		}
		return nil, err
	}
	t.enabled.Store(r.Enabled == nil || *r.Enabled)
	return nil, nil
}

func (e *Engine) stopTrack(r *request) (any, error) {
	t, err := e.localTrack(r.track())
	if err != nil {
		return nil, nil // stopping a remote or unknown track is nothing to do
	}
	t.ended.Store(true)
	e.mu.Lock()
	delete(e.tracks, t.id)
	e.mu.Unlock()
	e.kickCaptures()
	return nil, nil
}

// capture is one open microphone, cut into 20 ms frames for the senders that send it.
type capture struct {
	stream  Stream
	mu      sync.Mutex
	pending []int16
	senders atomic.Pointer[[]*sender]
}

func (c *capture) write(samples []int16) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending = append(c.pending, samples...)
	for len(c.pending) >= frameLen {
		frame := c.pending[:frameLen]
		if ss := c.senders.Load(); ss != nil {
			for _, s := range *ss {
				s.sendFrame(frame)
			}
		}
		c.pending = c.pending[frameLen:]
	}
	if cap(c.pending) > 8*frameLen { // do not let the slice creep along forever
		c.pending = append([]int16(nil), c.pending...)
	}
}

// kickCaptures asks the capture loop to look at the microphones again, without waiting.
func (e *Engine) kickCaptures() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

func (e *Engine) captureLoop() {
	defer close(e.capDone)
	for {
		select {
		case <-e.kick:
			e.syncCaptures()
		case <-e.done:
			e.mu.Lock()
			caps := e.captures
			e.captures = map[string]*capture{}
			e.mu.Unlock()
			for _, c := range caps {
				c.stream.Close()
			}
			return
		}
	}
}

// syncCaptures opens the microphones that senders send and closes the others: the
// microphone is open only while a call sends it.
func (e *Engine) syncCaptures() {
	e.capMu.Lock()
	defer e.capMu.Unlock()
	e.mu.Lock()
	peers := make([]*peer, 0, len(e.peers))
	for _, p := range e.peers {
		peers = append(peers, p)
	}
	e.mu.Unlock()
	want := map[string][]*sender{}
	for _, p := range peers { // lock order: a peer's lock, then the engine's, never back
		for _, s := range p.sendingSenders() {
			want[s.device()] = append(want[s.device()], s)
		}
	}
	e.mu.Lock()
	audio := e.audio
	var closing []*capture
	for dev, c := range e.captures {
		if _, ok := want[dev]; !ok {
			closing = append(closing, c)
			delete(e.captures, dev)
		}
	}
	var opening []string
	for dev, ss := range want {
		if c := e.captures[dev]; c != nil {
			ss := ss
			c.senders.Store(&ss)
		} else {
			opening = append(opening, dev)
		}
	}
	e.mu.Unlock()
	for _, c := range closing {
		c.stream.Close()
	}
	if audio == nil {
		return
	}
	for _, dev := range opening {
		c := &capture{}
		ss := want[dev]
		c.senders.Store(&ss)
		st, err := audio.OpenCapture(dev, c.write)
		if err != nil {
			e.log.Warn("calling: opening the microphone", "error", err)
			continue
		}
		c.stream = st
		e.mu.Lock()
		e.captures[dev] = c
		e.mu.Unlock()
	}
}

// micOpen reports which microphones are open (for tests).
func (e *Engine) micOpen() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var devs []string
	for d := range e.captures {
		devs = append(devs, d)
	}
	return devs
}
