package rcsip

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/zaf/g711"
	"gopkg.in/hraban/opus.v2"
)

const frame = 20 * time.Millisecond

// codec encodes and decodes one audio codec's frames as mono 16-bit PCM.
type codec struct {
	mime string
	rate int
	enc  *opus.Encoder
	dec  *opus.Decoder
}

func newCodec(mime string) (*codec, error) {
	c := &codec{mime: mime, rate: 8000}
	if strings.EqualFold(mime, webrtc.MimeTypeOpus) {
		c.rate = 48000
		var err error
		if c.enc, err = opus.NewEncoder(48000, 1, opus.AppVoIP); err != nil {
			return nil, err
		}
		if c.dec, err = opus.NewDecoder(48000, 1); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *codec) encode(pcm []int16) ([]byte, error) {
	switch {
	case c.enc != nil:
		out := make([]byte, 1500)
		n, err := c.enc.Encode(pcm, out)
		return out[:n], err
	case strings.EqualFold(c.mime, webrtc.MimeTypePCMU):
		return g711.EncodeUlaw(le16(pcm)), nil
	case strings.EqualFold(c.mime, webrtc.MimeTypePCMA):
		return g711.EncodeAlaw(le16(pcm)), nil
	}
	return nil, fmt.Errorf("rcsip: no encoder for %s", c.mime)
}

func (c *codec) decode(payload []byte) ([]int16, error) {
	switch {
	case c.dec != nil:
		pcm := make([]int16, 5760)
		n, err := c.dec.Decode(payload, pcm)
		return pcm[:n], err
	case strings.EqualFold(c.mime, webrtc.MimeTypePCMU):
		return fromLE16(g711.DecodeUlaw(payload)), nil
	case strings.EqualFold(c.mime, webrtc.MimeTypePCMA):
		return fromLE16(g711.DecodeAlaw(payload)), nil
	}
	return nil, fmt.Errorf("rcsip: no decoder for %s", c.mime)
}

func le16(pcm []int16) []byte {
	b := make([]byte, 2*len(pcm))
	for i, s := range pcm {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
	}
	return b
}

func fromLE16(b []byte) []int16 {
	pcm := make([]int16, len(b)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return pcm
}

// sender writes the far end's audio: a tone (or silence) every 20 ms while not paused.
type sender struct {
	track *webrtc.TrackLocalStaticSample
	codec *codec

	mu     sync.Mutex
	hz     float64
	phase  float64
	paused bool
	stop   chan struct{}
}

func (s *sender) run() {
	t := time.NewTicker(frame)
	defer t.Stop()
	n := s.codec.rate / 50
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		s.mu.Lock()
		paused := s.paused
		pcm := make([]int16, n)
		if s.hz > 0 {
			step := 2 * math.Pi * s.hz / float64(s.codec.rate)
			for i := range pcm {
				pcm[i] = int16(8000 * math.Sin(s.phase))
				s.phase = math.Mod(s.phase+step, 2*math.Pi)
			}
		}
		s.mu.Unlock()
		if paused {
			continue
		}
		data, err := s.codec.encode(pcm)
		if err != nil {
			return
		}
		if err := s.track.WriteSample(media.Sample{Data: data, Duration: frame}); err != nil {
			return
		}
	}
}

func (s *sender) setTone(hz float64) {
	s.mu.Lock()
	s.hz = hz
	s.mu.Unlock()
}

func (s *sender) setPaused(p bool) {
	s.mu.Lock()
	s.paused = p
	s.mu.Unlock()
}

// detector watches decoded frames for a tone (hz > 0) or silence (hz == 0) held for need
// frames in a row.
type detector struct {
	hz   float64
	need int
	run  int
	done chan struct{}
}

// toneMinRMS is the level below which a frame is silence, and a tone must be above.
const toneMinRMS = 300

func (d *detector) feed(pcm []int16, rate int) bool {
	level := rms(pcm)
	hit := false
	if d.hz == 0 {
		hit = level < toneMinRMS/3
	} else {
		hit = level >= toneMinRMS && toneShare(pcm, rate, d.hz) > 0.5
	}
	if hit {
		d.run++
	} else {
		d.run = 0
	}
	return d.run >= d.need
}

func rms(pcm []int16) float64 {
	if len(pcm) == 0 {
		return 0
	}
	var sum float64
	for _, s := range pcm {
		sum += float64(s) * float64(s)
	}
	return math.Sqrt(sum / float64(len(pcm)))
}

// toneShare is the share of a frame's energy at hz (Goertzel): about 1 for a pure tone at
// hz, near 0 for other sounds.
func toneShare(pcm []int16, rate int, hz float64) float64 {
	n := len(pcm)
	if n == 0 {
		return 0
	}
	w := 2 * math.Pi * hz / float64(rate)
	coeff := 2 * math.Cos(w)
	var s1, s2, energy float64
	for _, x := range pcm {
		v := float64(x)
		s0 := v + coeff*s1 - s2
		s2, s1 = s1, s0
		energy += v * v
	}
	power := s1*s1 + s2*s2 - coeff*s1*s2
	if energy == 0 {
		return 0
	}
	return power / (energy * float64(n) / 2)
}

// dtmfDigit is the RFC 4733 event code's digit.
func dtmfDigit(event byte) (byte, bool) {
	const digits = "0123456789*#ABCD"
	if int(event) >= len(digits) {
		return 0, false
	}
	return digits[event], true
}
