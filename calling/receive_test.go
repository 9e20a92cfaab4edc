package calling

import (
	"math"
	"testing"

	"github.com/pion/rtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/internal/pulsetest"
)

// A lost Opus packet is concealed (recovered from the next packet's FEC data), not a gap
// of silence: the element plays the tone on through it.
func TestElementConcealsLoss(t *testing.T) {
	enc, err := newEncoder("opus")
	require.NoError(t, err)
	el := &element{e: &Engine{}, volume: 1, decs: map[string]decoder{}, jb: newJitterBuffer(), codecs: map[uint16]string{}}
	n := 0
	for seq := uint16(1); seq <= 8; seq++ {
		frame := make([]int16, frameLen)
		for i := range frame {
			frame[i] = int16(8000 * math.Sin(2*math.Pi*1000*float64(n)/rate))
			n++
		}
		buf := make([]byte, 1500)
		k, err := enc.encode(frame, buf)
		require.NoError(t, err)
		if seq == 5 {
			continue // lost
		}
		el.push(&rtp.Packet{Header: rtp.Header{SequenceNumber: seq}, Payload: buf[:k]}, "opus")
	}
	out := make([]int16, 7*frameLen)
	el.fill(out)
	lost := out[4*frameLen : 5*frameLen]
	assert.True(t, pulsetest.Heard(pulsetest.Level(lost, rate, 1000)), "the lost frame is silence")
	assert.True(t, pulsetest.Heard(pulsetest.Level(out[5*frameLen:6*frameLen], rate, 1000)))
}
