package calling

import (
	"strconv"
	"strings"
)

// SDP edits the engine makes on the text itself, so that everything else in a description
// stays byte for byte as pion or the far end wrote it.

// section is one m= section of a description: its lines, without line ends.
type sdpText struct {
	eol      string
	session  []string
	sections [][]string
}

func parseSDP(s string) sdpText {
	t := sdpText{eol: "\r\n"}
	if !strings.Contains(s, "\r\n") {
		t.eol = "\n"
	}
	for _, l := range strings.Split(strings.TrimRight(s, "\r\n"), t.eol) {
		switch {
		case strings.HasPrefix(l, "m="):
			t.sections = append(t.sections, []string{l})
		case len(t.sections) > 0:
			t.sections[len(t.sections)-1] = append(t.sections[len(t.sections)-1], l)
		default:
			t.session = append(t.session, l)
		}
	}
	return t
}

func (t sdpText) String() string {
	lines := append([]string(nil), t.session...)
	for _, s := range t.sections {
		lines = append(lines, s...)
	}
	return strings.Join(lines, t.eol) + t.eol
}

var directions = []string{"sendrecv", "sendonly", "recvonly", "inactive"}

func isDirection(l string) bool {
	for _, d := range directions {
		if l == "a="+d {
			return true
		}
	}
	return false
}

// direction of section i: its own attribute, or the session's, or sendrecv.
func (t sdpText) direction(i int) string {
	for _, lines := range [][]string{t.sections[i], t.session} {
		for _, l := range lines {
			if isDirection(l) {
				return l[2:]
			}
		}
	}
	return "sendrecv"
}

func (t sdpText) mid(i int) string {
	for _, l := range t.sections[i] {
		if m, ok := strings.CutPrefix(l, "a=mid:"); ok {
			return m
		}
	}
	return ""
}

func (t sdpText) setDirection(i int, d string) {
	for j, l := range t.sections[i] {
		if isDirection(l) {
			t.sections[i][j] = "a=" + d
			return
		}
	}
	t.sections[i] = append(t.sections[i], "a="+d)
}

// midsOf lists the mids of the m= sections, in order.
func midsOf(s string) []string {
	t := parseSDP(s)
	mids := make([]string, len(t.sections))
	for i := range t.sections {
		mids[i] = t.mid(i)
	}
	return mids
}

// directionsOf maps each section's mid to its direction.
func directionsOf(s string) map[string]string {
	t := parseSDP(s)
	dirs := map[string]string{}
	for i := range t.sections {
		dirs[t.mid(i)] = t.direction(i)
	}
	return dirs
}

// withDirections gives the sections of s the directions dirs names (by mid).
func withDirections(s string, dirs map[string]string) string {
	t := parseSDP(s)
	for i := range t.sections {
		if d, ok := dirs[t.mid(i)]; ok && d != t.direction(i) {
			t.setDirection(i, d)
		}
	}
	return t.String()
}

// withMids adds a=mid to each section without one: mids[i] when given (the mids of the
// offer an answer answers), else the section's index, as sip.js does.
func withMids(s string, mids []string) string {
	t := parseSDP(s)
	changed := false
	for i := range t.sections {
		if t.mid(i) != "" {
			continue
		}
		m := strconv.Itoa(i)
		if i < len(mids) && mids[i] != "" {
			m = mids[i]
		}
		t.sections[i] = append(t.sections[i], "a=mid:"+m)
		changed = true
	}
	if !changed {
		return s
	}
	return t.String()
}

// fitAnswer narrows each section of answer to what the offer allows: a sendonly offer is
// answered recvonly (or inactive), a recvonly one sendonly (or inactive).
func fitAnswer(answer, offer string) string {
	if offer == "" {
		return answer
	}
	a, o := parseSDP(answer), parseSDP(offer)
	changed := false
	for i := range a.sections {
		if i >= len(o.sections) {
			break
		}
		od, ad := o.direction(i), a.direction(i)
		d := directionOf(sends(ad) && receives(od), receives(ad) && sends(od))
		if d != ad {
			a.setDirection(i, d)
			changed = true
		}
	}
	if !changed {
		return answer
	}
	return a.String()
}

func sends(d string) bool    { return d == "sendrecv" || d == "sendonly" }
func receives(d string) bool { return d == "sendrecv" || d == "recvonly" }

func directionOf(send, recv bool) string {
	switch {
	case send && recv:
		return "sendrecv"
	case send:
		return "sendonly"
	case recv:
		return "recvonly"
	}
	return "inactive"
}

// iceCandidate is an RTCIceCandidateInit.
type iceCandidate struct {
	Candidate     string `json:"candidate"`
	SDPMid        string `json:"sdpMid"`
	SDPMLineIndex int    `json:"sdpMLineIndex"`
}

// candidatesOf lists the candidates in s as the page's icecandidate events carry them.
func candidatesOf(s string) []iceCandidate {
	t := parseSDP(s)
	var out []iceCandidate
	for i, sec := range t.sections {
		for _, l := range sec {
			if c, ok := strings.CutPrefix(l, "a=candidate:"); ok {
				out = append(out, iceCandidate{"candidate:" + c, t.mid(i), i})
			}
		}
	}
	return out
}

// mediaShape is what s says about its media, without what an ICE restart or a new
// version changes (credentials, candidates, the origin line): two offers of the same
// shape negotiate the same media.
func mediaShape(s string) string {
	t := parseSDP(s)
	var shape []string
	for _, sec := range t.sections {
		for _, l := range sec {
			if !isICELine(l) {
				shape = append(shape, l)
			}
		}
	}
	return strings.Join(shape, "\n")
}

func isICELine(l string) bool {
	for _, p := range []string{"a=candidate:", "a=end-of-candidates", "a=ice-ufrag:", "a=ice-pwd:", "c="} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// telephoneEventMids is the set of mids whose sections of s have telephone-event.
func telephoneEventMids(s string) map[string]bool {
	t := parseSDP(s)
	out := map[string]bool{}
	for i, sec := range t.sections {
		for _, l := range sec {
			if _, codec, ok := strings.Cut(l, " "); ok && strings.HasPrefix(l, "a=rtpmap:") &&
				strings.HasPrefix(strings.ToLower(codec), "telephone-event/") {
				out[t.mid(i)] = true
			}
		}
	}
	return out
}

// iceUfrag is the first a=ice-ufrag of s (session or section level).
func iceUfrag(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if u, ok := strings.CutPrefix(strings.TrimRight(l, "\r"), "a=ice-ufrag:"); ok {
			return u
		}
	}
	return ""
}
