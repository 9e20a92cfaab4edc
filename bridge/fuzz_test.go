package bridge

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
)

// Seeds beside the checked-in corpus (testdata/fuzz/FuzzDecode, testdata/fuzz/FuzzReceive).
var decodeSeeds = []string{
	`{"type":"rc-post-message-request","requestId":"7d1c","path":"/authorize","body":{"authorized":false}}`,
	`{"type":"rc-post-message-request","requestId":"7d1c","path":"/contacts","body":{"page":1,"syncTimestamp":null}}`,
	`{"type":"rc-login-status-notify","loggedIn":true}`,
	`{"type":"rc-adapter-pushAdapterState","size":{"width":300}}`,
	`{"type":"rc-login-popup-notify","oAuthUri":"https://x/?a=1"}`,
	`{"type":"rc-dialer-status-notify","ready":true}`,
	`{"type":"rc-call-ring-notify","call":{}}`,
	`{"type":"rc-inbound-message-notify","message":{}}`,
	`{"type":"rc-route-changed-notify","path":"/dialer"}`,
	`{"type":"rc-call-end-notify"}`,
	`{"type":null}`, `null`, `[]`, `"x"`, ``, `{`,
}

// FuzzDecode: Decode never panics, fails only with its two sentinels, and what it
// accepts keeps the promised invariants.
func FuzzDecode(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Decode(raw)
		if err != nil {
			if m != nil {
				t.Fatalf("error %v with a message %#v", err, m)
			}
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnknownType) {
				t.Fatalf("error of no known kind: %v", err)
			}
			return
		}
		if !json.Valid(raw) {
			t.Fatalf("accepted invalid JSON %q", raw)
		}
		switch m := m.(type) {
		case Request:
			if m.RequestID == "" || !strings.HasPrefix(m.Path, "/") {
				t.Fatalf("accepted a request without id or absolute path: %#v", m)
			}
		case LoginPopup:
			if m.OAuthURI == "" {
				t.Fatal("accepted a login popup without uri")
			}
		}
	})
}

// FuzzReceive: the host message handler never panics, refuses with a known error, queues
// exactly one item for what it accepts (none for ignored types), accepts only from the
// widget's page with that page's secret, and never echoes the secret.
func FuzzReceive(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add(testHref, `{"kind":"message","data":`+s+`,"secret":"`+testSecret+`"}`)
	}
	f.Add(testHref, `{"kind":"load","href":"`+testHref+`","secret":"`+testSecret+`"}`)
	f.Add("https://evil.example/", `{"kind":"message","data":{},"secret":"`+testSecret+`"}`)
	f.Add(testHref, `{"kind":"message","data":{},"secret":"`+testSecret[:63]+`"}`)
	f.Add(testHref, `{"kind":"rtc","data":{"id":1,"op":"pc.create"},"secret":"`+testSecret+`"}`)
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.Fuzz(func(t *testing.T, pageURI, envelope string) {
		c := NewConn(Config{Send: func(string) {}, Origin: testOrigin, Logger: discard, RTC: func(json.RawMessage) {}})
		c.PageCommitted(testHref)
		if err := c.Receive(testHref, `{"kind":"load","href":"`+testHref+`","secret":"`+testSecret+`"}`); err != nil {
			t.Fatal(err)
		}
		<-c.queue
		err := c.Receive(pageURI, envelope)
		queued := len(c.queue) + len(c.rtc)
		if err != nil {
			known := []error{ErrForbidden, ErrNotWidget, ErrTooLarge, ErrMalformed, ErrBusy, ErrClosed}
			ok := false
			for _, k := range known {
				ok = ok || errors.Is(err, k)
			}
			if !ok {
				t.Fatalf("error of no known kind: %v", err)
			}
			if queued != 0 {
				t.Fatal("a refused message was queued")
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Fatal("the error shows the secret")
			}
			return
		}
		if origin(pageURI) != testOrigin || !strings.Contains(envelope, testSecret) {
			t.Fatal("accepted a message from another page or without the page's secret")
		}
		if queued > 1 {
			t.Fatalf("queued %d items for one call", queued)
		}
	})
}
