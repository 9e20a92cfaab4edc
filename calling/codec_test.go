package calling

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestG711RoundTrip(t *testing.T) {
	for _, tt := range []struct {
		name string
		enc  func(int16) byte
		dec  func(byte) int16
	}{{"ulaw", ulawEncode, ulawDecode}, {"alaw", alawEncode, alawDecode}} {
		t.Run(tt.name, func(t *testing.T) {
			for _, s := range []int16{0, 1, -1, 100, -100, 1000, -1000, 8000, -8000, 30000, -30000, 32767, -32768} {
				got := tt.dec(tt.enc(s))
				// companding error is at most about 1/16 of the value (plus the small-step floor)
				tol := math.Abs(float64(s))/16 + 16
				assert.InDelta(t, float64(s), float64(got), tol, "sample %d", s)
			}
		})
	}
}

// Known code points: µ-law silence is 0xff, A-law's is 0xd5.
func TestG711Silence(t *testing.T) {
	assert.Equal(t, byte(0xff), ulawEncode(0))
	assert.Equal(t, byte(0xd5), alawEncode(0))
}
