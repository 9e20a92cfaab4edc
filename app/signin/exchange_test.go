package signin

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tokenEndpoint is a provider whose authorize endpoint answers at once with a code and
// whose token endpoint refuses it (invalid_client, as for a wrong client authentication),
// or never answers when hang is set. It records every post to the token endpoint.
type tokenEndpoint struct {
	hang  chan struct{} // nil: refuse at once
	mu    sync.Mutex
	posts []url.Values
}

func (p *tokenEndpoint) serve(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/authorize", approve)
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		p.mu.Lock()
		p.posts = append(p.posts, r.PostForm)
		p.mu.Unlock()
		if p.hang != nil {
			select {
			case <-p.hang:
			case <-r.Context().Done():
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func (p *tokenEndpoint) codePosts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, f := range p.posts {
		if f.Get("code") == "the-code" {
			n++
		}
	}
	return n
}

// TestExchangePostedOnce reproduces issue 9 point 5: a refused code exchange was posted a
// second time with the same code (x/oauth2 guessing the client authentication). With the
// style fixed it is posted once, for a public client and for one with a secret.
func TestExchangePostedOnce(t *testing.T) {
	for _, secret := range []string{"", "s3cret"} {
		t.Run("secret="+secret, func(t *testing.T) {
			p := &tokenEndpoint{}
			srv := p.serve(t)
			c, err := New(Config{AuthorizeURL: srv.URL + "/authorize", TokenURL: srv.URL + "/token",
				ClientID: "app", ClientSecret: secret, Timeout: 30 * time.Second}, nil, nil)
			require.NoError(t, err)
			b := newBrowser()
			_, err = c.SignIn(context.Background(), b)
			require.ErrorIs(t, err, ErrExchange)
			assert.Equal(t, 1, p.codePosts(), "posts of the code to the token endpoint")
			b.lastPage(t)
		})
	}
}

// TestExchangeBoundedBySignInDeadline: a token endpoint that never answers ends the
// sign-in at its own timeout, as a timeout, not at the HTTP client's.
func TestExchangeBoundedBySignInDeadline(t *testing.T) {
	p := &tokenEndpoint{hang: make(chan struct{})}
	defer close(p.hang)
	srv := p.serve(t)
	c, err := New(Config{AuthorizeURL: srv.URL + "/authorize", TokenURL: srv.URL + "/token",
		ClientID: "app", Timeout: 300 * time.Millisecond}, &http.Client{}, nil)
	require.NoError(t, err)
	b := newBrowser()
	_, err = c.SignIn(context.Background(), b)
	require.ErrorIs(t, err, ErrTimeout)
	assert.Equal(t, 1, p.codePosts())
}

// TestTokenEndpointRedirectElsewhereNotFollowed: a token endpoint that redirects the code
// exchange to another origin (a 307 re-posts the form: code, verifier, client secret)
// does not get it followed; the other origin gets nothing.
func TestTokenEndpointRedirectElsewhereNotFollowed(t *testing.T) {
	var mu sync.Mutex
	var stolen []string
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		stolen = append(stolen, r.PostForm.Encode())
		mu.Unlock()
	}))
	defer evil.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/authorize", approve)
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, evil.URL+"/token", http.StatusTemporaryRedirect)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c, err := New(Config{AuthorizeURL: srv.URL + "/authorize", TokenURL: srv.URL + "/token",
		ClientID: "app", ClientSecret: "s3cret", Timeout: 30 * time.Second}, nil, nil)
	require.NoError(t, err)
	_, err = c.SignIn(context.Background(), newBrowser())
	require.ErrorIs(t, err, ErrExchange)
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, stolen, "the other origin got the exchange")
}

// approve is an authorization endpoint that approves at once: back to the redirect URI
// with "the-code" and the request's state.
func approve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	to, _ := url.Parse(q.Get("redirect_uri"))
	to.RawQuery = url.Values{"code": {"the-code"}, "state": {q.Get("state")}}.Encode()
	http.Redirect(w, r, to.String(), http.StatusFound)
}
