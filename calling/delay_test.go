package calling

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// bufferDelay is inbound-rtp's jitter buffer counters, as the page reads them.
type bufferDelay struct{ emitted, delay, target float64 }

func (c *call) bufferDelay() bufferDelay {
	in := c.stats()["inbound-rtp"]
	return bufferDelay{num(in, "jitterBufferEmittedCount"), num(in, "jitterBufferDelay"), num(in, "jitterBufferTargetDelay")}
}

// since is the mean delay and target (seconds) of the samples played since d.
func (d bufferDelay) since(before bufferDelay) (delay, target float64) {
	n := d.emitted - before.emitted
	return (d.delay - before.delay) / n, (d.target - before.target) / n
}

// A call's jitter buffer settles at its target delay, as the engine's own counters (in
// getStats) tell, with the far end sending without a break, as a phone does (silence is
// packets too). On a call through the echo canceller the sound server starts pulling the
// playback seconds after the far end's audio starts to come: the buffer filled to its
// bound then and stayed there for the whole call, 200 ms more on every word.
func TestCallDelaySettlesAtTarget(t *testing.T) {
	s, _, speaker := engineInCall(t)
	c := inbound(s, "pc1", newFarEnd(t, farTone, "opus"), nil)
	twoWay(t, speaker, c, farTone)

	// Compare the counters over each second of audio played (counted in samples played,
	// not waited for by a clock): one of the first few is at the target. The buffer may
	// have to catch up on a backlog first (the machine stalled), which takes it a second
	// and at most one frame in dropEvery (1.6 s for a full buffer); the old buffer stayed
	// 120-160 ms for 12 s here.
	const budget = 5 * rate // samples played within which a second is at the target
	start := c.bufferDelay()
	before := start
	var delay, target float64
	var seconds []string
	require.Eventually(t, func() bool {
		now := c.bufferDelay()
		if now.emitted-before.emitted < rate {
			return false
		}
		delay, target = now.since(before)
		before = now
		seconds = append(seconds, fmt.Sprintf("%.0f ms", delay*1000))
		return target > 0 && delay <= target || now.emitted-start.emitted >= budget
	}, wait, poll, "the call plays no audio")
	require.LessOrEqual(t, delay, target, "the far end's audio waits in the jitter buffer, second by second: %v (target %.0f ms)",
		seconds, target*1000)
	t.Logf("the far end's audio waited, second by second: %v (target %.0f ms)", seconds, target*1000)
}
