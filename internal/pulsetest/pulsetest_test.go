package pulsetest

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/jfreymuth/pulse/proto"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLevel(t *testing.T) {
	tone := make([]int16, 4800)
	for i := range tone {
		tone[i] = int16(8000 * math.Sin(2*math.Pi*1000*float64(i)/48000))
	}
	assert.InDelta(t, 8000.0/32768, Level(tone, 48000, 1000), 0.01)
	assert.Less(t, Level(tone, 48000, 1500), 0.01)
	assert.Equal(t, 0.0, Level(make([]int16, 4800), 48000, 1000))
}

// The server's wiring: a tone played into the mic feed comes out of the microphone source,
// and one played on the speaker comes out of its monitor.
func TestServerRoutes(t *testing.T) {
	s := Start(t)
	mic := s.Record(t, Mic)
	spk := s.Record(t, Speaker+".monitor")
	s.Tone(t, MicFeed, 700)
	s.Tone(t, Speaker, 1100)
	require.Eventually(t, func() bool { return Heard(mic.Level(700)) && Heard(spk.Level(1100)) },
		30*time.Second, 20*time.Millisecond)
	assert.False(t, Heard(mic.Level(1100)), "the speaker leaks into the microphone")
}

// The switch picks the server: the tests said to run on PipeWire do.
func TestServerIsTheOneAsked(t *testing.T) {
	s := Start(t)
	c, err := s.client()
	require.NoError(t, err)
	defer c.Close()
	var info proto.GetServerInfoReply
	require.NoError(t, c.RawRequest(&proto.GetServerInfo{}, &info))
	assert.Equal(t, OnPipeWire(), strings.Contains(info.PackageName, "PipeWire"), info.PackageName)
	assert.Equal(t, Speaker, info.DefaultSinkName)
	assert.Equal(t, Mic, info.DefaultSourceName)
}
