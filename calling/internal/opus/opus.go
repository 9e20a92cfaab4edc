// Package opus is the little of libopus the engine needs: a mono VoIP encoder with in-band
// FEC, and a decoder with packet loss concealment and FEC recovery.
//
// It is our own binding rather than gopkg.in/hraban/opus.v2 because that package compiles
// libopusfile in unless every go command of the project carries -tags nolibopusfile; here
// only libopus (libopus-dev to build, libopus0 to run) is needed.
package opus

/*
#cgo pkg-config: opus
#include <opus.h>

// The variadic ctl macro cannot be called from Go: one wrapper per request used.
static int enc_bitrate(OpusEncoder *e, int v) { return opus_encoder_ctl(e, OPUS_SET_BITRATE(v)); }
static int enc_inband_fec(OpusEncoder *e, int v) { return opus_encoder_ctl(e, OPUS_SET_INBAND_FEC(v)); }
static int enc_packet_loss(OpusEncoder *e, int v) { return opus_encoder_ctl(e, OPUS_SET_PACKET_LOSS_PERC(v)); }
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"
)

// SampleRate is the rate the engine runs Opus at (RTP clock of Opus is always 48 kHz).
const SampleRate = 48000

// MaxFrame is the most samples one packet can decode to (120 ms at 48 kHz).
const MaxFrame = 5760

func opusError(code C.int) error {
	return fmt.Errorf("opus: %s", C.GoString(C.opus_strerror(code)))
}

// Encoder encodes mono 16-bit PCM at 48 kHz. Not safe for concurrent use.
type Encoder struct{ p *C.OpusEncoder }

// NewEncoder makes a VoIP encoder with in-band FEC on, so the far end can recover a lost
// packet from the next one.
func NewEncoder() (*Encoder, error) {
	var code C.int
	p := C.opus_encoder_create(SampleRate, 1, C.OPUS_APPLICATION_VOIP, &code)
	if code != C.OPUS_OK {
		return nil, opusError(code)
	}
	e := &Encoder{p: p}
	runtime.SetFinalizer(e, func(e *Encoder) { C.opus_encoder_destroy(e.p) })
	C.enc_bitrate(p, 32000)
	C.enc_inband_fec(p, 1)
	C.enc_packet_loss(p, 5)
	return e, nil
}

// Encode encodes one frame (2.5 to 60 ms of samples) into out and returns the packet length.
func (e *Encoder) Encode(pcm []int16, out []byte) (int, error) {
	if len(pcm) == 0 || len(out) == 0 {
		return 0, errors.New("opus: empty buffer")
	}
	n := C.opus_encode(e.p, (*C.opus_int16)(unsafe.Pointer(&pcm[0])), C.int(len(pcm)),
		(*C.uchar)(unsafe.Pointer(&out[0])), C.opus_int32(len(out)))
	runtime.KeepAlive(e)
	if n < 0 {
		return 0, opusError(n)
	}
	return int(n), nil
}

// Decoder decodes to mono 16-bit PCM at 48 kHz. Not safe for concurrent use.
type Decoder struct{ p *C.OpusDecoder }

// NewDecoder makes a decoder.
func NewDecoder() (*Decoder, error) {
	var code C.int
	p := C.opus_decoder_create(SampleRate, 1, &code)
	if code != C.OPUS_OK {
		return nil, opusError(code)
	}
	d := &Decoder{p: p}
	runtime.SetFinalizer(d, func(d *Decoder) { C.opus_decoder_destroy(d.p) })
	return d, nil
}

// Decode decodes packet into pcm and returns the samples written.
func (d *Decoder) Decode(packet []byte, pcm []int16) (int, error) {
	if len(packet) == 0 {
		return d.Conceal(pcm)
	}
	return d.decode(packet, pcm, 0)
}

// DecodeFEC recovers the frame lost before packet from the redundancy packet carries; pcm's
// length is the lost frame's duration. Without redundancy in packet libopus conceals instead.
func (d *Decoder) DecodeFEC(packet []byte, pcm []int16) (int, error) {
	return d.decode(packet, pcm, 1)
}

// Conceal fills pcm (its length is the lost duration, a multiple of 2.5 ms) by packet loss
// concealment.
func (d *Decoder) Conceal(pcm []int16) (int, error) {
	return d.decode(nil, pcm, 0)
}

func (d *Decoder) decode(packet []byte, pcm []int16, fec C.int) (int, error) {
	if len(pcm) == 0 {
		return 0, errors.New("opus: empty buffer")
	}
	var data *C.uchar
	if len(packet) > 0 {
		data = (*C.uchar)(unsafe.Pointer(&packet[0]))
	}
	n := C.opus_decode(d.p, data, C.opus_int32(len(packet)),
		(*C.opus_int16)(unsafe.Pointer(&pcm[0])), C.int(len(pcm)), fec)
	runtime.KeepAlive(d)
	if n < 0 {
		return 0, opusError(n)
	}
	return int(n), nil
}
