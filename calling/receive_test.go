package calling

import (
	"math"
	"testing"

	"github.com/pion/rtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/internal/pulsetest"
)

// testElement is an element playing on no sound server: the test pulls its frames.
func testElement() *element {
	return &element{e: &Engine{}, volume: 1, decs: map[string]decoder{}, jb: newJitterBuffer(), held: map[uint16]heldPacket{}}
}

// farSpeaker makes the far end's Opus packets: a 1 kHz tone, or silence, without a break
// in its phase.
type farSpeaker struct {
	t   *testing.T
	enc encoder
	seq uint16
	n   int
}

func newFarSpeaker(t *testing.T) *farSpeaker {
	enc, err := newEncoder("opus")
	require.NoError(t, err)
	return &farSpeaker{t: t, enc: enc, seq: 1}
}

func (f *farSpeaker) packet(tone bool) *rtp.Packet {
	frame := make([]int16, frameLen)
	for i := range frame {
		if tone {
			frame[i] = int16(8000 * math.Sin(2*math.Pi*1000*float64(f.n)/rate))
		}
		f.n++
	}
	buf := make([]byte, 1500)
	k, err := f.enc.encode(frame, buf)
	require.NoError(f.t, err)
	p := &rtp.Packet{Header: rtp.Header{SequenceNumber: f.seq}, Payload: buf[:k]}
	f.seq++
	return p
}

// A lost Opus packet is concealed (recovered from the next packet's FEC data), not a gap
// of silence: the element plays the tone on through it.
func TestElementConcealsLoss(t *testing.T) {
	el, far := testElement(), newFarSpeaker(t)
	el.push(far.packet(true), "opus")
	out := make([]int16, 7*frameLen)
	for seq := uint16(2); seq <= 8; seq++ {
		p := far.packet(true)
		if seq != 5 { // lost
			el.push(p, "opus")
		}
		el.fill(out[(seq-2)*frameLen : (seq-1)*frameLen])
	}
	lost := out[4*frameLen : 5*frameLen]
	assert.True(t, pulsetest.Heard(pulsetest.Level(lost, rate, 1000)), "the lost frame is silence")
	assert.True(t, pulsetest.Heard(pulsetest.Level(out[5*frameLen:6*frameLen], rate, 1000)))
}

// After a burst (packets that queued while the sound server did not pull: before playout
// began, or a stall mid-call) the buffered delay comes back to the target, as it does in
// a softphone, instead of staying for the rest of the call. The far end's clock and the
// sound server's run at the same rate here, as they do on a call: one packet comes per
// frame played, so nothing but the buffer's own catching up can bring the delay down.
func TestElementDelayReturnsToTargetAfterBurst(t *testing.T) {
	for _, tt := range []struct {
		name   string
		before int  // frames played before the burst; 0: the burst is before playout
		burst  int  // packets that come while the sound server does not pull
		tone   bool // the far end speaks (a tone) through it, or is quiet
		within int  // frames after the burst within which the delay is back at target
	}{
		{"a backlog before playout began", 0, 12, true, 1},
		{"a stall mid-call, the far end speaking", 50, 8, true, window + 8*dropEvery + 10},
		{"a stall mid-call, the far end quiet", 50, 8, false, window + 10},
	} {
		t.Run(tt.name, func(t *testing.T) {
			el, far := testElement(), newFarSpeaker(t)
			frame := make([]int16, frameLen)
			pushed, played := 0, 0
			step := func() { // one packet comes, one frame plays
				el.push(far.packet(tt.tone), "opus")
				pushed++
				el.fill(frame)
				played++
				if tt.tone && played > 1 {
					require.True(t, pulsetest.Heard(pulsetest.Level(frame, rate, 1000)),
						"frame %d is not the tone: catching up must not break the sound", played)
				}
			}
			el.push(far.packet(tt.tone), "opus") // the prefill
			for range tt.before {
				step()
			}
			for range tt.burst {
				el.push(far.packet(tt.tone), "opus")
			}
			var depth []int // packets held after each frame played
			for range tt.within + 2*window {
				step()
				depth = append(depth, len(el.jb.pkts))
			}
			for i, d := range depth[tt.within:] {
				require.LessOrEqual(t, d, prefill, "%d frames after the burst the buffer still holds %d frames (target %d)",
					tt.within+i, d, prefill)
			}
			// The counters getStats reports say so too: a second's audio waited no
			// longer than the target.
			settled := el.stats
			for range window {
				step()
			}
			n := float64(el.stats.emitted - settled.emitted)
			require.NotZero(t, n)
			assert.LessOrEqual(t, (el.stats.delay-settled.delay)/n, (el.stats.targetDelay-settled.targetDelay)/n)
			assert.InDelta(t, prefill*frameMillis/1000.0, (el.stats.targetDelay-settled.targetDelay)/n, 1e-9)
			if tt.tone && tt.before > 0 {
				dropped := 1 + tt.burst + pushed - played - len(el.jb.pkts)
				assert.LessOrEqual(t, dropped*dropEvery, played-tt.before, "at most one frame in %d dropped while the far end speaks", dropEvery)
			}
		})
	}
}
