package bridge

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
)

var benchRequest = []byte(`{"type":"rc-post-message-request","requestId":"1b4e28ba-2fa1-11d2-883f-0016d3cca427","path":"/contacts/match","body":{"phoneNumbers":["+15551234567","+15557654321"]}}`)

// benchPage is a contacts page of n entries, the largest answer the host sends.
func benchPage(n int) *page {
	p := &page{SyncTimestamp: 1700000000000}
	for i := 0; i < n; i++ {
		p.Data = append(p.Data, fmt.Sprintf("contact-%04d Ann Example +1555%07d ann%d@example.com", i, i, i))
	}
	return p
}

func BenchmarkDecode(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchRequest)))
	for b.Loop() {
		if _, err := Decode(benchRequest); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRoute(b *testing.B) {
	r := NewRouter()
	r.Handle("/authorize", returning("ok", nil))
	r.Handle("/contacts", returning(benchPage(100), nil))
	ctx := context.Background()
	for _, path := range []string{"/authorize", "/contacts", "/missing"} {
		b.Run(path[1:], func(b *testing.B) {
			b.ReportAllocs()
			req := Request{RequestID: "1b4e28ba", Path: path, Body: json.RawMessage(`{"page":1}`)}
			for b.Loop() {
				r.Serve(ctx, req)
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	r := NewRouter()
	r.Handle("/contacts", returning(benchPage(100), nil))
	msgs := map[string]Outbound{
		"register":      RegisterService{Service: Service{Name: "TestService", DisplayName: "Test", AuthorizationPath: "/authorize", AuthorizedTitle: "Unauthorize", UnauthorizedTitle: "Authorize"}},
		"authorization": UpdateAuthorization{Authorized: true, AuthorizedAccount: "ann@example.com"},
		"response-ok":   Response{ResponseID: "1b4e28ba", Response: json.RawMessage(`{"data":"ok"}`)},
		"response-100":  r.Serve(context.Background(), Request{RequestID: "1b4e28ba", Path: "/contacts"}),
	}
	for _, name := range []string{"register", "authorization", "response-ok", "response-100"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				msg, err := Encode(msgs[name])
				if err != nil {
					b.Fatal(err)
				}
				_ = PostScript(testOrigin, msg)
			}
		})
	}
}

// BenchmarkReceive is the UI thread's share of one widget message: origin, secret and size
// checks, envelope and message decoding, queueing.
func BenchmarkReceive(b *testing.B) {
	c := NewConn(Config{Send: func(string) {}, Origin: testOrigin, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	c.PageCommitted(testHref)
	if err := c.Receive(testHref, `{"kind":"load","href":"`+testHref+`","secret":"`+testSecret+`"}`); err != nil {
		b.Fatal(err)
	}
	<-c.queue
	envelope := `{"kind":"message","data":` + string(benchRequest) + `,"secret":"` + testSecret + `"}`
	b.ReportAllocs()
	b.SetBytes(int64(len(envelope)))
	for b.Loop() {
		if err := c.Receive(testHref, envelope); err != nil {
			b.Fatal(err)
		}
		<-c.queue
	}
}
