package calling

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jfreymuth/pulse/proto"
)

// Pulse is the AudioSystem of a PulseAudio server, or of PipeWire's pulse server.
//
// A call on the default microphone goes through an echo canceller, so the far end does not
// hear itself from the speakers: the server's own if it has one (a user's
// module-echo-cancel), else module-echo-cancel with the WebRTC canceller, which Pulse loads
// while it records the default microphone and unloads after (NoEchoCancel turns that off).
type Pulse struct {
	// NoEchoCancel keeps the engine from loading module-echo-cancel (set it before use).
	NoEchoCancel bool

	server string
	conn   *pulseConn // devices, modules, microphones, speakers

	ecMu     sync.Mutex
	ecName   string // prefix of the echo canceller's device names
	ecUsers  int    // open streams on it; it is loaded while there are any
	ecModule uint32
	ecErr    error
	// defaultPlays are the playbacks on the default speaker, which move onto the
	// canceller's sink and back.
	defaultPlays map[*playback]bool

	mu      sync.Mutex
	streams map[Stream]bool
	events  *pulseConn // the event subscription's connection
	closed  bool
}

// OpenPulse connects to the sound server: server is a PulseAudio server string
// ("unix:/run/user/1000/pulse/native"), or "" for the usual one (PULSE_SERVER, then the
// user's runtime directory).
func OpenPulse(server string) (*Pulse, error) {
	conn, err := dialPulse(server, "embeddable-tray", nil)
	if err != nil {
		return nil, fmt.Errorf("no sound server: %w", err)
	}
	return &Pulse{server: server, conn: conn, streams: map[Stream]bool{}, defaultPlays: map[*playback]bool{},
		ecName: fmt.Sprintf("embeddable_tray_%d_ec", os.Getpid())}, nil
}

// echoCancelled reports whether a device is an echo canceller's: PulseAudio names
// module-echo-cancel as its driver; under pipewire-pulse every driver is "PipeWire", and
// PipeWire's echo-cancel module puts its source and sink in a node group "echo-cancel-…".
func echoCancelled(driver string, props proto.PropList) bool {
	return strings.Contains(driver, "echo-cancel") || strings.HasPrefix(props["node.group"].String(), "echo-cancel")
}

func (p *Pulse) Devices() ([]Device, error) {
	var sinks proto.GetSinkInfoListReply
	if err := p.conn.request(&proto.GetSinkInfoList{}, &sinks); err != nil {
		return nil, err
	}
	var sources proto.GetSourceInfoListReply
	if err := p.conn.request(&proto.GetSourceInfoList{}, &sources); err != nil {
		return nil, err
	}
	var server proto.GetServerInfoReply
	if err := p.conn.request(&proto.GetServerInfo{}, &server); err != nil {
		return nil, err
	}
	var ins, outs []Device
	var defIn, defOut *Device
	for _, s := range sources {
		if s.MonitorSourceIndex != proto.Undefined || p.ours(s.SourceName) {
			continue // a sink's monitor is not a microphone; the echo canceller is the default's
		}
		d := Device{ID: s.SourceName, Kind: kindInput, Label: label(s.Device, s.SourceName), Group: group(s.CardIndex, s.SourceName)}
		ins = append(ins, d)
		if s.SourceName == server.DefaultSourceName {
			defIn = &ins[len(ins)-1]
		}
	}
	for _, s := range sinks {
		if p.ours(s.SinkName) {
			continue
		}
		d := Device{ID: s.SinkName, Kind: kindOutput, Label: label(s.Device, s.SinkName), Group: group(s.CardIndex, s.SinkName)}
		outs = append(outs, d)
		if s.SinkName == server.DefaultSinkName {
			defOut = &outs[len(outs)-1]
		}
	}
	var all []Device
	// As browsers do: the default first, under the deviceId "default".
	if defIn != nil {
		all = append(all, Device{ID: defaultID, Kind: kindInput, Label: "Default - " + defIn.Label, Group: defIn.Group})
	}
	all = append(all, ins...)
	if defOut != nil {
		all = append(all, Device{ID: defaultID, Kind: kindOutput, Label: "Default - " + defOut.Label, Group: defOut.Group})
	}
	return append(all, outs...), nil
}

func label(desc, name string) string {
	if desc != "" {
		return desc
	}
	return name
}

func group(card uint32, name string) string {
	if card != proto.Undefined {
		return fmt.Sprintf("card%d", card)
	}
	return name
}

// Echo cancellation. A call on the default microphone runs through an echo canceller so
// the far end does not hear itself from the speakers: the server's own (a user's
// module-echo-cancel) if it has one, else the engine's, module-echo-cancel with the WebRTC
// canceller, loaded while the engine records the default microphone (so the microphone is
// in use only then) between the server's default input and output. PipeWire's pulse
// server has the module too. The default speaker's playbacks move onto the canceller's
// sink while it is loaded, and back off it before it goes.

// foreignEchoCancel names the server's own echo-cancelling input or output, if any.
func (p *Pulse) foreignEchoCancel(input bool) (string, error) {
	if input {
		var sources proto.GetSourceInfoListReply
		if err := p.conn.request(&proto.GetSourceInfoList{}, &sources); err != nil {
			return "", err
		}
		for _, s := range sources {
			if echoCancelled(s.Driver, s.Properties) && s.MonitorSourceIndex == proto.Undefined && !p.ours(s.SourceName) {
				return s.SourceName, nil
			}
		}
		return "", nil
	}
	var sinks proto.GetSinkInfoListReply
	if err := p.conn.request(&proto.GetSinkInfoList{}, &sinks); err != nil {
		return "", err
	}
	for _, s := range sinks {
		if echoCancelled(s.Driver, s.Properties) && !p.ours(s.SinkName) {
			return s.SinkName, nil
		}
	}
	return "", nil
}

// ours reports whether a device is the engine's echo canceller.
func (p *Pulse) ours(name string) bool { return strings.HasPrefix(name, p.ecName) }

// acquireEchoCancel loads the canceller for one more recording of the default microphone
// and names its source; "" if it cannot be loaded (the recording goes without).
func (p *Pulse) acquireEchoCancel() (string, func()) {
	p.ecMu.Lock()
	defer p.ecMu.Unlock()
	if p.ecUsers == 0 {
		if err := p.loadEchoCancel(); err != nil {
			p.ecErr = err
			return "", func() {}
		}
		p.moveDefaultPlaybacks(p.ecName + "_sink")
	}
	p.ecUsers++
	return p.ecName + "_source", p.releaseEchoCancel
}

func (p *Pulse) releaseEchoCancel() {
	p.ecMu.Lock()
	defer p.ecMu.Unlock()
	if p.ecUsers--; p.ecUsers > 0 {
		return
	}
	var server proto.GetServerInfoReply
	if err := p.conn.request(&proto.GetServerInfo{}, &server); err == nil {
		p.moveDefaultPlaybacks(server.DefaultSinkName)
	}
	_ = p.conn.request(&proto.UnloadModule{ModuleIndex: p.ecModule}, nil)
}

// moveDefaultPlaybacks moves the default speaker's playbacks to sink (ecMu held).
func (p *Pulse) moveDefaultPlaybacks(sink string) {
	for pb := range p.defaultPlays {
		_ = p.conn.request(&proto.MoveSinkInput{SinkInputIndex: pb.sinkInput, DeviceIndex: proto.Undefined, DeviceName: sink}, nil)
	}
}

// loadEchoCancel loads module-echo-cancel between the server's default input and output.
// Its noise suppression and gain control stay off: they would take a steady tone (music
// on hold, a test tone) for noise.
func (p *Pulse) loadEchoCancel() error {
	var server proto.GetServerInfoReply
	if err := p.conn.request(&proto.GetServerInfo{}, &server); err != nil {
		return err
	}
	aecArgs := "noise_suppression=0 analog_gain_control=0 digital_gain_control=0"
	if strings.Contains(server.PackageName, "PipeWire") {
		// pipewire-pulse (0.3.65) hands aec_args to PipeWire's WebRTC canceller as they
		// are, and it knows only its own names: with PulseAudio's, noise suppression stays
		// on (a steady tone comes out 16 dB down). PulseAudio refuses these names.
		aecArgs = "webrtc.noise_suppression=false webrtc.gain_control=false"
	}
	args := fmt.Sprintf("aec_method=webrtc source_master=%s sink_master=%s source_name=%s_source sink_name=%s_sink "+
		"rate=48000 channels=1 aec_args=\"%s\" "+
		"source_properties='device.description=\"Call microphone\"' "+
		"sink_properties='device.description=\"Call speaker\"'",
		server.DefaultSourceName, server.DefaultSinkName, p.ecName, p.ecName, aecArgs)
	var reply proto.LoadModuleReply
	if err := p.conn.request(&proto.LoadModule{Name: "module-echo-cancel", Args: args}, &reply); err != nil {
		return fmt.Errorf("loading module-echo-cancel: %w", err)
	}
	p.ecModule = reply.ModuleIndex
	if err := p.echoCancelShown(); err != nil {
		_ = p.conn.request(&proto.UnloadModule{ModuleIndex: p.ecModule}, nil)
		return err
	}
	return nil
}

// echoCancelShown waits until the server shows the canceller's source and sink:
// pipewire-pulse answers the load before it has them (moving a playback there or recording
// from it fails meanwhile, "no such entity"); PulseAudio has them at once.
func (p *Pulse) echoCancelShown() error {
	deadline := time.Now().Add(10 * time.Second) // as a request's timeout
	for {
		err := p.conn.request(&proto.GetSinkInfo{SinkIndex: proto.Undefined, SinkName: p.ecName + "_sink"}, &proto.GetSinkInfoReply{})
		if err == nil {
			err = p.conn.request(&proto.GetSourceInfo{SourceIndex: proto.Undefined, SourceName: p.ecName + "_source"}, &proto.GetSourceInfoReply{})
		}
		if !errors.Is(err, proto.ErrNoSuchEntity) {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("module-echo-cancel loaded, but its devices did not appear: %w", err)
		}
		time.Sleep(10 * time.Millisecond) // poll interval, bounded by the deadline
	}
}

// EchoCancelling reports whether the engine's echo canceller is loaded now, and why it
// could not be loaded the last time it was wanted.
func (p *Pulse) EchoCancelling() (bool, error) {
	p.ecMu.Lock()
	defer p.ecMu.Unlock()
	return p.ecUsers > 0, p.ecErr
}

type pulseStream struct {
	p     *Pulse
	close func()
	once  sync.Once
}

func (s *pulseStream) Close() {
	s.once.Do(func() {
		s.close()
		s.p.mu.Lock()
		delete(s.p.streams, s)
		s.p.mu.Unlock()
	})
}

func (p *Pulse) track(s *pulseStream) (Stream, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		s.close()
		return nil, errors.New("sound server connection closed")
	}
	p.streams[s] = true
	return s, nil
}

func (p *Pulse) OpenCapture(id string, f func([]int16)) (Stream, error) {
	name, release := id, func() {}
	if id == "" || id == defaultID {
		var err error
		if name, err = p.foreignEchoCancel(true); err != nil {
			return nil, err
		}
		if name == "" && !p.NoEchoCancel {
			name, release = p.acquireEchoCancel()
		}
	}
	r, err := p.conn.record(name, f)
	if err != nil {
		release()
		return nil, fmt.Errorf("microphone %q: %w", id, err)
	}
	return p.track(&pulseStream{p: p, close: func() { r.Close(); release() }})
}

func (p *Pulse) OpenPlayback(id string, fill func([]int16)) (Stream, error) {
	if id != "" && id != defaultID {
		pb, err := p.conn.play(id, fill)
		if err != nil {
			return nil, fmt.Errorf("speaker %q: %w", id, err)
		}
		return p.track(&pulseStream{p: p, close: pb.Close})
	}
	name, err := p.foreignEchoCancel(false)
	if err != nil {
		return nil, err
	}
	if name != "" {
		pb, err := p.conn.play(name, fill)
		if err != nil {
			return nil, fmt.Errorf("speaker %q: %w", name, err)
		}
		return p.track(&pulseStream{p: p, close: pb.Close})
	}
	// The default speaker: on the engine's canceller while it is loaded (see above).
	p.ecMu.Lock()
	defer p.ecMu.Unlock()
	if p.ecUsers > 0 {
		name = p.ecName + "_sink"
	}
	pb, err := p.conn.play(name, fill)
	if err != nil {
		return nil, fmt.Errorf("default speaker: %w", err)
	}
	p.defaultPlays[pb] = true
	return p.track(&pulseStream{p: p, close: func() {
		p.ecMu.Lock()
		delete(p.defaultPlays, pb)
		p.ecMu.Unlock()
		pb.Close()
	}})
}

// Watch subscribes, on a connection of its own, to the server's sink, source and server
// events (the library's client drops them).
func (p *Pulse) Watch(changed func(), lost func(error)) error {
	events, err := dialPulse(p.server, "embeddable-tray devices", func(msg interface{}) {
		switch m := msg.(type) {
		case *proto.SubscribeEvent:
			// A sink or source changes state whenever a stream starts or stops: only new,
			// removed, and the server's defaults are a change of devices.
			if m.Event.GetType() != proto.EventChange || m.Event.GetFacility() == proto.EventServer {
				changed()
			}
		case *proto.ConnectionClosed:
			p.mu.Lock()
			closed := p.closed
			p.mu.Unlock()
			if !closed {
				lost(errors.New("the sound server went away"))
			}
		}
	})
	if err != nil {
		return err
	}
	if err := events.request(&proto.Subscribe{Mask: proto.SubscriptionMaskSink | proto.SubscriptionMaskSource |
		proto.SubscriptionMaskServer}, nil); err != nil {
		events.close()
		return err
	}
	p.mu.Lock()
	p.events = events
	p.mu.Unlock()
	return nil
}

func (p *Pulse) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	streams := p.streams
	p.streams = map[Stream]bool{}
	p.mu.Unlock()
	for s := range streams {
		s.(*pulseStream).close()
	}
	if p.events != nil {
		p.events.close()
	}
	p.conn.close()
	return nil
}
