// Package calling is the media engine behind the page's WebRTC shim, for webviews without
// WebRTC (WebKitGTK on Debian and Ubuntu). The shim gives the page standards-shaped
// RTCPeerConnection, MediaStream and media-element objects and forwards each call as a JSON
// request; the engine answers it and runs the media itself: pion/webrtc for the connection
// (Opus, PCMU, PCMA, RFC 4733 telephone-event), the sound server for the microphone and the
// speakers. Media never crosses the bridge: only SDP, states, stats, DTMF and routing do.
// The protocol is CONTRACTS.md §4.
package calling

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// Options configure an Engine.
type Options struct {
	// Send delivers one JSON object (an answer or an event) to the page's shim. The engine
	// calls it from its own goroutines, one call at a time.
	Send func(msg []byte)
	// Audio is the sound server; nil means PulseAudio (or PipeWire's pulse server),
	// connected at first need.
	Audio AudioSystem
	// Logger hears what goes wrong (never SDP or media); nil means slog.Default().
	Logger *slog.Logger
}

// Engine answers the shim's requests. Make it with New.
type Engine struct {
	send func([]byte)
	log  *slog.Logger
	api  *webrtc.API

	sendMu sync.Mutex // one Send at a time, in order

	qmu    sync.Mutex
	queues map[string]*queue

	mu          sync.Mutex
	page        uint64 // generation of the page; PageGone moves it on
	audio       AudioSystem
	ownAudio    bool // the engine opened audio itself (and closes it)
	audioErr    error
	toldNoAudio bool // engine.unavailable was sent to this page
	tracks      map[string]*localTrack
	peers       map[string]*peer
	streams     map[string]*remoteTrack // remote stream id -> its track
	elements    map[string]*element
	captures    map[string]*capture // input device -> the open microphone
	capMu       sync.Mutex          // one syncCaptures at a time (the capture loop, PageGone)
	closed      bool

	kick    chan struct{} // size 1: the microphones should be looked at again
	done    chan struct{}
	nextID  atomic.Uint64
	capDone chan struct{}
}

// New makes an engine. It does not touch the sound server until the page asks for devices
// or media.
func New(o Options) (*Engine, error) {
	if o.Send == nil {
		return nil, errors.New("calling: Options.Send is nil")
	}
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	api, err := newAPI()
	if err != nil {
		return nil, err
	}
	e := &Engine{
		send: o.Send, log: log, api: api,
		queues: map[string]*queue{}, tracks: map[string]*localTrack{}, peers: map[string]*peer{},
		streams: map[string]*remoteTrack{}, elements: map[string]*element{}, captures: map[string]*capture{},
		kick: make(chan struct{}, 1), done: make(chan struct{}), capDone: make(chan struct{}),
	}
	if o.Audio != nil {
		e.audio = o.Audio
		if err := o.Audio.Watch(e.devicesChanged, e.audioLost); err != nil {
			return nil, fmt.Errorf("calling: watching devices: %w", err)
		}
	}
	go e.captureLoop()
	return e, nil
}

// newAPI sets pion up with the codecs a softphone offers: Opus first, then G.711, and
// telephone-event at both clock rates.
func newAPI() (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	for _, c := range []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
			SDPFmtpLine: "minptime=10;useinbandfec=1"}, PayloadType: 111},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, PayloadType: 0},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: 8000}, PayloadType: 8},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: mimeTelephoneEvent, ClockRate: 48000,
			SDPFmtpLine: "0-16"}, PayloadType: 110},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: mimeTelephoneEvent, ClockRate: 8000,
			SDPFmtpLine: "0-16"}, PayloadType: 126},
	} {
		if err := m.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, err
		}
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil {
		return nil, err
	}
	s := webrtc.SettingEngine{}
	// Loopback candidates too: a far end on the same machine (a local gateway, the tests).
	s.SetIncludeLoopbackCandidate(true)
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg),
		webrtc.WithSettingEngine(s)), nil
}

const mimeTelephoneEvent = "audio/telephone-event"

// Handle takes one request from the shim. It never blocks: requests about one peer
// connection run in order on a goroutine of their own, the others in order on another.
func (e *Engine) Handle(msg json.RawMessage) {
	var r request
	if err := json.Unmarshal(msg, &r); err != nil || len(r.ID) == 0 {
		e.log.Warn("calling: a request that is not one", "error", err)
		return
	}
	e.mu.Lock()
	page, closed := e.page, e.closed
	e.mu.Unlock()
	if closed {
		return
	}
	key := "engine"
	if r.PC != "" {
		key = "pc:" + r.PC
	}
	if !e.enqueue(key, func() { e.serve(page, &r) }) {
		e.answer(page, r.ID, nil, &domError{"QuotaExceededError", "too many requests waiting"})
	}
}

// serve runs one request and answers it, unless the page it came from is gone.
func (e *Engine) serve(page uint64, r *request) {
	if !e.current(page) {
		return
	}
	result, err := e.dispatch(page, r)
	e.answer(page, r.ID, result, err)
	if r.after != nil {
		r.after()
	}
}

func (e *Engine) dispatch(page uint64, r *request) (any, error) {
	switch r.Op {
	case "media.enumerateDevices":
		return e.enumerateDevices()
	case "media.getUserMedia":
		return e.getUserMedia(r)
	case "track.setEnabled":
		return e.setEnabled(r)
	case "track.stop":
		return e.stopTrack(r)
	case "pc.create":
		return e.createPeer(page, r)
	case "element.play":
		return e.play(r)
	case "element.pause":
		return e.pause(r)
	case "element.setSinkId":
		return e.setSinkID(r)
	}
	if len(r.Op) > 3 && r.Op[:3] == "pc." {
		p, err := e.peer(r.PC)
		if err != nil {
			return nil, err
		}
		return p.dispatch(r)
	}
	return nil, &domError{"NotSupportedError", fmt.Sprintf("unknown op %q", r.Op)}
}

// current reports whether page is still the page the engine serves.
func (e *Engine) current(page uint64) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.page == page && !e.closed
}

func (e *Engine) answer(page uint64, id json.RawMessage, result any, err error) {
	if !e.current(page) {
		return
	}
	if err != nil {
		var de *domError
		if !errors.As(err, &de) {
			de = &domError{"OperationError", err.Error()}
		}
		e.emit(map[string]any{"id": id, "error": de})
		return
	}
	if result == nil {
		result = struct{}{}
	}
	e.emit(map[string]any{"id": id, "result": result})
}

// event sends an event of page to the shim, unless that page is gone.
func (e *Engine) event(page uint64, name string, fields map[string]any) {
	if !e.current(page) {
		return
	}
	fields["event"] = name
	e.emit(fields)
}

func (e *Engine) emit(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		e.log.Error("calling: encoding a message", "error", err)
		return
	}
	e.sendMu.Lock()
	defer e.sendMu.Unlock()
	e.send(b)
}

func (e *Engine) newID(prefix string) string {
	return fmt.Sprintf("%s%d", prefix, e.nextID.Add(1))
}

// PageGone ends everything the old page had: its peer connections are closed, its
// playbacks stopped and its microphone released. It returns when that is done; requests of
// the old page still waiting are dropped.
func (e *Engine) PageGone() {
	e.mu.Lock()
	e.page++
	e.toldNoAudio = false
	peers := e.peers
	elements := e.elements
	e.peers = map[string]*peer{}
	e.elements = map[string]*element{}
	e.streams = map[string]*remoteTrack{}
	for _, t := range e.tracks {
		t.ended.Store(true)
	}
	e.tracks = map[string]*localTrack{}
	e.mu.Unlock()
	for _, el := range elements {
		el.stop()
	}
	for _, p := range peers {
		p.close()
	}
	e.syncCaptures()
}

// Close ends the engine: what PageGone ends, and the sound server connection.
func (e *Engine) Close() {
	e.PageGone()
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.closed = true
	audio, own := e.audio, e.ownAudio
	e.mu.Unlock()
	close(e.done)
	<-e.capDone
	if audio != nil && own {
		audio.Close()
	}
}

// audioSystem is the sound server, connected at first need. Without one the page hears
// engine.unavailable once, and the request fails.
func (e *Engine) audioSystem() (AudioSystem, error) {
	e.mu.Lock()
	if e.audio != nil {
		a := e.audio
		e.mu.Unlock()
		return a, nil
	}
	page := e.page
	e.mu.Unlock()
	p, err := OpenPulse("")
	if err == nil {
		if err = p.Watch(e.devicesChanged, e.audioLost); err != nil {
			p.Close()
		}
	}
	e.mu.Lock()
	if err == nil {
		if e.audio == nil && !e.closed {
			e.audio, e.ownAudio, e.audioErr = p, true, nil
		} else {
			p.Close()
		}
		a := e.audio
		e.mu.Unlock()
		if a == nil {
			return nil, &domError{"NotReadableError", "engine closed"}
		}
		return a, nil
	}
	e.audioErr = err
	tell := !e.toldNoAudio
	e.toldNoAudio = true
	e.mu.Unlock()
	e.log.Warn("calling: no sound server", "error", err)
	if tell {
		e.event(page, "engine.unavailable", map[string]any{"reason": "no sound server: " + err.Error()})
	}
	return nil, &domError{"NotReadableError", "no sound server"}
}

// devicesChanged tells the page, and ends local tracks whose microphone has gone.
func (e *Engine) devicesChanged() {
	e.mu.Lock()
	page, audio := e.page, e.audio
	e.mu.Unlock()
	e.event(page, "media.devicechange", map[string]any{})
	if audio == nil {
		return
	}
	e.enqueue("engine", func() {
		devs, err := audio.Devices()
		if err != nil {
			return
		}
		present := map[string]bool{}
		for _, d := range devs {
			if d.Kind == kindInput {
				present[d.ID] = true
			}
		}
		e.mu.Lock()
		var gone []*localTrack
		for _, t := range e.tracks {
			if !present[t.device] && !t.ended.Load() {
				gone = append(gone, t)
			}
		}
		e.mu.Unlock()
		for _, t := range gone {
			e.endTrack(page, t)
		}
	})
}

// audioLost: the sound server went away; every local track ends, and the page is told.
func (e *Engine) audioLost(err error) {
	e.mu.Lock()
	page := e.page
	var live []*localTrack
	for _, t := range e.tracks {
		live = append(live, t)
	}
	if e.ownAudio {
		go e.audio.Close()
		e.audio, e.ownAudio = nil, false // connect again at next need
	}
	e.toldNoAudio = true
	e.mu.Unlock()
	e.log.Warn("calling: sound server lost", "error", err)
	for _, t := range live {
		e.endTrack(page, t)
	}
	e.event(page, "engine.unavailable", map[string]any{"reason": err.Error()})
}

func (e *Engine) endTrack(page uint64, t *localTrack) {
	if t.ended.Swap(true) {
		return
	}
	e.event(page, "track.ended", map[string]any{"track": t.id})
	e.kickCaptures()
}

// queue runs the requests of one key in order.
type queue struct {
	items   []func()
	running bool
}

const maxQueued = 256

func (e *Engine) enqueue(key string, f func()) bool {
	e.qmu.Lock()
	defer e.qmu.Unlock()
	q := e.queues[key]
	if q == nil {
		q = &queue{}
		e.queues[key] = q
	}
	if len(q.items) >= maxQueued {
		return false
	}
	q.items = append(q.items, f)
	if !q.running {
		q.running = true
		go e.drain(key, q)
	}
	return true
}

func (e *Engine) drain(key string, q *queue) {
	for {
		e.qmu.Lock()
		if len(q.items) == 0 {
			q.running = false
			delete(e.queues, key)
			e.qmu.Unlock()
			return
		}
		f := q.items[0]
		q.items = q.items[1:]
		e.qmu.Unlock()
		f()
	}
}
