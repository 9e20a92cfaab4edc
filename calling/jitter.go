package calling

import (
	"math"

	"github.com/pion/rtp"
)

// jitterBuffer orders the far end's packets for playout, one per frame, and says what to
// do when one is missing. Its delay comes back to its target (prefill) after a burst: a
// backlog that queued before playout began is dropped then (the sound server had not started
// pulling: the echo canceller's sink starts seconds after the call), and while playing,
// frames held above the target for a whole window are dropped one at a time (see skip), as
// a softphone's buffer does. It is bounded besides: it never holds more than maxDepth
// packets, dropping the oldest. Not safe for concurrent use.
type jitterBuffer struct {
	pkts    map[uint16]*rtp.Packet
	next    uint16 // sequence number to play next
	playing bool
	misses  int // frames concealed in a row

	// low is the fewest packets held at a pop in the current window of pops; excess is
	// how many of them the last window held above target throughout: frames to drop.
	low, pops, excess int
	sinceDrop         int // frames played since the last drop
}

const (
	prefill  = 2  // packets waited for before playing (40 ms): the target delay
	maxDepth = 10 // packets held at most (200 ms)
	maxMiss  = 5  // concealed frames before the buffer waits for a new prefill
	// window is how long (in frames: 1 s) the buffer must hold more than its target before
	// it drains: a delay that jitter needs comes and goes within it.
	window = 50
	// dropEvery: at most one frame in dropEvery is dropped while the far end is not quiet
	// (a 20 ms jump in the sound, one in 200 ms); quiet frames go one after another.
	dropEvery = 10
)

func newJitterBuffer() *jitterBuffer {
	return &jitterBuffer{pkts: map[uint16]*rtp.Packet{}, low: math.MaxInt}
}

// seqBefore reports whether a comes before b, sequence numbers wrapping.
func seqBefore(a, b uint16) bool { return a != b && b-a < 0x8000 }

func (j *jitterBuffer) push(p *rtp.Packet) {
	if j.playing && seqBefore(p.SequenceNumber, j.next) {
		return // too late: its frame was played or concealed
	}
	j.pkts[p.SequenceNumber] = p
	limit := maxDepth
	if !j.playing {
		// Nothing plays yet: what queued is stale, playout starts with the newest.
		limit = prefill
	}
	for len(j.pkts) > limit {
		j.dropOldest()
	}
}

func (j *jitterBuffer) oldest() uint16 {
	first, ok := uint16(0), false
	for s := range j.pkts {
		if !ok || seqBefore(s, first) {
			first, ok = s, true
		}
	}
	return first
}

func (j *jitterBuffer) dropOldest() {
	o := j.oldest()
	delete(j.pkts, o)
	if j.playing && !seqBefore(o+1, j.next) {
		j.next = o + 1
	}
}

// pop gives the packet for the next frame. With none, lost reports whether the frame is to
// be concealed (a packet is missing in a flow; next is the one after it, if here, for FEC)
// rather than played as silence (nothing is coming: before the start or after a stall).
func (j *jitterBuffer) pop() (p, next *rtp.Packet, lost bool) {
	if !j.playing {
		if len(j.pkts) < prefill {
			return nil, nil, false
		}
		j.playing, j.next, j.misses = true, j.oldest(), 0
		j.low, j.pops, j.excess = math.MaxInt, 0, 0
	}
	j.measure()
	if p = j.pkts[j.next]; p != nil {
		delete(j.pkts, j.next)
		j.next++
		j.misses = 0
		return p, nil, false
	}
	j.misses++
	if j.misses > maxMiss && len(j.pkts) == 0 {
		j.playing = false // a stall (hold, a network break): wait for a new prefill
		return nil, nil, false
	}
	j.next++
	return nil, j.pkts[j.next], true
}

// measure notes how many packets are held as one is played; at the end of a window, what
// was held above the target all through it is the excess to drop.
func (j *jitterBuffer) measure() {
	j.sinceDrop++
	j.low = min(j.low, len(j.pkts))
	if j.pops++; j.pops < window {
		return
	}
	j.excess = max(0, j.low-prefill)
	j.low, j.pops = math.MaxInt, 0
}

// skip is asked about a frame just popped and decoded (the decoder's state stays whole):
// it reports whether to drop it rather than play it, bringing the delay back to target.
// A dropped frame is not played: the caller pops the next one in its place.
func (j *jitterBuffer) skip(quiet bool) bool {
	if j.excess == 0 || len(j.pkts) < prefill || !quiet && j.sinceDrop < dropEvery {
		return false
	}
	j.excess--
	j.sinceDrop = 0
	return true
}
