package contacts

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/embeddable-tray/embeddable-tray/internal/radicaletest"
)

// currentToken plays the app's Token: one owner of the token, which changes with each
// sign-in.
type currentToken struct {
	mu  sync.Mutex
	tok string
}

func (c *currentToken) set(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tok = tok
}

func (c *currentToken) Token() (*oauth2.Token, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return &oauth2.Token{AccessToken: c.tok, TokenType: "Bearer"}, nil
}

func guardedBook(t *testing.T, url string, tokens oauth2.TokenSource) *Book {
	t.Helper()
	hc, err := NewClient(url, &Bearer{Tokens: tokens})
	require.NoError(t, err)
	return New(Config{URL: url, ServiceName: "TestCRM"}, hc, nil)
}

// TestNewSignInTokenServesContacts reproduces issue 9 point 3: after a sign-out, the
// provider's revocation and a new sign-in, the address book is read with the new token,
// and the server (which refuses the old one) serves it.
func TestNewSignInTokenServesContacts(t *testing.T) {
	_, g, _ := seeded(t)
	tokens := &currentToken{tok: "first"}
	g.SetTokens("first")
	b := guardedBook(t, g.URL+"/"+radicaletest.User+"/contacts/", tokens)
	require.Len(t, contactsPage(t, b, `{"page":1}`).Data, len(fiveCards))

	b.Clear()             // sign-out
	g.SetTokens("second") // "first" is revoked; a new sign-in got "second"
	tokens.set("second")
	got, err := b.HandleContacts(context.Background(), []byte(`{"page":1}`))
	require.NoError(t, err, "the new sign-in's token must be used")
	assert.Len(t, got.(*ContactsResponse).Data, len(fiveCards))
}

// recorder is another origin that records every request it gets.
type recorder struct {
	mu    sync.Mutex
	auths []string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.auths = append(r.auths, req.Header.Get("Authorization"))
	r.mu.Unlock()
	http.Error(w, "nothing here", http.StatusNotFound)
}

func (r *recorder) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.auths...)
}

// TestRedirectElsewhereGetsNoToken reproduces issue 9 point 4: a CardDAV server (or its
// /.well-known/carddav) that redirects to another origin. Nothing is sent there, so the
// bearer token cannot be.
func TestRedirectElsewhereGetsNoToken(t *testing.T) {
	for _, tt := range []struct{ name, path string }{
		{"every request", "/dav/book/"},
		{"well-known", "/"}, // an empty path starts with /.well-known/carddav
	} {
		t.Run(tt.name, func(t *testing.T) {
			evil := &recorder{}
			evilSrv := httptest.NewServer(evil)
			defer evilSrv.Close()
			var toEvil atomic.Int32
			dav := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.path == "/" && r.URL.Path != "/.well-known/carddav" {
					http.Error(w, "no", http.StatusNotFound)
					return
				}
				toEvil.Add(1)
				http.Redirect(w, r, evilSrv.URL+"/steal"+r.URL.Path, http.StatusTemporaryRedirect)
			}))
			defer dav.Close()

			b := guardedBook(t, dav.URL+tt.path, &currentToken{tok: "secret-token"})
			_, err := b.HandleContacts(context.Background(), []byte(`{"page":1}`))
			require.Error(t, err)
			require.Positive(t, toEvil.Load(), "the server redirected")
			assert.Empty(t, evil.seen(), "the other origin got requests (and so the token)")
		})
	}
}

// TestCheckURL: the credentials travel only over https, or plain http on this machine.
func TestCheckURL(t *testing.T) {
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{"https://dav.example.com/ab/", true},
		{"http://127.0.0.1:5232/ab/", true},
		{"http://localhost:5232/", true},
		{"http://[::1]:5232/", true},
		{"http://dav.example.com/ab/", false},
		{"http://127.0.0.1.evil.example/", false},
		{"ftp://dav.example.com/", false},
		{"/ab/", false},
	} {
		t.Run(tt.url, func(t *testing.T) {
			err := CheckURL(tt.url)
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			assert.Error(t, err)
			_, err = NewClient(tt.url, nil)
			assert.Error(t, err)
		})
	}
}

// TestOriginGuardRefusesBeforeSending: plain http on the same host, another port, a
// subdomain: each is another origin, refused before anything is sent.
func TestOriginGuardRefusesBeforeSending(t *testing.T) {
	var sent atomic.Int32
	next := roundTripFunc(func(*http.Request) (*http.Response, error) {
		sent.Add(1)
		return nil, errors.New("sent")
	})
	hc, err := NewClient("https://dav.example.com/ab/", next)
	require.NoError(t, err)
	for _, u := range []string{"http://dav.example.com/ab/", "https://dav.example.com:8443/ab/", "https://p1.dav.example.com/ab/"} {
		_, err := hc.Get(u)
		require.ErrorIs(t, err, ErrOtherOrigin, u)
	}
	assert.Zero(t, sent.Load())
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestEndlessAnswerIsCut reproduces issue 9 point 4's endless response: the server answers
// every request with an XML body that never ends (one endless text node). The handler
// returns an error, and each answer is read only up to the cap: the server could write no
// more than the cap plus what the sockets buffer.
func TestEndlessAnswerIsCut(t *testing.T) {
	const socketSlack = 16 << 20 // kernel send and receive buffers on loopback, at most
	endless := radicaletest.NewEndless(8)
	srv := httptest.NewServer(endless)
	defer srv.Close()

	b := guardedBook(t, srv.URL+"/dav/book/", &currentToken{tok: "t"})
	_, err := b.HandleContacts(context.Background(), []byte(`{"page":1}`))
	require.Error(t, err)
	srv.CloseClientConnections()
	<-endless.Done // at least the request that failed the handler has ended
	written := endless.Written()
	require.NotEmpty(t, written)
	for _, n := range written {
		assert.LessOrEqual(t, n, int64(maxResponse+socketSlack), "bytes the server got to write into one answer")
	}
}

// TestBearerWaitsNoLongerThanTheRequest: a token source that never answers (a refresh
// hanging) does not hold the request past its context.
func TestBearerWaitsNoLongerThanTheRequest(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	stuck := tokenFunc(func() (*oauth2.Token, error) { <-block; return nil, errors.New("unblocked") })
	hc, err := NewClient("http://127.0.0.1:1/", &Bearer{Tokens: stuck})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:1/", nil)
	require.NoError(t, err)
	cancel()
	_, err = hc.Do(req)
	require.ErrorIs(t, err, context.Canceled)
}

type tokenFunc func() (*oauth2.Token, error)

func (f tokenFunc) Token() (*oauth2.Token, error) { return f() }

// TestLookupDoesNotWaitPastItsTimeout: a search behind a sync that hangs on the server
// answers (with an error) when its own context ends, not when the sync does: the widget
// gives search and match 30 s, contacts 60 s.
func TestLookupDoesNotWaitPastItsTimeout(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(entered) })
		select {
		case <-release:
		case <-r.Context().Done():
		}
		http.Error(w, "late", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	defer close(release)
	b := guardedBook(t, srv.URL+"/dav/book/", &currentToken{tok: "t"})
	go func() { _, _ = b.HandleContacts(context.Background(), []byte(`{"page":1}`)) }()
	<-entered

	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the widget's timeout, already over
	_, err := b.HandleSearch(ctx, []byte(`{"searchString":"ann"}`))
	require.ErrorIs(t, err, context.Canceled)
}

// TestLimitedBody: a body of exactly the limit is read whole; one byte more is an error,
// never a silently cut answer.
func TestLimitedBody(t *testing.T) {
	for _, tt := range []struct {
		body    string
		wantErr error
	}{
		{"12345", nil},
		{"123456", ErrTooLarge},
		{"", nil},
	} {
		got, err := io.ReadAll(&limitedBody{rc: io.NopCloser(strings.NewReader(tt.body)), left: 5})
		if tt.wantErr != nil {
			require.ErrorIs(t, err, tt.wantErr, tt.body)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tt.body, string(got))
	}
}
