package rcsip

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/pion/webrtc/v4/pkg/media"
)

// For make bench's call rows (bench/cmd/bench): the far end's half of a mouth-to-ear
// measurement. Its timestamps are taken in the process that runs the far end, which is
// also the one that listens on the sound server, so both ends of a figure share a clock.

// ChromiumWebRTCFlags are what Chromium needs to run the web phone pages unattended: the
// microphone granted without a prompt, media that plays without a gesture, and real host
// ICE candidates (the far end resolves no mDNS names).
var ChromiumWebRTCFlags = []string{
	"--use-fake-ui-for-media-stream",
	"--autoplay-policy=no-user-gesture-required",
	"--disable-features=WebRtcHideLocalIpsWithMdns",
}

// webPhoneFiles are the npm files e2e/webphone's pages load.
var webPhoneFiles = []string{
	"node_modules/sip.js/dist/sip-0.13.5.js",
	"node_modules/ringcentral-web-phone/dist/ringcentral-web-phone.js",
	"node_modules/ringcentral-web-phone-2/dist/index.iife.js",
}

// WebPhoneDir finds e2e/webphone from dir (the module's root or a directory below it) and
// checks that the web phones of its pages (ringcentral-web-phone 0.8.14 on sip.js 0.13.5,
// and 2.x) are installed; serve it as Config.Pages.
func WebPhoneDir(dir string) (string, error) {
	for d := dir; d != "" && d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err != nil {
			continue
		}
		web := filepath.Join(d, "e2e", "webphone")
		for _, f := range webPhoneFiles {
			if _, err := os.Stat(filepath.Join(web, f)); err != nil {
				return "", fmt.Errorf("rcsip: the web phones from npm are not installed: run `npm ci` in %s (scripts/deps.sh test does)", web)
			}
		}
		return web, nil
	}
	return "", fmt.Errorf("rcsip: no go.mod at or above %s", dir)
}

// ToneOnset starts watching the client's audio for hz; the function it returns waits for
// the first decoded packet that carries it and gives that packet's arrival time.
func (c *Call) ToneOnset(hz float64) func(context.Context) (time.Time, error) {
	d := &detector{hz: hz, need: 1, done: make(chan struct{})}
	at := make(chan time.Time, 1)
	quit := make(chan struct{})
	go func() {
		select {
		case <-d.done:
			at <- time.Now()
		case <-quit:
		}
	}()
	c.s.mu.Lock()
	c.detectors = append(c.detectors, d)
	c.s.mu.Unlock()
	return func(ctx context.Context) (time.Time, error) {
		defer close(quit)
		select {
		case t := <-at:
			return t, nil
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("rcsip: waiting for the onset of %v Hz at the far end: %w", hz, ctx.Err())
		}
	}
}

// Bursts is the far end's audio taken over for a latency measurement: silence, or a tone
// whose first packet's send time is known. The call's own sender is paused meanwhile; the
// bursts have an Opus encoder of their own.
type Bursts struct {
	c     *Call
	codec *codec
	stop  chan struct{}
	done  chan struct{}

	mu      sync.Mutex
	hz      float64
	phase   float64
	waiting chan time.Time // set by Tone: the send time of the tone's first packet goes here
	err     error
}

// StartBursts pauses the far end's sender and sends silence in its place until Stop.
func (c *Call) StartBursts() (*Bursts, error) {
	if c.out == nil {
		return nil, errors.New("rcsip: the call has no far end audio")
	}
	cd, err := newCodec(c.out.codec.mime)
	if err != nil {
		return nil, err
	}
	c.out.setPaused(true)
	b := &Bursts{c: c, codec: cd, stop: make(chan struct{}), done: make(chan struct{})}
	go b.run()
	return b, nil
}

// Tone switches to a tone of hz and returns when its first packet was sent.
func (b *Bursts) Tone(ctx context.Context, hz float64) (time.Time, error) {
	sent := make(chan time.Time, 1)
	b.mu.Lock()
	b.hz, b.waiting = hz, sent
	b.mu.Unlock()
	select {
	case t := <-sent:
		return t, nil
	case <-b.done:
		return time.Time{}, b.failure()
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	}
}

// Silence switches to silence.
func (b *Bursts) Silence() {
	b.mu.Lock()
	b.hz = 0
	b.mu.Unlock()
}

// Stop ends the bursts and resumes the call's own sender; it returns what went wrong, if
// anything did.
func (b *Bursts) Stop() error {
	select {
	case <-b.stop:
	default:
		close(b.stop)
	}
	<-b.done
	b.c.out.setPaused(false)
	return b.failure()
}

func (b *Bursts) failure() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

func (b *Bursts) run() {
	defer close(b.done)
	fail := func(err error) {
		b.mu.Lock()
		b.err = err
		b.mu.Unlock()
	}
	t := time.NewTicker(frame) // the first frame a tick after the pause: the sender's last write is over
	defer t.Stop()
	pcm := make([]int16, b.codec.rate/50)
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
		}
		b.c.out.mu.Lock()
		paused := b.c.out.paused
		b.c.out.mu.Unlock()
		if !paused {
			fail(errors.New("rcsip: the far end's sender resumed during the bursts (a re-INVITE?)"))
			return
		}
		b.mu.Lock()
		b.phase = sine(pcm, b.hz, b.codec.rate, b.phase)
		var sent chan time.Time
		if b.hz > 0 && b.waiting != nil {
			sent, b.waiting = b.waiting, nil
		}
		b.mu.Unlock()
		data, err := b.codec.encode(pcm)
		if err != nil {
			fail(err)
			return
		}
		at := time.Now() // WriteSample sends the packet before it returns
		if err := b.c.out.track.WriteSample(media.Sample{Data: data, Duration: frame}); err != nil {
			fail(err)
			return
		}
		if sent != nil {
			sent <- at
		}
	}
}

// sine fills pcm with a tone of hz at amplitude 8000 (silence for hz 0) from phase, and
// returns the phase after it.
func sine(pcm []int16, hz float64, rate int, phase float64) float64 {
	step := 2 * math.Pi * hz / float64(rate)
	for i := range pcm {
		if hz <= 0 {
			pcm[i] = 0
			continue
		}
		pcm[i] = int16(8000 * math.Sin(phase))
		phase = math.Mod(phase+step, 2*math.Pi)
	}
	return phase
}
