package calling

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jfreymuth/pulse"
	"github.com/jfreymuth/pulse/proto"
)

// Pulse is the AudioSystem of a PulseAudio server, or of PipeWire's pulse server.
//
// Echo cancellation: when the server has an echo-cancelling source and sink (its
// module-echo-cancel, which runs the WebRTC canceller), the default input and output are
// those, so a call's far end does not hear itself.
type Pulse struct {
	server string
	c      *pulse.Client

	mu      sync.Mutex
	streams map[Stream]bool
	events  net.Conn // the event subscription's connection
	closed  bool

	syncID atomic.Uint32
}

// OpenPulse connects to the sound server: server is a PulseAudio server string
// ("unix:/run/user/1000/pulse/native"), or "" for the usual one (PULSE_SERVER, then the
// user's runtime directory).
func OpenPulse(server string) (*Pulse, error) {
	c, err := pulse.NewClient(pulse.ClientServerString(server), pulse.ClientApplicationName("embeddable-tray"),
		pulse.ClientApplicationIconName("call-start"))
	if err != nil {
		return nil, fmt.Errorf("no sound server: %w", err)
	}
	return &Pulse{server: server, c: c, streams: map[Stream]bool{}}, nil
}

// echoCancelled reports whether a device is module-echo-cancel's.
func echoCancelled(driver string) bool { return strings.Contains(driver, "echo-cancel") }

func (p *Pulse) Devices() ([]Device, error) {
	var sinks proto.GetSinkInfoListReply
	if err := p.c.RawRequest(&proto.GetSinkInfoList{}, &sinks); err != nil {
		return nil, err
	}
	var sources proto.GetSourceInfoListReply
	if err := p.c.RawRequest(&proto.GetSourceInfoList{}, &sources); err != nil {
		return nil, err
	}
	var server proto.GetServerInfoReply
	if err := p.c.RawRequest(&proto.GetServerInfo{}, &server); err != nil {
		return nil, err
	}
	var ins, outs []Device
	var defIn, defOut *Device
	for _, s := range sources {
		if s.MonitorSourceIndex != proto.Undefined {
			continue // a sink's monitor is not a microphone
		}
		d := Device{ID: s.SourceName, Kind: kindInput, Label: label(s.Device, s.SourceName), Group: group(s.CardIndex, s.SourceName)}
		ins = append(ins, d)
		if s.SourceName == server.DefaultSourceName {
			defIn = &ins[len(ins)-1]
		}
	}
	for _, s := range sinks {
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

// resolve names the device to open: a named one as is; the default one as the server's
// default, or its echo-cancelling device if it has one.
func (p *Pulse) resolve(id string, input bool) (string, error) {
	if id != "" && id != defaultID {
		return id, nil
	}
	if input {
		var sources proto.GetSourceInfoListReply
		if err := p.c.RawRequest(&proto.GetSourceInfoList{}, &sources); err != nil {
			return "", err
		}
		for _, s := range sources {
			if echoCancelled(s.Driver) && s.MonitorSourceIndex == proto.Undefined {
				return s.SourceName, nil
			}
		}
		return "", nil
	}
	var sinks proto.GetSinkInfoListReply
	if err := p.c.RawRequest(&proto.GetSinkInfoList{}, &sinks); err != nil {
		return "", err
	}
	for _, s := range sinks {
		if echoCancelled(s.Driver) {
			return s.SinkName, nil
		}
	}
	return "", nil
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
	name, err := p.resolve(id, true)
	if err != nil {
		return nil, err
	}
	r, err := p.c.NewRecord(pulse.Int16Writer(func(b []int16) (int, error) {
		f(b)
		return len(b), nil
	}), pulse.RecordSampleRate(rate), pulse.RecordLatency(0.02), pulse.RecordMediaName("Call"),
		pulse.RecordRawOption(func(r *proto.CreateRecordStream) {
			if name != "" {
				r.SourceIndex, r.SourceName = proto.Undefined, name
			}
			r.Properties["media.role"] = proto.PropListString("phone")
		}))
	if err != nil {
		return nil, fmt.Errorf("microphone %q: %w", id, err)
	}
	r.Start()
	return p.track(&pulseStream{p: p, close: r.Close})
}

func (p *Pulse) OpenPlayback(id string, fill func([]int16)) (Stream, error) {
	name, err := p.resolve(id, false)
	if err != nil {
		return nil, err
	}
	pb, err := p.c.NewPlayback(pulse.Int16Reader(func(b []int16) (int, error) {
		fill(b)
		return len(b), nil
	}), pulse.PlaybackSampleRate(rate), pulse.PlaybackLatency(0.04), pulse.PlaybackMediaName("Call"),
		pulse.PlaybackRawOption(func(r *proto.CreatePlaybackStream) {
			if name != "" {
				r.SinkIndex, r.SinkName = proto.Undefined, name
			}
			// jfreymuth/pulse gives every stream SyncID 0, and PulseAudio then refuses a
			// second stream of the client on another sink: one SyncID per stream.
			r.SyncID = p.syncID.Add(1)
			r.Properties["media.role"] = proto.PropListString("phone")
		}))
	if err != nil {
		return nil, fmt.Errorf("speaker %q: %w", id, err)
	}
	pb.Start()
	return p.track(&pulseStream{p: p, close: pb.Close})
}

// Watch subscribes, on a connection of its own, to the server's sink, source and server
// events (the library's client drops them).
func (p *Pulse) Watch(changed func(), lost func(error)) error {
	c, conn, err := proto.Connect(p.server)
	if err != nil {
		return err
	}
	c.Callback = func(msg interface{}) {
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
	}
	if err := c.Request(&proto.SetClientName{Props: proto.PropList{
		"application.name": proto.PropListString("embeddable-tray devices")}}, &proto.SetClientNameReply{}); err != nil {
		conn.Close()
		return err
	}
	if err := c.Request(&proto.Subscribe{Mask: proto.SubscriptionMaskSink | proto.SubscriptionMaskSource |
		proto.SubscriptionMaskServer}, nil); err != nil {
		conn.Close()
		return err
	}
	p.mu.Lock()
	p.events = conn
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
		p.events.Close()
	}
	p.c.Close()
	return nil
}
