package calling

import (
	"strings"

	"github.com/embeddable-tray/embeddable-tray/calling/internal/opus"
)

// The engine's audio runs at 48 kHz mono in 20 ms frames; G.711 is resampled at its edges.
const (
	rate        = 48000
	frameMillis = 20
	frameLen    = rate * frameMillis / 1000 // samples in one frame
	g711Ratio   = rate / 8000
)

// encoder turns one frame of 48 kHz samples into an RTP payload.
type encoder interface {
	encode(frame []int16, out []byte) (int, error)
	// ticks is the RTP timestamp advance of one frame.
	ticks() uint32
}

// decoder turns an RTP payload into 48 kHz samples and hides lost packets.
type decoder interface {
	decode(payload []byte, out []int16) (int, error)
	// conceal fills one frame for a packet that did not come; next is the packet after it
	// when the jitter buffer has it (Opus recovers the lost frame from its FEC data).
	conceal(next []byte, out []int16) (int, error)
}

// codecFor names the engine's codec for an SDP codec name: "opus", "pcmu", "pcma" or "".
func codecFor(mimeType string) string {
	switch strings.ToLower(strings.TrimPrefix(strings.ToLower(mimeType), "audio/")) {
	case "opus":
		return "opus"
	case "pcmu":
		return "pcmu"
	case "pcma":
		return "pcma"
	}
	return ""
}

func newEncoder(codec string) (encoder, error) {
	switch codec {
	case "opus":
		e, err := opus.NewEncoder()
		if err != nil {
			return nil, err
		}
		return opusEncoder{e}, nil
	case "pcma":
		return g711Encoder{alaw: true}, nil
	default:
		return g711Encoder{}, nil
	}
}

func newDecoder(codec string) (decoder, error) {
	switch codec {
	case "opus":
		d, err := opus.NewDecoder()
		if err != nil {
			return nil, err
		}
		return opusDecoder{d}, nil
	case "pcma":
		return &g711Decoder{alaw: true}, nil
	default:
		return &g711Decoder{}, nil
	}
}

type opusEncoder struct{ e *opus.Encoder }

func (o opusEncoder) encode(frame []int16, out []byte) (int, error) { return o.e.Encode(frame, out) }
func (o opusEncoder) ticks() uint32                                 { return frameLen }

type opusDecoder struct{ d *opus.Decoder }

func (o opusDecoder) decode(p []byte, out []int16) (int, error) { return o.d.Decode(p, out) }
func (o opusDecoder) conceal(next []byte, out []int16) (int, error) {
	if next != nil {
		return o.d.DecodeFEC(next, out[:frameLen])
	}
	return o.d.Conceal(out[:frameLen])
}

type g711Encoder struct{ alaw bool }

func (g g711Encoder) ticks() uint32 { return frameLen / g711Ratio }

// encode averages each 6 samples (a box low-pass enough for speech) and companders them.
func (g g711Encoder) encode(frame []int16, out []byte) (int, error) {
	n := len(frame) / g711Ratio
	for i := 0; i < n && i < len(out); i++ {
		var sum int32
		for _, s := range frame[i*g711Ratio : (i+1)*g711Ratio] {
			sum += int32(s)
		}
		s := int16(sum / g711Ratio)
		if g.alaw {
			out[i] = alawEncode(s)
		} else {
			out[i] = ulawEncode(s)
		}
	}
	return n, nil
}

// g711Decoder keeps the last frame to repeat, fading, over a short loss.
type g711Decoder struct {
	alaw   bool
	last   [frameLen]int16
	losses int
	prev   int16
}

func (g *g711Decoder) decode(p []byte, out []int16) (int, error) {
	n := 0
	for _, b := range p {
		var s int16
		if g.alaw {
			s = alawDecode(b)
		} else {
			s = ulawDecode(b)
		}
		// linear interpolation from the previous sample up to this one
		for k := 1; k <= g711Ratio && n < len(out); k++ {
			out[n] = int16(int32(g.prev) + (int32(s)-int32(g.prev))*int32(k)/g711Ratio)
			n++
		}
		g.prev = s
	}
	copy(g.last[:], out[:min(n, frameLen)])
	g.losses = 0
	return n, nil
}

func (g *g711Decoder) conceal(_ []byte, out []int16) (int, error) {
	g.losses++
	gain := int32(0)
	if g.losses <= 3 {
		gain = int32(4 - g.losses) // 3/4, 2/4, 1/4 of the last good frame, then silence
	}
	for i := range out[:frameLen] {
		out[i] = int16(int32(g.last[i]) * gain / 4)
	}
	return frameLen, nil
}

// G.711 (ITU-T G.711) companding, as in the reference tables.

func ulawEncode(s int16) byte {
	const bias, clip = 0x84, 32635
	sign := byte(0)
	v := int32(s)
	if v < 0 {
		v, sign = -v, 0x80
	}
	if v > clip {
		v = clip
	}
	v += bias
	exp := byte(7)
	for mask := int32(0x4000); v&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := byte(v>>(exp+3)) & 0x0f
	return ^(sign | exp<<4 | mant)
}

func ulawDecode(b byte) int16 {
	b = ^b
	t := (int32(b&0x0f)<<3 + 0x84) << ((b & 0x70) >> 4)
	if b&0x80 != 0 {
		return int16(0x84 - t)
	}
	return int16(t - 0x84)
}

func alawEncode(s int16) byte {
	v := int32(s) >> 3 // 13-bit magnitude
	sign := byte(0x80)
	if v < 0 {
		v, sign = -v-1, 0
	}
	var out byte
	switch {
	case v < 32:
		out = byte(v >> 1)
	default:
		exp := byte(1)
		for t := v >> 5; t > 1; t >>= 1 {
			exp++
		}
		if exp > 7 {
			exp, v = 7, 0xfff
		}
		out = exp<<4 | byte(v>>exp)&0x0f
	}
	return (out | sign) ^ 0x55
}

func alawDecode(b byte) int16 {
	b ^= 0x55
	t := int32(b&0x0f) << 4
	exp := (b & 0x70) >> 4
	switch exp {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t = (t + 0x108) << (exp - 1)
	}
	if b&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}
