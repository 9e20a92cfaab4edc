package calling

import (
	"encoding/binary"
	"net"
	"sync"
	"time"

	"github.com/jfreymuth/pulse/proto"
)

// pulseConn is the engine's connection to the sound server, at the protocol level of
// jfreymuth/pulse (its proto package): its high-level client answers every request within
// a second or fails (too short on a loaded machine), its PlaybackStream races its Close
// against its writing goroutine, and it gives every playback SyncID 0, with which
// PulseAudio refuses a client's second playback on another sink.
type pulseConn struct {
	c    *proto.Client
	conn net.Conn

	mu      sync.Mutex
	streams map[uint32]*playback
	records map[uint32]*record
	early   map[uint32]int // bytes asked for playbacks not registered yet
	syncID  uint32
	other   func(msg interface{}) // what else the server sends (events), or nil
}

// dialPulse connects as the client name; other (may be nil) hears the server's messages
// that are not stream data.
func dialPulse(server string, name string, other func(msg interface{})) (*pulseConn, error) {
	c, conn, err := proto.Connect(server)
	if err != nil {
		return nil, err
	}
	ps := &pulseConn{c: c, conn: conn, streams: map[uint32]*playback{}, records: map[uint32]*record{},
		early: map[uint32]int{}, other: other}
	c.SetTimeout(10 * time.Second) // a loaded machine is slow to answer
	c.Callback = ps.callback
	if err := c.Request(&proto.SetClientName{Props: proto.PropList{
		"application.name":      proto.PropListString(name),
		"application.icon_name": proto.PropListString("call-start"),
	}}, &proto.SetClientNameReply{}); err != nil {
		conn.Close()
		return nil, err
	}
	return ps, nil
}

// callback runs on the connection's reading goroutine: the server asks for playback data
// or brings recorded data.
func (ps *pulseConn) callback(msg interface{}) {
	switch m := msg.(type) {
	case *proto.Request:
		ps.mu.Lock()
		s := ps.streams[m.StreamIndex]
		if s == nil {
			ps.early[m.StreamIndex] += int(m.Length)
		}
		ps.mu.Unlock()
		if s != nil {
			s.feed(int(m.Length))
		}
	case *proto.DataPacket:
		ps.mu.Lock()
		r := ps.records[m.StreamIndex]
		ps.mu.Unlock()
		if r != nil {
			r.write(m.Data)
		}
	default:
		if ps.other != nil {
			ps.other(msg)
		}
	}
}

// record is one recording; f gets what it records.
type record struct {
	ps      *pulseConn
	index   uint32
	f       func([]int16)
	mu      sync.Mutex
	closed  bool
	samples []int16
}

// record records source (a name; "" for the server's default) at once.
func (ps *pulseConn) record(source string, f func([]int16)) (*record, error) {
	req := proto.CreateRecordStream{
		SampleSpec:         proto.SampleSpec{Format: proto.FormatInt16LE, Channels: 1, Rate: rate},
		ChannelMap:         proto.ChannelMap{proto.ChannelMono},
		SourceIndex:        proto.Undefined,
		SourceName:         source,
		BufferMaxLength:    proto.Undefined,
		BufferFragSize:     frameLen * 2, // 20 ms pieces
		AdjustLatency:      true,
		DirectOnInputIndex: proto.Undefined,
		ChannelVolumes:     proto.ChannelVolumes{uint32(proto.VolumeNorm)},
		Properties: proto.PropList{
			"media.name": proto.PropListString("Call"),
			"media.role": proto.PropListString("phone"),
		},
	}
	var reply proto.CreateRecordStreamReply
	if err := ps.c.Request(&req, &reply); err != nil {
		return nil, err
	}
	r := &record{ps: ps, index: reply.StreamIndex, f: f}
	ps.mu.Lock()
	ps.records[r.index] = r
	ps.mu.Unlock()
	return r, nil
}

func (r *record) write(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	k := len(b) / 2
	if cap(r.samples) < k {
		r.samples = make([]int16, k)
	}
	s := r.samples[:k]
	for i := range s {
		s[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	r.f(s)
}

func (r *record) Close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	r.mu.Unlock()
	r.ps.mu.Lock()
	delete(r.ps.records, r.index)
	r.ps.mu.Unlock()
	_ = r.ps.c.Request(&proto.DeleteRecordStream{StreamIndex: r.index}, nil)
}

// playback is one stream; fill is asked for the samples the server wants.
type playback struct {
	ps        *pulseConn
	index     uint32
	sinkInput uint32 // the server's index of the stream, to move it
	fill      func([]int16)

	mu      sync.Mutex
	closed  bool
	samples []int16
	bytes   []byte
}

// open creates a stream on sink (a name; "" for the server's default), uncorked: it plays
// at once.
func (ps *pulseConn) play(sink string, fill func([]int16)) (*playback, error) {
	ps.mu.Lock()
	ps.syncID++
	syncID := ps.syncID
	ps.mu.Unlock()
	const frameBytes = frameLen * 2
	req := proto.CreatePlaybackStream{
		SampleSpec:            proto.SampleSpec{Format: proto.FormatInt16LE, Channels: 1, Rate: rate},
		ChannelMap:            proto.ChannelMap{proto.ChannelMono},
		SinkIndex:             proto.Undefined,
		SinkName:              sink,
		BufferMaxLength:       4 * frameBytes,
		BufferTargetLength:    2 * frameBytes, // 40 ms: low delay, room for a late wakeup
		BufferPrebufferLength: proto.Undefined,
		BufferMinimumRequest:  proto.Undefined,
		SyncID:                syncID,
		ChannelVolumes:        proto.ChannelVolumes{uint32(proto.VolumeNorm)},
		AdjustLatency:         true,
		Properties: proto.PropList{
			"media.name": proto.PropListString("Call"),
			"media.role": proto.PropListString("phone"),
		},
	}
	var reply proto.CreatePlaybackStreamReply
	if err := ps.c.Request(&req, &reply); err != nil {
		return nil, err
	}
	s := &playback{ps: ps, index: reply.StreamIndex, sinkInput: reply.SinkInputIndex, fill: fill}
	ps.mu.Lock()
	ps.streams[s.index] = s
	early := ps.early[s.index]
	delete(ps.early, s.index)
	ps.mu.Unlock()
	s.feed(int(reply.Missing) + early)
	return s, nil
}

func (s *playback) feed(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || n < 2 {
		return
	}
	k := n / 2
	if cap(s.samples) < k {
		s.samples, s.bytes = make([]int16, k), make([]byte, 2*k)
	}
	samples, b := s.samples[:k], s.bytes[:2*k]
	s.fill(samples)
	for i, v := range samples {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	_ = s.ps.c.Send(s.index, b)
}

func (s *playback) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	s.ps.mu.Lock()
	delete(s.ps.streams, s.index)
	s.ps.mu.Unlock()
	_ = s.ps.c.Request(&proto.DeletePlaybackStream{StreamIndex: s.index}, nil)
}

func (ps *pulseConn) close() { ps.conn.Close() }

// request asks the server one thing.
func (ps *pulseConn) request(req proto.RequestArgs, reply proto.Reply) error {
	return ps.c.Request(req, reply)
}
