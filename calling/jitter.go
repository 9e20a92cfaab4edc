package calling

import "github.com/pion/rtp"

// jitterBuffer orders the far end's packets for playout, one per frame, and says what to
// do when one is missing. It is bounded: it never holds more than maxDepth packets ahead,
// dropping the oldest when the far end runs ahead (a burst after a stall), so the delay
// cannot grow. Not safe for concurrent use.
type jitterBuffer struct {
	pkts    map[uint16]*rtp.Packet
	next    uint16 // sequence number to play next
	playing bool
	misses  int // frames concealed in a row
}

const (
	prefill  = 2  // packets waited for before playing (40 ms)
	maxDepth = 10 // packets held at most (200 ms)
	maxMiss  = 5  // concealed frames before the buffer waits for a new prefill
)

func newJitterBuffer() *jitterBuffer { return &jitterBuffer{pkts: map[uint16]*rtp.Packet{}} }

// seqBefore reports whether a comes before b, sequence numbers wrapping.
func seqBefore(a, b uint16) bool { return a != b && b-a < 0x8000 }

func (j *jitterBuffer) push(p *rtp.Packet) {
	if j.playing && seqBefore(p.SequenceNumber, j.next) {
		return // too late: its frame was played or concealed
	}
	j.pkts[p.SequenceNumber] = p
	for len(j.pkts) > maxDepth {
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
	}
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
