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

// P in a script of a jitter buffer's life: a pop (any other number: a push of that
// sequence number).
const P = -1

func run(j *jitterBuffer, script []int) []popped {
	var out []popped
	for _, op := range script {
		if op != P {
			j.push(pkt(uint16(op)))
			continue
		}
		out = append(out, popAll(j, 1)...)
	}
	return out
}

func TestJitterBuffer(t *testing.T) {
	for _, tt := range []struct {
		name   string
		script []int
		want   []popped
	}{
		{"waits for the prefill", []int{5, P, P}, []popped{{-1, -1, false}, {-1, -1, false}}},
		{"reorders", []int{11, 10, P, 13, 12, P, P, P}, []popped{{10, -1, false}, {11, -1, false}, {12, -1, false}, {13, -1, false}}},
		{"conceals a loss with the next packet for FEC", []int{10, 12, P, 13, P, P},
			[]popped{{10, -1, false}, {-1, 12, true}, {12, -1, false}}},
		{"wraps around", []int{65535, 0, P, P}, []popped{{65535, -1, false}, {0, -1, false}}},
		{"before playout only the newest prefill are kept", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, P},
			[]popped{{11, -1, false}}},
		{"is bounded: the oldest go", []int{1, 2, P, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, P},
			[]popped{{1, -1, false}, {4, -1, false}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, run(newJitterBuffer(), tt.script))
		})
	}
}

// While playing, the buffer drops frames only when it held more than its target for a
// whole window, no more than that excess, and one in dropEvery unless they are quiet.
func TestJitterBufferSkip(t *testing.T) {
	for _, tt := range []struct {
		name      string
		extra     int  // packets held above the target for a window
		quiet     bool // the frames offered to skip are quiet
		wantDrops []int
	}{
		{"nothing above the target: nothing dropped", 0, false, nil},
		{"speech: one frame in dropEvery", 3, false, []int{0, dropEvery, 2 * dropEvery}},
		{"quiet: one after another", 3, true, []int{0, 1, 2}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			j := newJitterBuffer()
			seq := uint16(0)
			burst := func(n int) {
				for range n {
					j.push(pkt(seq))
					seq++
				}
			}
			burst(prefill)
			p, _, _ := j.pop()
			require.NotNil(t, p)
			burst(1 + tt.extra) // the one played, and more in a burst
			// steady: one comes, one plays; the first window (with the pop before the
			// burst) ends, the second sees the excess all through and ends with the next pop
			for range 2*window - 2 {
				p, _, _ := j.pop()
				require.NotNil(t, p)
				require.False(t, j.skip(tt.quiet), "dropped before a whole window above the target")
				j.push(pkt(seq))
				seq++
			}
			var drops []int
			for i := range 4 * dropEvery {
				p, _, _ := j.pop()
				require.NotNil(t, p)
				if j.skip(tt.quiet) {
					drops = append(drops, i)
					continue // the caller pops the next frame in its place
				}
				j.push(pkt(seq))
				seq++
			}
			assert.Equal(t, tt.wantDrops, drops)
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
