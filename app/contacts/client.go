package contacts

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"golang.org/x/oauth2"

	"github.com/embeddable-tray/embeddable-tray/internal/loopback"
	"github.com/embeddable-tray/embeddable-tray/internal/redact"
	"github.com/embeddable-tray/embeddable-tray/internal/weborigin"
)

// maxResponse bounds one answer of the address book server, whatever its shape: a
// multiget of multigetBatch cards with photos stays well below it; an endless body stops
// here instead of filling memory.
const maxResponse = 32 << 20

// ErrTooLarge: an answer of the address book server went past maxResponse bytes.
var ErrTooLarge = fmt.Errorf("contacts: the address book server sent an answer larger than %d MiB", maxResponse>>20)

// ErrOtherOrigin: a request (a redirect, a discovery hop) would leave the address book's
// origin. It is refused before anything is sent, so no credential goes there.
var ErrOtherOrigin = errors.New("contacts: refusing to leave the address book's origin")

// CheckURL says whether rawURL can be the address book's URL: absolute, and https (plain
// http only to this machine), since the credentials travel to it.
func CheckURL(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("contacts: the address book URL %q is not an absolute URL", redact.URL(rawURL))
	}
	if !loopback.Secure(u) {
		return fmt.Errorf("contacts: the address book URL %q must be https (plain http only on 127.0.0.1/localhost): the credentials travel to it", redact.URL(rawURL))
	}
	return nil
}

// NewClient returns the HTTP client a Book reaches serverURL through. auth adds the
// credentials (Bearer, or app/apppassword's Basic auth) and sees only requests to
// serverURL's origin: every other request, a redirect or a discovery hop elsewhere
// included, is refused before it is sent. Every answer is cut at maxResponse bytes
// (ErrTooLarge); the Book's handlers bound the time with their context.
func NewClient(serverURL string, auth http.RoundTripper) (*http.Client, error) {
	if err := CheckURL(serverURL); err != nil {
		return nil, err
	}
	u, _ := url.Parse(serverURL)
	if auth == nil {
		auth = http.DefaultTransport
	}
	return &http.Client{Transport: &originGuard{origin: u, next: auth}, Timeout: contactsTimeout}, nil
}

// originGuard keeps every request on one origin and bounds every answer.
type originGuard struct {
	origin *url.URL
	next   http.RoundTripper
}

func (g *originGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if !weborigin.Same(req.URL, g.origin) || !loopback.Secure(req.URL) {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("%w: %s is not %s", ErrOtherOrigin, weborigin.Of(req.URL), weborigin.Of(g.origin))
	}
	resp, err := g.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{rc: resp.Body, left: maxResponse}
	return resp, nil
}

// limitedBody fails with ErrTooLarge past its limit rather than cutting silently, so a
// truncated answer is never taken for a whole one.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, ErrTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// Bearer sets the current access token on every request: Tokens is asked each time (the
// app's Token, the one owner of the token), so a new sign-in is used at once and a token
// of a signed-out session never is. A slow refresh cannot outlast the request's context.
type Bearer struct {
	Tokens oauth2.TokenSource
	Base   http.RoundTripper // nil means http.DefaultTransport
}

func (b *Bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	type got struct {
		tok *oauth2.Token
		err error
	}
	ch := make(chan got, 1)
	go func() {
		t, err := b.Tokens.Token()
		ch <- got{t, err}
	}()
	var g got
	select {
	case g = <-ch:
	case <-req.Context().Done():
		g.err = req.Context().Err()
	}
	if g.err == nil && (g.tok == nil || g.tok.AccessToken == "") {
		g.err = errors.New("contacts: no access token")
	}
	if g.err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, g.err
	}
	r2 := req.Clone(req.Context()) // a RoundTripper must not change the caller's request
	g.tok.SetAuthHeader(r2)
	base := b.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r2)
}
