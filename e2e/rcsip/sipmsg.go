package rcsip

import (
	"fmt"
	"strconv"
	"strings"
)

// message is one SIP request or response as it travels in one WebSocket text frame
// (RFC 7118: one message per frame, so the body is everything after the blank line).
type message struct {
	method string // a request's method, "" for a response
	uri    string // a request's Request-URI
	status int    // a response's code
	reason string
	// headers keeps names as sent and their order; repeated names stay repeated.
	headers [][2]string
	body    string
}

// parseMessage reads one SIP message; it is strict about the start line only.
func parseMessage(s string) (*message, error) {
	head, body, ok := strings.Cut(s, "\r\n\r\n")
	if !ok {
		return nil, fmt.Errorf("sip: no blank line after the headers")
	}
	lines := strings.Split(head, "\r\n")
	m := &message{body: body}
	start := strings.SplitN(lines[0], " ", 3)
	if len(start) != 3 {
		return nil, fmt.Errorf("sip: bad start line %q", lines[0])
	}
	if start[0] == "SIP/2.0" {
		code, err := strconv.Atoi(start[1])
		if err != nil {
			return nil, fmt.Errorf("sip: bad status %q", lines[0])
		}
		m.status, m.reason = code, start[2]
	} else {
		if start[2] != "SIP/2.0" {
			return nil, fmt.Errorf("sip: bad request line %q", lines[0])
		}
		m.method, m.uri = start[0], start[1]
	}
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("sip: bad header %q", l)
		}
		m.headers = append(m.headers, [2]string{strings.TrimSpace(name), strings.TrimSpace(value)})
	}
	if n, err := strconv.Atoi(m.get("Content-Length")); err == nil && n <= len(body) {
		m.body = body[:n]
	}
	return m, nil
}

// compact maps RFC 3261's compact header names to the long ones.
var compact = map[string]string{"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length", "c": "content-type"}

func canonical(name string) string {
	n := strings.ToLower(name)
	if long, ok := compact[n]; ok {
		return long
	}
	return n
}

// get is the first value of the named header, "" when absent.
func (m *message) get(name string) string {
	for _, h := range m.headers {
		if canonical(h[0]) == canonical(name) {
			return h[1]
		}
	}
	return ""
}

// all is every value of the named header, in order.
func (m *message) all(name string) []string {
	var vs []string
	for _, h := range m.headers {
		if canonical(h[0]) == canonical(name) {
			vs = append(vs, h[1])
		}
	}
	return vs
}

func (m *message) set(name, value string) {
	for i, h := range m.headers {
		if canonical(h[0]) == canonical(name) {
			m.headers[i][1] = value
			return
		}
	}
	m.add(name, value)
}

func (m *message) add(name, value string) { m.headers = append(m.headers, [2]string{name, value}) }

// cseq is the CSeq's number and method.
func (m *message) cseq() (int, string) {
	n, method, _ := strings.Cut(m.get("CSeq"), " ")
	num, _ := strconv.Atoi(n)
	return num, strings.TrimSpace(method)
}

func (m *message) String() string {
	var b strings.Builder
	if m.method != "" {
		fmt.Fprintf(&b, "%s %s SIP/2.0\r\n", m.method, m.uri)
	} else {
		fmt.Fprintf(&b, "SIP/2.0 %d %s\r\n", m.status, m.reason)
	}
	for _, h := range m.headers {
		if canonical(h[0]) == "content-length" {
			continue
		}
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(m.body), m.body)
	return b.String()
}

// response makes the response to req that RFC 3261 §8.2.6 describes: Via, From, To,
// Call-ID and CSeq copied; toTag is added to To when it has none. Header names are spelled
// as the platform spells them (Call-Id): ringcentral-web-phone 2.x reads them case-sensitively.
func response(req *message, status int, reason, toTag string) *message {
	r := &message{status: status, reason: reason}
	for _, v := range req.all("Via") {
		r.add("Via", v)
	}
	r.add("From", req.get("From"))
	to := req.get("To")
	if toTag != "" && tagOf(to) == "" {
		to += ";tag=" + toTag
	}
	r.add("To", to)
	r.add("Call-Id", req.get("Call-ID"))
	r.add("CSeq", req.get("CSeq"))
	return r
}

// tagOf is the tag parameter of a From or To value.
func tagOf(v string) string { return param(v, "tag") }

// param is the named ;parameter of a header value (outside its <...> URI), "" when absent.
func param(v, name string) string {
	if i := strings.LastIndex(v, ">"); i >= 0 {
		v = v[i+1:]
	}
	for _, p := range strings.Split(v, ";")[1:] {
		k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, name) {
			return val
		}
	}
	return ""
}

// uriOf is the URI inside a name-addr (<sip:...>) or the bare URI before parameters.
func uriOf(v string) string {
	if i := strings.Index(v, "<"); i >= 0 {
		if j := strings.Index(v[i:], ">"); j >= 0 {
			return v[i+1 : i+j]
		}
	}
	u, _, _ := strings.Cut(strings.TrimSpace(v), ";")
	return u
}

// userOf is the user part of a sip: URI.
func userOf(uri string) string {
	u := strings.TrimPrefix(strings.TrimPrefix(uri, "sips:"), "sip:")
	user, _, ok := strings.Cut(u, "@")
	if !ok {
		return ""
	}
	return user
}

// digestParams reads the name="value" pairs of a Digest challenge or credentials.
func digestParams(v string) map[string]string {
	v = strings.TrimSpace(v)
	v = strings.TrimPrefix(v, "Digest")
	out := map[string]string{}
	for _, part := range splitQuoted(v) {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		out[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(val), `"`)
	}
	return out
}

// splitQuoted splits on commas that are outside double quotes.
func splitQuoted(s string) []string {
	var parts []string
	quoted, start := false, 0
	for i, c := range s {
		switch c {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}
