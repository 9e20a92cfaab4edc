package signin

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// provider is a real OIDC provider on loopback (mockoidc): its authorize endpoint
// redirects at once and it checks PKCE S256 at the token endpoint.
func provider(t *testing.T) *mockoidc.MockOIDC {
	t.Helper()
	m, err := mockoidc.Run()
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown() })
	return m
}

// wire records what went to the provider's token endpoint (to prove secrets stay out of
// logs) and can tamper with it.
type wire struct {
	mu       sync.Mutex
	secrets  []string // codes, verifiers and tokens seen
	tamper   func(form url.Values)
	inner    http.RoundTripper
	requests []string // method + path
}

func (w *wire) RoundTrip(r *http.Request) (*http.Response, error) {
	w.mu.Lock()
	w.requests = append(w.requests, r.Method+" "+r.URL.Path)
	w.mu.Unlock()
	if r.Method == http.MethodPost && r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		form, err := url.ParseQuery(string(b))
		if err != nil {
			return nil, err
		}
		w.mu.Lock()
		for _, k := range []string{"code", "code_verifier", "refresh_token", "token"} {
			if v := form.Get(k); v != "" {
				w.secrets = append(w.secrets, v)
			}
		}
		if w.tamper != nil {
			w.tamper(form)
		}
		w.mu.Unlock()
		r = r.Clone(r.Context())
		body := form.Encode()
		r.Body = io.NopCloser(strings.NewReader(body))
		r.ContentLength = int64(len(body))
	}
	resp, err := w.inner.RoundTrip(r)
	if err == nil && r.Method == http.MethodPost {
		// Tokens in answers are secrets too.
		b, _ := io.ReadAll(resp.Body)
		resp.Body = io.NopCloser(bytes.NewReader(b))
		for _, k := range []string{"access_token", "refresh_token", "id_token"} {
			if v := jsonField(b, k); v != "" {
				w.mu.Lock()
				w.secrets = append(w.secrets, v)
				w.mu.Unlock()
			}
		}
	}
	return resp, err
}

func jsonField(b []byte, key string) string {
	i := bytes.Index(b, []byte(`"`+key+`":"`))
	if i < 0 {
		return ""
	}
	rest := b[i+len(key)+4:]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

// harness is a Client against m, with its log captured.
type harness struct {
	m    *mockoidc.MockOIDC
	c    *Client
	wire *wire
	log  *bytes.Buffer
}

func newHarness(t *testing.T, m *mockoidc.MockOIDC, edit func(*Config)) *harness {
	t.Helper()
	cfg := Config{
		AuthorizeURL: m.AuthorizationEndpoint(), TokenURL: m.TokenEndpoint(), UserinfoURL: m.UserinfoEndpoint(),
		ClientID: m.ClientID, ClientSecret: m.ClientSecret,
		Scopes: []string{"openid", "email", "profile"}, Timeout: 30 * time.Second,
	}
	if edit != nil {
		edit(&cfg)
	}
	w := &wire{inner: http.DefaultTransport}
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := New(cfg, &http.Client{Transport: w, Timeout: 10 * time.Second}, logger)
	require.NoError(t, err)
	return &harness{m: m, c: c, wire: w, log: &buf}
}

// noSecretsIn fails if any code, verifier or token that crossed the wire is in s.
func (h *harness) noSecretsIn(t *testing.T, what, s string) {
	t.Helper()
	h.wire.mu.Lock()
	defer h.wire.mu.Unlock()
	for _, v := range append(h.wire.secrets, h.m.ClientSecret) {
		assert.NotContains(t, s, v, "a secret is in the %s", what)
	}
}

// browser plays the user's browser: it loads the authorization URL, follows the
// provider's redirect to our callback (after rewrite, if set) and keeps the last page.
type browser struct {
	rewrite func(callback *url.URL, authURL *url.URL)
	act     func(b *browser, authURL string) // replaces the whole visit when set
	close   bool                             // the user closes the window instead

	closed    chan struct{}
	dismissed chan struct{}
	once      sync.Once
	page      chan visit
}

type visit struct {
	status int
	body   string
	err    error
}

func newBrowser() *browser {
	return &browser{closed: make(chan struct{}), dismissed: make(chan struct{}), page: make(chan visit, 1)}
}

func (b *browser) Present(authURL string) (<-chan struct{}, error) {
	switch {
	case b.close:
		close(b.closed)
	case b.act != nil:
		go b.act(b, authURL)
	default:
		go b.visit(authURL)
	}
	return b.closed, nil
}

func (b *browser) Dismiss() { b.once.Do(func() { close(b.dismissed) }) }

func (b *browser) visit(authURL string) {
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(authURL)
	if err != nil {
		b.page <- visit{err: err}
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		b.page <- visit{status: resp.StatusCode, err: errors.New("the provider did not redirect")}
		return
	}
	cb, err := resp.Location()
	if err != nil {
		b.page <- visit{err: err}
		return
	}
	if b.rewrite != nil {
		au, _ := url.Parse(authURL)
		b.rewrite(cb, au)
	}
	b.get(cb.String())
}

func (b *browser) get(u string) {
	resp, err := http.Get(u)
	if err != nil {
		b.page <- visit{err: err}
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.page <- visit{status: resp.StatusCode, body: string(body)}
}

// lastPage is the page the browser ended on.
func (b *browser) lastPage(t *testing.T) visit {
	t.Helper()
	select {
	case v := <-b.page:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("the browser never got a page")
		return visit{}
	}
}

func TestSignInSucceedsWithPKCE(t *testing.T) {
	h := newHarness(t, provider(t), nil)
	var authURL *url.URL
	b := newBrowser()
	b.rewrite = func(_ *url.URL, au *url.URL) { authURL = au }

	res, err := h.c.SignIn(context.Background(), b)
	require.NoError(t, err)
	assert.Equal(t, "jane.doe@example.com", res.Account, "the account is the ID token's email")
	require.NotNil(t, res.Token)
	assert.NotEmpty(t, res.Token.AccessToken)
	assert.NotEmpty(t, res.Token.RefreshToken)

	page := b.lastPage(t)
	require.NoError(t, page.err)
	assert.Equal(t, http.StatusOK, page.status)
	assert.Contains(t, page.body, "You are signed in. You can close this window.")
	<-b.dismissed

	q := authURL.Query()
	assert.Equal(t, "S256", q.Get("code_challenge_method"))
	assert.NotEmpty(t, q.Get("code_challenge"))
	assert.NotEmpty(t, q.Get("state"))
	assert.Equal(t, "code", q.Get("response_type"))
	redirect, err := url.Parse(q.Get("redirect_uri"))
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", redirect.Hostname())
	assert.Equal(t, "/callback", redirect.Path)
	assert.NotContains(t, authURL.String(), h.m.ClientSecret)

	// The listener lived only for this flow.
	_, err = http.Get(redirect.String())
	assert.Error(t, err, "the callback listener must be closed after the sign-in")

	h.noSecretsIn(t, "log", h.log.String())
	h.noSecretsIn(t, "page", page.body)
}

func TestSignInFailures(t *testing.T) {
	m := provider(t)
	tests := []struct {
		name      string
		edit      func(*Config)
		tamper    func(url.Values)
		browser   func() *browser
		ctx       func() context.Context
		want      error
		wantCode  string
		wantText  string
		wantPage  string
		pageShown bool
	}{
		{
			name:    "wrong PKCE verifier",
			tamper:  func(f url.Values) { f.Set("code_verifier", oauth2.GenerateVerifier()) },
			browser: newBrowser,
			want:    ErrExchange, wantCode: "invalid_grant", pageShown: true,
			wantText: "Sign-in failed: the provider did not give a token: invalid_grant",
			wantPage: "Sign-in did not complete",
		},
		{
			name: "wrong state",
			browser: func() *browser {
				b := newBrowser()
				b.rewrite = func(cb *url.URL, _ *url.URL) {
					q := cb.Query()
					q.Set("state", "forged")
					cb.RawQuery = q.Encode()
				}
				return b
			},
			want: ErrStateMismatch, pageShown: true,
			wantText: "state mismatch",
			wantPage: "state mismatch",
		},
		{
			name: "access denied",
			browser: func() *browser {
				b := newBrowser()
				b.act = func(b *browser, authURL string) {
					au, _ := url.Parse(authURL)
					q := au.Query()
					cb, _ := url.Parse(q.Get("redirect_uri"))
					cb.RawQuery = url.Values{"error": {"access_denied"}, "error_description": {"The user said no"},
						"state": {q.Get("state")}}.Encode()
					b.get(cb.String())
				}
				return b
			},
			want: ErrDenied, wantCode: "access_denied", pageShown: true,
			wantText: "Sign-in was refused by the provider: access_denied (The user said no).",
			wantPage: "access_denied",
		},
		{
			name:     "timeout",
			edit:     func(c *Config) { c.Timeout = 50 * time.Millisecond },
			browser:  func() *browser { b := newBrowser(); b.act = func(*browser, string) {}; return b },
			want:     ErrTimeout,
			wantText: "Sign-in timed out: no answer from the provider within 50ms.",
		},
		{
			name:     "window closed by hand",
			browser:  func() *browser { b := newBrowser(); b.close = true; return b },
			want:     ErrCancelled,
			wantText: "Sign-in was cancelled: the sign-in window was closed.",
		},
		{
			name:    "context cancelled",
			browser: func() *browser { b := newBrowser(); b.act = func(*browser, string) {}; return b },
			ctx: func() context.Context {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx
			},
			want:     ErrCancelled,
			wantText: "Sign-in was cancelled: the sign-in was stopped.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, m, tt.edit)
			h.wire.tamper = tt.tamper
			b := tt.browser()
			ctx := context.Background()
			if tt.ctx != nil {
				ctx = tt.ctx()
			}

			res, err := h.c.SignIn(ctx, b)
			require.ErrorIs(t, err, tt.want)
			assert.Nil(t, res.Token)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.wantCode, e.Code)
			assert.Contains(t, err.Error(), tt.wantText)
			assert.NotContains(t, err.Error(), "\n")
			<-b.dismissed

			if tt.pageShown {
				page := b.lastPage(t)
				require.NoError(t, page.err)
				assert.Equal(t, http.StatusBadRequest, page.status)
				assert.Contains(t, page.body, tt.wantPage)
				assert.Contains(t, page.body, "You can close this window.")
				h.noSecretsIn(t, "page", page.body)
			}
			h.noSecretsIn(t, "error", err.Error())
			h.noSecretsIn(t, "log", h.log.String())
		})
	}
}

func TestSignInAccountSources(t *testing.T) {
	m := provider(t)
	tests := []struct {
		name   string
		scopes []string
		user   *mockoidc.MockUser
		want   string
	}{
		{"ID token email", []string{"openid", "email"}, &mockoidc.MockUser{Subject: "s1", Email: "ann@example.com", PreferredUsername: "ann"}, "ann@example.com"},
		{"userinfo email (no ID token)", []string{"email", "profile"}, &mockoidc.MockUser{Subject: "s2", Email: "bob@example.com", PreferredUsername: "bob"}, "bob@example.com"},
		{"preferred_username", []string{"openid", "profile"}, &mockoidc.MockUser{Subject: "s3", Email: "cy@example.com", PreferredUsername: "cy"}, "cy"},
		{"sub", []string{"openid"}, &mockoidc.MockUser{Subject: "s4", Email: "di@example.com", PreferredUsername: "di"}, "s4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, m, func(c *Config) { c.Scopes = tt.scopes })
			m.QueueUser(tt.user)
			res, err := h.c.SignIn(context.Background(), newBrowser())
			require.NoError(t, err)
			assert.Equal(t, tt.want, res.Account)
		})
	}
}

func TestSignInWithDiscovery(t *testing.T) {
	m := provider(t)
	h := newHarness(t, m, func(c *Config) {
		c.Issuer = m.Issuer()
		c.AuthorizeURL, c.TokenURL, c.UserinfoURL = "", "", ""
	})
	res, err := h.c.SignIn(context.Background(), newBrowser())
	require.NoError(t, err)
	assert.Equal(t, "jane.doe@example.com", res.Account)
	assert.Contains(t, h.wire.requests, "GET /oidc/.well-known/openid-configuration")

	t.Run("wrong issuer", func(t *testing.T) {
		h := newHarness(t, m, func(c *Config) { c.Issuer = m.Addr() + "/elsewhere" })
		b := newBrowser()
		_, err := h.c.SignIn(context.Background(), b)
		require.ErrorIs(t, err, ErrDiscovery)
		assert.Contains(t, err.Error(), "OpenID configuration could not be read")
	})
}

func TestRefresh(t *testing.T) {
	m := provider(t)
	h := newHarness(t, m, nil)
	res, err := h.c.SignIn(context.Background(), newBrowser())
	require.NoError(t, err)

	m.FastForward(time.Minute) // a new iat: a different access token
	fresh, err := h.c.Refresh(context.Background(), res.Token)
	require.NoError(t, err)
	assert.NotEmpty(t, fresh.AccessToken)
	assert.NotEqual(t, res.Token.AccessToken, fresh.AccessToken)
	assert.Equal(t, res.Token.RefreshToken, fresh.RefreshToken, "the refresh token is kept")
	assert.True(t, fresh.Valid())

	refusals := []struct {
		name  string
		setup func() *oauth2.Token
	}{
		{"unknown refresh token", func() *oauth2.Token { return &oauth2.Token{RefreshToken: "not-a-token"} }},
		{"expired refresh token", func() *oauth2.Token {
			m.FastForward(2 * time.Hour) // past the provider's 60 min refresh TTL
			return res.Token
		}},
		{"no refresh token", func() *oauth2.Token { return &oauth2.Token{AccessToken: "a"} }},
	}
	for _, tt := range refusals {
		t.Run("refused: "+tt.name, func(t *testing.T) {
			tok := tt.setup()
			_, err := h.c.Refresh(context.Background(), tok)
			require.ErrorIs(t, err, ErrRefused)
			assert.True(t, strings.HasPrefix(err.Error(), "The provider no longer accepts the sign-in; sign in again"), err.Error())
			h.noSecretsIn(t, "error", err.Error())
		})
	}
	h.noSecretsIn(t, "log", h.log.String())
}

func TestRefreshUnavailable(t *testing.T) {
	srv := httptestServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"temporarily_unavailable"}`, http.StatusServiceUnavailable)
	})
	c, err := New(Config{AuthorizeURL: srv + "/authorize", TokenURL: srv + "/token", ClientID: "app"}, nil, quiet)
	require.NoError(t, err)
	_, err = c.Refresh(context.Background(), &oauth2.Token{RefreshToken: "r"})
	require.ErrorIs(t, err, ErrUnavailable)
	assert.False(t, errors.Is(err, ErrRefused))
}
