package calling

import (
	"encoding/binary"
	"net"
	"sync"
	"time"

	"github.com/jfreymuth/pulse/proto"
)

// playbacks plays on a connection of the engine's own, at the protocol level:
// jfreymuth/pulse's PlaybackStream races its Close against its writing goroutine, and
// gives every stream SyncID 0, with which PulseAudio refuses a client's second stream on
// another sink.
type playbacks struct {
	c    *proto.Client
	conn net.Conn

	mu      sync.Mutex
	streams map[uint32]*playback
	early   map[uint32]int // bytes asked for streams not registered yet
	syncID  uint32
}

func openPlaybacks(server string) (*playbacks, error) {
	c, conn, err := proto.Connect(server)
	if err != nil {
		return nil, err
	}
	ps := &playbacks{c: c, conn: conn, streams: map[uint32]*playback{}, early: map[uint32]int{}}
	c.SetTimeout(10 * time.Second) // a loaded machine is slow to answer
	c.Callback = ps.callback
	if err := c.Request(&proto.SetClientName{Props: proto.PropList{
		"application.name": proto.PropListString("embeddable-tray")}}, &proto.SetClientNameReply{}); err != nil {
		conn.Close()
		return nil, err
	}
	return ps, nil
}

// callback runs on the connection's reading goroutine: the server asks for data.
func (ps *playbacks) callback(msg interface{}) {
	r, ok := msg.(*proto.Request)
	if !ok {
		return
	}
	ps.mu.Lock()
	s := ps.streams[r.StreamIndex]
	if s == nil {
		ps.early[r.StreamIndex] += int(r.Length)
	}
	ps.mu.Unlock()
	if s != nil {
		s.feed(int(r.Length))
	}
}

// playback is one stream; fill is asked for the samples the server wants.
type playback struct {
	ps        *playbacks
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
func (ps *playbacks) open(sink string, fill func([]int16)) (*playback, error) {
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

func (ps *playbacks) close() { ps.conn.Close() }
