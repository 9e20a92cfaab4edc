package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/embeddable-tray/embeddable-tray/bench/procmem"
	"github.com/embeddable-tray/embeddable-tray/e2e/rcsip"
	"github.com/embeddable-tray/embeddable-tray/internal/pulsetest"
)

// The call rows (issue 12): the web phone the widget bundles (ringcentral-web-phone 0.8.14
// on sip.js 0.13.5, e2e/webphone/v0.html) in our app, whose WebKitGTK has no WebRTC (the
// app's shim and Go engine stand in), and in Chromium --app with its native WebRTC, on the
// same loopback far end (e2e/rcsip) and the same private PulseAudio: the speaker is a null
// sink read back from its monitor, the microphone a source fed by another null sink. This
// process runs the far end and listens on the sound server, so every figure's two
// timestamps come from one clock.

const (
	callFarTone = 1000 // Hz, sent by the far end, heard on the speaker
	callMicTone = 600  // Hz, played into the microphone, heard at the far end

	// recordFragment is how often the sound server hands the bench what it records: the
	// onset of a tone on the microphone or the speaker is timed to within about this (a
	// program's own capture, in 10 or 20 ms pieces, cannot get it earlier than this does).
	recordFragment = 5 * time.Millisecond
)

// callSample is one call of one program.
type callSample struct {
	toEar, fromMouth []time.Duration // far end -> speaker, microphone -> far end, one per burst
	cpu              cpuWindow
}

// callRig is what every call of the bench shares: the sound server and its two listeners.
type callRig struct {
	o        options
	pa       *pulsetest.Server
	speaker  *pulsetest.Recorder // the speaker sink's monitor
	mic      *pulsetest.Recorder // the microphone source
	pagesDir string
}

// callResults are the calls by program and the machine's load around them (the machine
// may be shared: the figures mean little without it).
type callResults struct {
	samples             map[string][]callSample
	loadBefore, loadEnd string
}

// loadAvg is /proc/loadavg's 1, 5 and 15 minute load averages.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// callBench makes o.runs calls in each program, alternating, and returns them by program.
func callBench(o options) (callResults, error) {
	res := callResults{samples: map[string][]callSample{}, loadBefore: loadAvg()}
	wd, err := os.Getwd()
	if err != nil {
		return res, err
	}
	pages, err := rcsip.WebPhoneDir(wd)
	if err != nil {
		return res, err
	}
	// Always a private sound server: the figures need its known devices, and the user's own
	// sound setup is neither read nor changed.
	pa, err := pulsetest.Launch()
	if err != nil {
		return res, err
	}
	defer pa.Close()
	spk, stopSpk, err := pa.NewRecorder(pulsetest.Speaker+".monitor", recordFragment)
	if err != nil {
		return res, err
	}
	defer stopSpk()
	mic, stopMic, err := pa.NewRecorder(pulsetest.Mic, recordFragment)
	if err != nil {
		return res, err
	}
	defer stopMic()
	r := &callRig{o: o, pa: pa, speaker: spk, mic: mic, pagesDir: pages}
	for i := 0; i < o.runs; i++ {
		for _, who := range []string{"embeddable-tray", "chromium"} {
			s, err := r.call(who)
			if err != nil {
				return res, fmt.Errorf("call in %s: %w", who, err)
			}
			res.samples[who] = append(res.samples[who], s)
			fmt.Fprintf(os.Stderr, "call %d %s: far end -> ear %s, mouth -> far end %s, CPU %v over %v (%s)\n",
				i+1, who, ms(median(s.toEar)), ms(median(s.fromMouth)), s.cpu.total(), o.callTime, s.cpu.text())
		}
	}
	res.loadEnd = loadAvg()
	return res, nil
}

// launch starts who on url with the rig's sound server as its default one.
func (r *callRig) launch(who, url string) (*proc, error) {
	env := []string{"PULSE_SERVER=" + r.pa.Addr}
	if who == "chromium" {
		dir, err := os.MkdirTemp("", "et-bench-chromium-")
		if err != nil {
			return nil, err
		}
		return start("chromium", dir, append(os.Environ(), env...), dir, r.o.chromium, chromiumArgs(dir, url, rcsip.ChromiumWebRTCFlags...)...)
	}
	return launchApp(r.o.app, url, nil, env, false)
}

// call is one call: the page registers, the far end rings, the page answers; then bursts
// each way, then the CPU of a window of the call with a tone both ways.
func (r *callRig) call(who string) (s callSample, err error) {
	rc, err := rcsip.Start(rcsip.Config{Pages: http.FileServer(http.Dir(r.pagesDir))})
	if err != nil {
		return s, err
	}
	defer rc.Close()
	p, err := r.launch(who, rc.URL+"/v0.html")
	if err != nil {
		return s, err
	}
	defer p.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute+r.o.callTime)
	defer cancel()

	var c *rcsip.Call
	err = p.waitOrExit(ctx, "the call was up", func(ctx context.Context) error {
		if _, err := rc.WaitEvent(ctx, "registered"); err != nil {
			return err
		}
		var err error
		if c, err = rc.Ring(ctx, "+15557654321", "Bench Far End"); err != nil {
			return err
		}
		in, err := rc.WaitEvent(ctx, "incoming")
		if err != nil {
			return err
		}
		if _, err := rc.Do(ctx, "answer", map[string]any{"call": in.Call}); err != nil {
			return err
		}
		if _, err := rc.WaitEvent(ctx, "accepted"); err != nil {
			return err
		}
		return c.WaitState(ctx, rcsip.Answered)
	})
	if err != nil {
		return s, err
	}
	defer c.Hangup() //nolint:errcheck // the program is stopped next anyway

	bursts, err := c.StartBursts()
	if err != nil {
		return s, err
	}
	defer func() {
		if stopErr := bursts.Stop(); err == nil {
			err = stopErr
		}
	}()
	err = p.waitOrExit(ctx, "the bursts were heard", func(ctx context.Context) error {
		// one burst each way first, not counted: the first plays while the media path settles
		for i := 0; i <= r.o.bursts; i++ {
			ear, err := r.farToEar(ctx, bursts)
			if err != nil {
				return err
			}
			mouth, err := r.mouthToFar(ctx, c)
			if err != nil {
				return err
			}
			if i > 0 {
				s.toEar, s.fromMouth = append(s.toEar, ear), append(s.fromMouth, mouth)
			}
		}
		return nil
	})
	if err != nil {
		return s, err
	}
	s.cpu, err = r.cpuWindow(ctx, p, c, bursts)
	return s, err
}

// farToEar sends one burst from the far end and times it from its first packet's send to
// its onset on the speaker sink's monitor.
func (r *callRig) farToEar(ctx context.Context, b *rcsip.Bursts) (time.Duration, error) {
	b.Silence()
	if err := quiet(ctx, r.speaker, callFarTone); err != nil {
		return 0, fmt.Errorf("the speaker: %w", err)
	}
	heard := r.speaker.Onset(callFarTone)
	sent, err := b.Tone(ctx, callFarTone)
	if err != nil {
		return 0, err
	}
	defer b.Silence()
	select {
	case at := <-heard:
		return at.Sub(sent), nil
	case <-ctx.Done():
		return 0, fmt.Errorf("the far end's %d Hz never played on the speaker: %w", callFarTone, ctx.Err())
	}
}

// mouthToFar plays one burst into the microphone and times it from its onset on the
// microphone source to its onset decoded at the far end.
func (r *callRig) mouthToFar(ctx context.Context, c *rcsip.Call) (time.Duration, error) {
	if err := c.WaitSilence(ctx); err != nil {
		return 0, err
	}
	farHeard := c.ToneOnset(callMicTone)
	spoken := r.mic.Onset(callMicTone)
	stop, err := r.pa.PlayTone(pulsetest.MicFeed, callMicTone)
	if err != nil {
		return 0, err
	}
	defer stop()
	var start time.Time
	select {
	case start = <-spoken:
	case <-ctx.Done():
		return 0, fmt.Errorf("the tone never reached the microphone source: %w", ctx.Err())
	}
	at, err := farHeard(ctx)
	if err != nil {
		return 0, err
	}
	return at.Sub(start), nil
}

// quiet waits until freq is no longer heard on rec (the last burst's tail has played).
func quiet(ctx context.Context, rec *pulsetest.Recorder, freq float64) error {
	t := time.NewTicker(10 * time.Millisecond) // polling a level: there is no event for it
	defer t.Stop()
	for pulsetest.Heard(rec.Level(freq)) {
		select {
		case <-t.C:
		case <-ctx.Done():
			return fmt.Errorf("%v Hz did not stop: %w", freq, ctx.Err())
		}
	}
	return nil
}

// cpuWindow measures the CPU of p's processes over -calltime with a tone both ways, then
// checks that the call still carried both tones at its end.
func (r *callRig) cpuWindow(ctx context.Context, p *proc, c *rcsip.Call, b *rcsip.Bursts) (cpuWindow, error) {
	if _, err := b.Tone(ctx, callFarTone); err != nil {
		return cpuWindow{}, err
	}
	stop, err := r.pa.PlayTone(pulsetest.MicFeed, callMicTone)
	if err != nil {
		return cpuWindow{}, err
	}
	defer stop()
	if err := c.WaitTone(ctx, callMicTone); err != nil {
		return cpuWindow{}, err
	}
	before, err := procmem.CPUs(p.cmd.Process.Pid)
	if err != nil {
		return cpuWindow{}, err
	}
	time.Sleep(r.o.callTime) // the window being measured, not a wait for a condition
	after, err := procmem.CPUs(p.cmd.Process.Pid)
	if err != nil {
		return cpuWindow{}, fmt.Errorf("%s during the call: %w\n%s", p.name, err, tail(p.output(), 2000))
	}
	if !pulsetest.Heard(r.speaker.Level(callFarTone)) {
		return cpuWindow{}, errors.New("the far end's tone was no longer on the speaker at the end of the CPU window")
	}
	check, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := c.WaitTone(check, callMicTone); err != nil {
		return cpuWindow{}, fmt.Errorf("the microphone no longer reached the far end at the end of the CPU window: %w", err)
	}
	return cpuDelta(before, after, r.o.callTime), nil
}
