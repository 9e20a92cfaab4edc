package calling

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/internal/pulsetest"
)

// BenchmarkMouthToEar measures a call's latency on loopback, both ways, for the bench's
// call row: far-to-speaker-ms from the far end's first tone packet to the tone on the
// speaker; mic-to-far-ms from the tone on the microphone to the far end hearing it.
// Both include the sound server's buffers, as a user's ear would. jitter-buffer-ms is how
// long the far end's audio waited in the engine's jitter buffer on average over the run,
// by the engine's own counters (getStats: jitterBufferDelay / jitterBufferEmittedCount).
// The far end here stops sending between bursts, so each burst starts the buffer afresh;
// make bench's far end sends silence between them, as a phone does.
//
//	go test -run '^$' -bench MouthToEar -benchtime 5x ./calling/
func BenchmarkMouthToEar(b *testing.B) {
	s, srv := engineOn(b)
	speaker := srv.Record(b, pulsetest.Speaker+".monitor")
	mic := srv.Record(b, pulsetest.Mic)
	stopMic := srv.Tone(b, pulsetest.MicFeed, micTone)
	c := inbound(s, "pc1", newFarEnd(b, farTone, "opus"), nil)
	twoWay(b, speaker, c, farTone)

	var toSpeaker, toFar time.Duration
	start := c.bufferDelay()
	for b.Loop() {
		c.far.paused <- true
		require.Eventually(b, func() bool { return !pulsetest.Heard(speaker.Level(farTone)) }, wait, poll)
		heard := speaker.Onset(farTone)
		c.far.paused <- false
		toSpeaker += onsetAfter(b, heard, <-c.far.resumed)

		stopMic()
		require.Eventually(b, func() bool { return !pulsetest.Heard(c.far.level(micTone)) }, wait, poll)
		spoken, farHeard := mic.Onset(micTone), c.far.onsetOf(micTone)
		stopMic = srv.Tone(b, pulsetest.MicFeed, micTone)
		start := <-spoken
		toFar += onsetAfter(b, farHeard, start)
	}
	b.ReportMetric(float64(toSpeaker.Milliseconds())/float64(b.N), "far-to-speaker-ms")
	b.ReportMetric(float64(toFar.Milliseconds())/float64(b.N), "mic-to-far-ms")
	delay, _ := c.bufferDelay().since(start)
	b.ReportMetric(delay*1000, "jitter-buffer-ms")
}

func onsetAfter(b *testing.B, heard <-chan time.Time, start time.Time) time.Duration {
	select {
	case at := <-heard:
		return at.Sub(start)
	case <-time.After(wait):
		b.Fatal("the tone was not heard")
		return 0
	}
}
