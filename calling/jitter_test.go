package calling

import (
	"testing"

	"github.com/pion/rtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func pkt(seq uint16) *rtp.Packet { return &rtp.Packet{Header: rtp.Header{SequenceNumber: seq}} }

type popped struct {
	seq  int // -1: none
	next int // -1: none
	lost bool
}

func popAll(j *jitterBuffer, n int) []popped {
	var out []popped
	for range n {
		p, next, lost := j.pop()
		o := popped{-1, -1, lost}
		if p != nil {
			o.seq = int(p.SequenceNumber)
		}
		if next != nil {
			o.next = int(next.SequenceNumber)
		}
		out = append(out, o)
	}
	return out
}

func TestJitterBuffer(t *testing.T) {
	for _, tt := range []struct {
		name string
		push []uint16
		pops int
		want []popped
	}{
		{"waits for the prefill", []uint16{5}, 2, []popped{{-1, -1, false}, {-1, -1, false}}},
		{"reorders", []uint16{11, 10, 12}, 3, []popped{{10, -1, false}, {11, -1, false}, {12, -1, false}}},
		{"conceals a loss with the next packet for FEC", []uint16{10, 12, 13}, 3,
			[]popped{{10, -1, false}, {-1, 12, true}, {12, -1, false}}},
		{"wraps around", []uint16{65535, 0}, 2, []popped{{65535, -1, false}, {0, -1, false}}},
		{"is bounded: the oldest go", []uint16{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 1, []popped{{3, -1, false}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			j := newJitterBuffer()
			for _, s := range tt.push {
				j.push(pkt(s))
			}
			assert.Equal(t, tt.want, popAll(j, tt.pops))
		})
	}
}

func TestJitterBufferStallAndLatePackets(t *testing.T) {
	j := newJitterBuffer()
	j.push(pkt(1))
	j.push(pkt(2))
	popAll(j, 2)
	got := popAll(j, maxMiss+1)
	for _, g := range got[:maxMiss] {
		assert.True(t, g.lost, "a short gap is concealed")
	}
	assert.False(t, got[maxMiss].lost, "a stall plays silence")
	j.push(pkt(50))
	j.push(pkt(51))
	p, _, _ := j.pop()
	require.NotNil(t, p)
	assert.Equal(t, uint16(50), p.SequenceNumber, "after a stall playout restarts where the far end is")
}
