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

// FuzzReceive: the bound function never panics, refuses with a known error, queues
// exactly one item for what it accepts (none for ignored types), and never echoes
// the secret.
func FuzzReceive(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add(testSecret, `{"kind":"message","data":`+s+`}`)
	}
	f.Add(testSecret, `{"kind":"load","href":"`+testHref+`"}`)
	f.Add("", `{"kind":"load","href":"`+testHref+`"}`)
	f.Add(testSecret[:63], `{"kind":"message","data":{}}`)
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.Fuzz(func(t *testing.T, secret, envelope string) {
		c := NewConn(Config{Secret: testSecret, Send: func(string) {}, Origin: testOrigin, Logger: discard})
		err := c.Receive(secret, envelope)
		if err != nil {
			known := []error{ErrForbidden, ErrTooLarge, ErrMalformed, ErrBusy, ErrClosed}
			ok := false
			for _, k := range known {
				ok = ok || errors.Is(err, k)
			}
			if !ok {
				t.Fatalf("error of no known kind: %v", err)
			}
			if len(c.queue) != 0 {
				t.Fatal("a refused message was queued")
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Fatal("the error shows the secret")
			}
			return
		}
		if secret != testSecret {
			t.Fatal("accepted a call without the secret")
		}
		if len(c.queue) > 1 {
			t.Fatalf("queued %d items for one call", len(c.queue))
		}
	})
}
