package signin

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// quiet is the logger of tests that do not look at the log.
var quiet = slog.New(slog.DiscardHandler)

// httptestServer runs h on loopback and returns its base URL.
func httptestServer(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestPickAccount(t *testing.T) {
	tests := []struct {
		name     string
		id, info claims
		want     string
	}{
		{"ID token email first", claims{"email": "id@x", "sub": "s"}, claims{"email": "info@x"}, "id@x"},
		{"userinfo email next", claims{"preferred_username": "pu", "sub": "s"}, claims{"email": "info@x"}, "info@x"},
		{"preferred_username from ID token", claims{"preferred_username": "pu", "sub": "s"}, claims{"sub": "s"}, "pu"},
		{"preferred_username from userinfo", claims{"sub": "s"}, claims{"preferred_username": "pu2"}, "pu2"},
		{"sub last", claims{"sub": "s"}, nil, "s"},
		{"sub from userinfo only", nil, claims{"sub": "s2"}, "s2"},
		{"blank values skipped", claims{"email": "  ", "sub": "s"}, claims{"email": ""}, "s"},
		{"non-string ignored", claims{"email": 42, "sub": "s"}, nil, "s"},
		{"nothing", nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, pickAccount(tt.id, tt.info))
		})
	}
}

func idToken(t *testing.T, c map[string]any) string {
	t.Helper()
	b, err := json.Marshal(c)
	require.NoError(t, err)
	return "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString(b) + ".sig"
}

func TestIDTokenClaims(t *testing.T) {
	tests := []struct {
		name    string
		raw     any
		want    claims
		wantErr string
	}{
		{"none", nil, nil, ""},
		{"audience string", idToken(t, map[string]any{"aud": "app", "email": "a@x"}), claims{"aud": "app", "email": "a@x"}, ""},
		{"audience list", idToken(t, map[string]any{"aud": []string{"other", "app"}, "sub": "s"}), claims{"aud": []any{"other", "app"}, "sub": "s"}, ""},
		{"another audience", idToken(t, map[string]any{"aud": "other", "email": "a@x"}), nil, "another client"},
		{"not a JWS", "abc", nil, "not a JWS"},
		{"bad payload", "a.!!!.c", nil, "not base64url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := (&oauth2.Token{AccessToken: "a"}).WithExtra(map[string]any{"id_token": tt.raw})
			got, err := idTokenClaims(tok, "app")
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestErrorText(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Kind: Cancelled, Description: "the sign-in window was closed"}, "Sign-in was cancelled: the sign-in window was closed."},
		{&Error{Kind: Denied, Code: "access_denied", Description: "no", URI: "https://p/e"}, "Sign-in was refused by the provider: access_denied (no); see https://p/e."},
		{&Error{Kind: StateMismatch}, "Sign-in was stopped: the answer did not belong to this sign-in (state mismatch), so it was rejected."},
		{&Error{Kind: Timeout, Description: "no answer from the provider within 5m0s"}, "Sign-in timed out: no answer from the provider within 5m0s."},
		{&Error{Kind: Exchange, Code: "invalid_grant"}, "Sign-in failed: the provider did not give a token: invalid_grant."},
		{&Error{Kind: Refused, Description: "line\nbreak"}, "The provider no longer accepts the sign-in; sign in again: line break."},
		{&Error{Kind: Discovery, Description: "x"}, "Sign-in is not possible: the provider's OpenID configuration could not be read: x."},
	}
	for _, tt := range tests {
		t.Run(tt.err.Kind.String(), func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Error())
		})
	}
}

func TestErrorIs(t *testing.T) {
	wrapped := errors.Join(errors.New("context"), &Error{Kind: Refused, Code: "invalid_grant", Err: io.EOF})
	assert.ErrorIs(t, wrapped, ErrRefused)
	assert.NotErrorIs(t, wrapped, ErrCancelled)
	assert.ErrorIs(t, wrapped, io.EOF, "the cause stays reachable")
	assert.NotErrorIs(t, ErrCancelled, &Error{Kind: Cancelled, Description: "specific"}, "only sentinels match by kind")
}

func TestTokenErrorRedactsEchoedSecrets(t *testing.T) {
	re := &oauth2.RetrieveError{Response: &http.Response{Status: "401 Unauthorized", StatusCode: 401},
		ErrorCode: "invalid_grant", ErrorDescription: "Invalid code: the-code"}
	e := tokenError(Exchange, "x", re, "the-code")
	assert.Equal(t, "Sign-in failed: the provider did not give a token: invalid_grant (Invalid code: [redacted]).", e.Error())
}

func TestNewChecksConfig(t *testing.T) {
	ok := Config{AuthorizeURL: "https://p/authorize", TokenURL: "https://p/token", ClientID: "app"}
	tests := []struct {
		name    string
		edit    func(*Config)
		wantErr string
	}{
		{"complete", func(*Config) {}, ""},
		{"loopback http", func(c *Config) { c.TokenURL = "http://127.0.0.1:9/token" }, ""},
		{"issuer only", func(c *Config) { c.AuthorizeURL, c.TokenURL, c.Issuer = "", "", "https://p" }, ""},
		{"no client ID", func(c *Config) { c.ClientID = "" }, "client ID is empty"},
		{"no URLs", func(c *Config) { c.AuthorizeURL, c.TokenURL = "", "" }, "or an issuer"},
		{"plain http elsewhere", func(c *Config) { c.TokenURL = "http://p/token" }, `token URL "http://p/token" must be an https URL`},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.edit(&cfg)
			c, err := New(cfg, nil, quiet)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, DefaultTimeout, c.cfg.Timeout)
		})
	}
}

// TestCallbackListener checks the single-use loopback listener on its own.
func TestCallbackListener(t *testing.T) {
	cb, err := listenCallback(slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(cb.close)
	u, err := url.Parse(cb.redirectURI)
	require.NoError(t, err)
	base := "http://" + u.Host

	do := func(method, path, host string) int {
		req, err := http.NewRequest(method, base+path, nil)
		require.NoError(t, err)
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusBadRequest, do("GET", "/callback?code=c&state=s", "evil.example:80"), "non-loopback Host")
	assert.Equal(t, http.StatusNotFound, do("GET", "/favicon.ico", ""))
	assert.Equal(t, http.StatusMethodNotAllowed, do("POST", "/callback", ""))

	// The first GET /callback is handed to the flow, which answers.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		h := <-cb.hits
		assert.Equal(t, "c", h.query.Get("code"))
		h.reply <- nil
	}()
	assert.Equal(t, http.StatusOK, do("GET", "/callback?code=c&state=s", "localhost:1"))
	wg.Wait()
	assert.Equal(t, http.StatusGone, do("GET", "/callback?code=c2&state=s", ""), "only one callback")
}

func TestRevoke(t *testing.T) {
	type call struct {
		form       url.Values
		user, pass string
		basic      bool
	}
	var mu sync.Mutex
	var calls []call
	status := http.StatusOK
	srv := httptestServer(t, func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, r.ParseForm())
		u, p, basic := r.BasicAuth()
		mu.Lock()
		calls = append(calls, call{form: r.PostForm, user: u, pass: p, basic: basic})
		mu.Unlock()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"error":"unsupported_token_type","error_description":"nope r1"}`)
	})
	tok := &oauth2.Token{AccessToken: "a1", RefreshToken: "r1"}
	base := Config{AuthorizeURL: srv + "/authorize", TokenURL: srv + "/token", ClientID: "app id"}

	t.Run("public client: refresh then access token, client_id in the body", func(t *testing.T) {
		calls = nil
		cfg := base
		cfg.RevokeURL = srv + "/revoke"
		c, err := New(cfg, nil, quiet)
		require.NoError(t, err)
		require.NoError(t, c.Revoke(context.Background(), tok))
		require.Len(t, calls, 2)
		assert.Equal(t, url.Values{"token": {"r1"}, "token_type_hint": {"refresh_token"}, "client_id": {"app id"}}, calls[0].form)
		assert.Equal(t, url.Values{"token": {"a1"}, "token_type_hint": {"access_token"}, "client_id": {"app id"}}, calls[1].form)
		assert.False(t, calls[0].basic)
	})
	t.Run("confidential client: HTTP Basic", func(t *testing.T) {
		calls = nil
		cfg := base
		cfg.RevokeURL, cfg.ClientSecret = srv+"/revoke", "s&cret"
		c, err := New(cfg, nil, quiet)
		require.NoError(t, err)
		require.NoError(t, c.Revoke(context.Background(), &oauth2.Token{RefreshToken: "r1"}))
		require.Len(t, calls, 1)
		assert.True(t, calls[0].basic)
		assert.Equal(t, "app+id", calls[0].user, "form-encoded per RFC 6749 §2.3.1")
		assert.Equal(t, "s%26cret", calls[0].pass)
		assert.Empty(t, calls[0].form.Get("client_id"))
	})
	t.Run("refused: an error that names the token kind, not the token", func(t *testing.T) {
		calls, status = nil, http.StatusBadRequest
		defer func() { status = http.StatusOK }()
		cfg := base
		cfg.RevokeURL = srv + "/revoke"
		c, err := New(cfg, nil, quiet)
		require.NoError(t, err)
		err = c.Revoke(context.Background(), tok)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "400 Bad Request for the refresh_token")
		assert.NotContains(t, err.Error(), "r1")
		assert.NotContains(t, err.Error(), "a1")
		assert.NotContains(t, err.Error(), "\n", "one line for the log")
	})
	t.Run("no revoke URL: nothing to do", func(t *testing.T) {
		calls = nil
		c, err := New(base, nil, quiet)
		require.NoError(t, err)
		require.NoError(t, c.Revoke(context.Background(), tok))
		assert.Empty(t, calls)
	})
}

func TestRevokeURLFromDiscovery(t *testing.T) {
	var revoked []string
	var srv string
	srv = httptestServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			_ = json.NewEncoder(w).Encode(map[string]string{"issuer": srv, "authorization_endpoint": srv + "/a",
				"token_endpoint": srv + "/t", "revocation_endpoint": srv + "/revoke"})
		case "/revoke":
			_ = r.ParseForm()
			revoked = append(revoked, r.PostForm.Get("token_type_hint"))
		}
	})
	c, err := New(Config{Issuer: srv, ClientID: "app"}, nil, quiet)
	require.NoError(t, err)
	require.NoError(t, c.Revoke(context.Background(), &oauth2.Token{AccessToken: "a", RefreshToken: "r"}))
	assert.Equal(t, []string{"refresh_token", "access_token"}, revoked)
}

func TestBrowserCommand(t *testing.T) {
	tests := []struct {
		goos, name string
		args       []string
	}{
		{"linux", "xdg-open", []string{"https://p/a"}},
		{"freebsd", "xdg-open", []string{"https://p/a"}},
		{"darwin", "open", []string{"https://p/a"}},
		{"windows", "rundll32", []string{"url.dll,FileProtocolHandler", "https://p/a"}},
	}
	for _, tt := range tests {
		t.Run(tt.goos, func(t *testing.T) {
			name, args := browserCommand(tt.goos, "https://p/a")
			assert.Equal(t, tt.name, name)
			assert.Equal(t, tt.args, args)
		})
	}
	assert.ErrorContains(t, OpenBrowser("file:///etc/passwd"), "only open http(s)")
}

// TestBrowserPresenter reproduces issue 9 point 5's command-line leak: in browser mode
// the opener (xdg-open, visible to every local user in ps) gets only a one-time loopback
// URL, never the authorization URL with its state and callback port. The URL redirects
// once; a second visit is refused and stops the sign-in.
func TestBrowserPresenter(t *testing.T) {
	const authURL = "https://p/authorize?state=the-state&redirect_uri=http%3A%2F%2F127.0.0.1%3A4242%2Fcallback"
	var opened string
	p := &BrowserPresenter{Open: func(u string) error { opened = u; return nil }}
	closed, err := p.Present(authURL)
	require.NoError(t, err)
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+/[A-Z2-7]{26}$`, opened)
	assert.NotContains(t, opened, "the-state")
	assert.NotContains(t, opened, "4242")

	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(opened)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Equal(t, authURL, resp.Header.Get("Location"))
	select {
	case <-closed:
		t.Fatal("the first visit stopped the sign-in")
	default:
	}

	resp, err = noFollow.Get(opened)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusGone, resp.StatusCode, "the one-time URL is dead after its first use")
	<-closed // the second visit stops the sign-in
	assert.Contains(t, closedReason(p), "opened twice")

	p.Dismiss()
	_, err = noFollow.Get(opened)
	require.Error(t, err, "the one-time URL's listener is closed with the flow")

	_, err = (&BrowserPresenter{Open: func(string) error { return errors.New("no opener") }}).Present("https://p")
	require.ErrorContains(t, err, "no opener")
	assert.True(t, strings.Contains(err.Error(), "no opener"))
}
