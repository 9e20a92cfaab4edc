package provider

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/embeddable-tray/embeddable-tray/internal/secret"
)

const testRedirect = "http://127.0.0.1:54321/callback"

func start(t *testing.T, o Options) *Provider {
	t.Helper()
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	p, err := Start(context.Background(), o)
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func config(p *Provider, style oauth2.AuthStyle) *oauth2.Config {
	return &oauth2.Config{
		ClientID:    p.ClientID(),
		Endpoint:    oauth2.Endpoint{AuthURL: p.AuthorizeURL(), TokenURL: p.TokenURL(), AuthStyle: style},
		RedirectURL: testRedirect,
		Scopes:      []string{"contacts"},
	}
}

// noFollow is a client that reports redirects instead of following them, as the app's
// loopback listener would receive them.
var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

var formToken = regexp.MustCompile(`name="request" value="([^"]+)"`)

// openForm GETs an authorization URL and returns the sign-in form's token.
func openForm(t *testing.T, authURL string) string {
	t.Helper()
	resp, err := noFollow.Get(authURL)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	m := formToken.FindSubmatch(body)
	require.NotNil(t, m, "no form token in %s", body)
	return string(m[1])
}

// postForm answers the sign-in form as the user's browser would.
func postForm(t *testing.T, p *Provider, fields url.Values) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.AuthorizeURL(), strings.NewReader(fields.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", p.URL())
	resp, err := noFollow.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// signIn runs the form with the given action and password and returns where the
// provider redirected to.
func signIn(t *testing.T, p *Provider, authURL, action, password string) *url.URL {
	t.Helper()
	resp := postForm(t, p, url.Values{"request": {openForm(t, authURL)}, "action": {action},
		"account": {"demo@example.com"}, "password": {password}})
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	return loc
}

// login runs the whole code flow and returns the token.
func login(t *testing.T, p *Provider, cfg *oauth2.Config) *oauth2.Token {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	loc := signIn(t, p, cfg.AuthCodeURL("st-1", oauth2.S256ChallengeOption(verifier)), "signin", "demo")
	tok, err := cfg.Exchange(context.Background(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	require.NoError(t, err)
	return tok
}

func userinfo(t *testing.T, p *Provider, access string) (int, map[string]string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, p.UserinfoURL(), nil)
	require.NoError(t, err)
	if access != "" {
		req.Header.Set("Authorization", "Bearer "+access)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return resp.StatusCode, body
}

func retrieveCode(t *testing.T, err error) string {
	t.Helper()
	var re *oauth2.RetrieveError
	require.True(t, errors.As(err, &re), "want a RetrieveError, got %v", err)
	return re.ErrorCode
}

func TestCodeFlow(t *testing.T) {
	p := start(t, Options{})
	for _, tc := range []struct {
		name  string
		style oauth2.AuthStyle
	}{
		{"client_id in the form", oauth2.AuthStyleInParams},
		{"client_id in Basic auth", oauth2.AuthStyleInHeader},
		{"auto-detect", oauth2.AuthStyleAutoDetect},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config(p, tc.style)
			verifier := oauth2.GenerateVerifier()
			state := "state-" + tc.name
			loc := signIn(t, p, cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), "signin", "demo")
			assert.Equal(t, "127.0.0.1:54321", loc.Host)
			assert.Equal(t, "/callback", loc.Path)
			assert.Equal(t, state, loc.Query().Get("state"))
			require.NotEmpty(t, loc.Query().Get("code"))

			tok, err := cfg.Exchange(context.Background(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
			require.NoError(t, err)
			assert.Equal(t, "Bearer", tok.TokenType)
			assert.NotEmpty(t, tok.RefreshToken)
			assert.WithinDuration(t, time.Now().Add(time.Hour), tok.Expiry, time.Minute)

			status, info := userinfo(t, p, tok.AccessToken)
			require.Equal(t, http.StatusOK, status)
			assert.Equal(t, map[string]string{"sub": "demo@example.com", "email": "demo@example.com", "preferred_username": "demo"}, info)
		})
	}
}

func TestExchangeRefused(t *testing.T) {
	p := start(t, Options{})
	cfg := config(p, oauth2.AuthStyleInParams)
	for _, tc := range []struct {
		name     string
		exchange func(code, verifier string) error
		want     string
	}{
		{"no code_verifier", func(code, _ string) error {
			_, err := cfg.Exchange(context.Background(), code)
			return err
		}, "invalid_request"},
		{"wrong code_verifier", func(code, _ string) error {
			_, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
			return err
		}, "invalid_grant"},
		{"another redirect_uri", func(code, verifier string) error {
			other := *cfg
			other.RedirectURL = "http://127.0.0.1:1/callback"
			_, err := other.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
			return err
		}, "invalid_grant"},
		{"another client", func(code, verifier string) error {
			other := *cfg
			other.ClientID = "someone-else"
			_, err := other.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
			return err
		}, "invalid_client"},
		{"code used twice", func(code, verifier string) error {
			_, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
			require.NoError(t, err)
			_, err = cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
			return err
		}, "invalid_grant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			verifier := oauth2.GenerateVerifier()
			loc := signIn(t, p, cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), "signin", "demo")
			err := tc.exchange(loc.Query().Get("code"), verifier)
			require.Error(t, err)
			assert.Equal(t, tc.want, retrieveCode(t, err))
		})
	}
}

func TestAuthorizeRefused(t *testing.T) {
	p := start(t, Options{})
	challenge := oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())
	good := url.Values{
		"client_id": {p.ClientID()}, "redirect_uri": {testRedirect}, "response_type": {"code"},
		"state": {"st"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"},
	}
	for _, tc := range []struct {
		name      string
		change    func(url.Values)
		wantError string // "" means an error page without redirect
	}{
		{"non-loopback redirect_uri", func(v url.Values) { v.Set("redirect_uri", "https://evil.example/callback") }, ""},
		{"localhost redirect_uri", func(v url.Values) { v.Set("redirect_uri", "http://localhost:54321/callback") }, ""},
		{"other path", func(v url.Values) { v.Set("redirect_uri", "http://127.0.0.1:54321/steal") }, ""},
		{"no redirect_uri", func(v url.Values) { v.Del("redirect_uri") }, ""},
		{"unknown client", func(v url.Values) { v.Set("client_id", "intruder") }, ""},
		{"repeated redirect_uri", func(v url.Values) { v.Add("redirect_uri", "http://127.0.0.1:1/callback") }, ""},
		{"no code_challenge", func(v url.Values) { v.Del("code_challenge"); v.Del("code_challenge_method") }, "invalid_request"},
		{"plain code_challenge_method", func(v url.Values) { v.Set("code_challenge_method", "plain") }, "invalid_request"},
		{"no code_challenge_method (plain)", func(v url.Values) { v.Del("code_challenge_method") }, "invalid_request"},
		{"no state", func(v url.Values) { v.Del("state") }, "invalid_request"},
		{"implicit grant", func(v url.Values) { v.Set("response_type", "token") }, "unauthorized_client"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := url.Values{}
			for k, vs := range good {
				v[k] = append([]string(nil), vs...)
			}
			tc.change(v)
			resp, err := noFollow.Get(p.AuthorizeURL() + "?" + v.Encode())
			require.NoError(t, err)
			resp.Body.Close()
			if tc.wantError == "" {
				assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
				assert.Empty(t, resp.Header.Get("Location"))
				return
			}
			require.Equal(t, http.StatusFound, resp.StatusCode)
			loc, err := url.Parse(resp.Header.Get("Location"))
			require.NoError(t, err)
			assert.Equal(t, "127.0.0.1:54321", loc.Host)
			assert.Equal(t, tc.wantError, loc.Query().Get("error"))
			assert.Equal(t, v.Get("state"), loc.Query().Get("state"))
			assert.Empty(t, loc.Query().Get("code"))
		})
	}
}

func TestCheckRedirectURI(t *testing.T) {
	for _, tc := range []struct {
		uri string
		ok  bool
	}{
		{"http://127.0.0.1:1/callback", true},
		{"http://127.0.0.1:65535/callback", true},
		{"http://127.0.0.1/callback", false},
		{"http://127.0.0.1:0/callback", false},
		{"http://127.0.0.1:70000/callback", false},
		{"https://127.0.0.1:5000/callback", false},
		{"http://localhost:5000/callback", false},
		{"http://[::1]:5000/callback", false},
		{"http://127.0.0.1.evil.example:5000/callback", false},
		{"http://user@127.0.0.1:5000/callback", false},
		{"http://127.0.0.1:5000/callback/", false},
		{"http://127.0.0.1:5000/callback?x=1", false},
		{"http://127.0.0.1:5000/callback#f", false},
		{"", false},
	} {
		err := checkRedirectURI(tc.uri)
		assert.Equal(t, tc.ok, err == nil, "%q: %v", tc.uri, err)
	}
}

func TestCancel(t *testing.T) {
	p := start(t, Options{})
	cfg := config(p, oauth2.AuthStyleInParams)
	loc := signIn(t, p, cfg.AuthCodeURL("st-cancel", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())), "cancel", "")
	assert.Equal(t, "/callback", loc.Path)
	assert.Equal(t, "access_denied", loc.Query().Get("error"))
	assert.Equal(t, "st-cancel", loc.Query().Get("state"))
	assert.Empty(t, loc.Query().Get("code"))
}

func TestSignInForm(t *testing.T) {
	p := start(t, Options{Account: "ann@example.org", Password: "s3cret"})
	cfg := config(p, oauth2.AuthStyleInParams)
	authURL := cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))

	t.Run("shows the account and the password hint", func(t *testing.T) {
		resp, err := noFollow.Get(authURL)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		assert.Contains(t, string(body), `value="ann@example.org"`)
		assert.Contains(t, string(body), `<code>s3cret</code>`)
		assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))
		assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	})

	t.Run("wrong password shows the form again with a fresh token", func(t *testing.T) {
		first := openForm(t, authURL)
		resp := postForm(t, p, url.Values{"request": {first}, "action": {"signin"}, "account": {"ann@example.org"}, "password": {"nope"}})
		require.Equal(t, http.StatusOK, resp.StatusCode)
		body, _ := io.ReadAll(resp.Body)
		assert.Contains(t, string(body), "do not match")
		m := formToken.FindSubmatch(body)
		require.NotNil(t, m)
		second := string(m[1])
		assert.NotEqual(t, first, second)

		reused := postForm(t, p, url.Values{"request": {first}, "action": {"signin"}, "account": {"ann@example.org"}, "password": {"s3cret"}})
		assert.Equal(t, http.StatusBadRequest, reused.StatusCode, "a used form token must not work again")

		ok := postForm(t, p, url.Values{"request": {second}, "action": {"signin"}, "account": {"ANN@example.org"}, "password": {"s3cret"}})
		require.Equal(t, http.StatusFound, ok.StatusCode)
		loc, err := url.Parse(ok.Header.Get("Location"))
		require.NoError(t, err)
		assert.NotEmpty(t, loc.Query().Get("code"))
	})

	for _, tc := range []struct {
		name   string
		token  func() string
		origin string
	}{
		{"no form token", func() string { return "" }, ""},
		{"made-up form token", func() string { return "forged" }, ""},
		{"posted from another origin", func() string { return openForm(t, authURL) }, "http://evil.example"},
	} {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			fields := url.Values{"request": {tc.token()}, "action": {"signin"}, "account": {"ann@example.org"}, "password": {"s3cret"}}
			req, err := http.NewRequest(http.MethodPost, p.AuthorizeURL(), strings.NewReader(fields.Encode()))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			resp, err := noFollow.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.Empty(t, resp.Header.Get("Location"))
		})
	}
}

func TestRefresh(t *testing.T) {
	p := start(t, Options{})
	cfg := config(p, oauth2.AuthStyleInParams)
	old := login(t, p, cfg)

	expired := *old
	expired.Expiry = time.Now().Add(-time.Minute)
	fresh, err := cfg.TokenSource(context.Background(), &expired).Token()
	require.NoError(t, err)
	assert.NotEqual(t, old.AccessToken, fresh.AccessToken)
	assert.NotEqual(t, old.RefreshToken, fresh.RefreshToken, "refresh tokens rotate")

	status, _ := userinfo(t, p, fresh.AccessToken)
	assert.Equal(t, http.StatusOK, status)
	status, _ = userinfo(t, p, old.AccessToken)
	assert.Equal(t, http.StatusUnauthorized, status, "the replaced access token is dropped")

	_, err = cfg.TokenSource(context.Background(), &expired).Token()
	require.Error(t, err)
	assert.Equal(t, "invalid_grant", retrieveCode(t, err), "the replaced refresh token is dropped")
}

func TestAccessTokenExpires(t *testing.T) {
	p := start(t, Options{AccessTokenTTL: time.Second})
	cfg := config(p, oauth2.AuthStyleInParams)
	tok := login(t, p, cfg)
	assert.WithinDuration(t, time.Now().Add(time.Second), tok.Expiry, 2*time.Second)

	require.Eventually(t, func() bool {
		status, _ := userinfo(t, p, tok.AccessToken)
		return status == http.StatusUnauthorized
	}, 10*time.Second, 50*time.Millisecond, "the access token never expired")

	tok.Expiry = time.Now().Add(-time.Second) // x/oauth2 keeps a 10 s margin anyway
	fresh, err := cfg.TokenSource(context.Background(), tok).Token()
	require.NoError(t, err)
	status, _ := userinfo(t, p, fresh.AccessToken)
	assert.Equal(t, http.StatusOK, status)
}

func TestUserinfoNeedsBearer(t *testing.T) {
	p := start(t, Options{})
	for _, tc := range []struct{ name, header, wantChallenge string }{
		{"no token", "", `Bearer realm="Demo CRM"`},
		{"unknown token", "Bearer nope", `Bearer realm="Demo CRM", error="invalid_token"`},
		{"basic auth", "Basic ZGVtbzpkZW1v", `Bearer realm="Demo CRM", error="invalid_token"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, p.UserinfoURL(), nil)
			require.NoError(t, err)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			assert.Equal(t, tc.wantChallenge, resp.Header.Get("WWW-Authenticate"))
		})
	}

	t.Run("token in the query is ignored", func(t *testing.T) {
		tok := login(t, p, config(p, oauth2.AuthStyleInParams))
		resp, err := http.Get(p.UserinfoURL() + "?access_token=" + url.QueryEscape(tok.AccessToken))
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	})
}

func revoke(t *testing.T, p *Provider, form url.Values) int {
	t.Helper()
	resp, err := http.PostForm(p.RevokeURL(), form)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

func TestRevoke(t *testing.T) {
	p := start(t, Options{})
	cfg := config(p, oauth2.AuthStyleInParams)
	for _, tc := range []struct {
		name string
		form func(tok *oauth2.Token) url.Values
	}{
		{"refresh token with hint", func(tok *oauth2.Token) url.Values {
			return url.Values{"token": {tok.RefreshToken}, "token_type_hint": {"refresh_token"}, "client_id": {p.ClientID()}}
		}},
		{"refresh token without hint", func(tok *oauth2.Token) url.Values {
			return url.Values{"token": {tok.RefreshToken}, "client_id": {p.ClientID()}}
		}},
		{"access token", func(tok *oauth2.Token) url.Values {
			return url.Values{"token": {tok.AccessToken}, "token_type_hint": {"access_token"}}
		}},
	} {
		t.Run(tc.name+" ends the whole grant", func(t *testing.T) {
			tok := login(t, p, cfg)
			require.Equal(t, http.StatusOK, revoke(t, p, tc.form(tok)))
			status, _ := userinfo(t, p, tok.AccessToken)
			assert.Equal(t, http.StatusUnauthorized, status)
			expired := *tok
			expired.Expiry = time.Now().Add(-time.Minute)
			_, err := cfg.TokenSource(context.Background(), &expired).Token()
			require.Error(t, err)
			assert.Equal(t, "invalid_grant", retrieveCode(t, err))
			assert.Equal(t, http.StatusOK, revoke(t, p, tc.form(tok)), "revoking again is still 200")
		})
	}

	for _, tc := range []struct {
		name string
		form url.Values
		want int
	}{
		{"unknown token", url.Values{"token": {"never-issued"}}, http.StatusOK},
		{"no token", url.Values{"client_id": {p.ClientID()}}, http.StatusBadRequest},
		{"another client", url.Values{"token": {"x"}, "client_id": {"intruder"}}, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, revoke(t, p, tc.form))
		})
	}
}

func TestDiscovery(t *testing.T) {
	p := start(t, Options{})
	resp, err := http.Get(p.URL() + "/.well-known/openid-configuration")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var doc map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&doc))
	assert.Equal(t, p.URL(), doc["issuer"])
	assert.Equal(t, p.AuthorizeURL(), doc["authorization_endpoint"])
	assert.Equal(t, p.TokenURL(), doc["token_endpoint"])
	assert.Equal(t, p.UserinfoURL(), doc["userinfo_endpoint"])
	assert.Equal(t, p.RevokeURL(), doc["revocation_endpoint"])
	assert.Equal(t, []any{"S256"}, doc["code_challenge_methods_supported"])
	assert.Equal(t, []any{"code"}, doc["response_types_supported"])
}

func TestStart(t *testing.T) {
	t.Run("refuses a non-loopback address", func(t *testing.T) {
		for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "example.com:80", "nonsense"} {
			_, err := Start(context.Background(), Options{Addr: addr})
			assert.Error(t, err, addr)
		}
	})

	t.Run("URLs", func(t *testing.T) {
		p := start(t, Options{})
		assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, p.URL())
		assert.Equal(t, p.URL()+"/carddav/me/contacts/demo-crm/", p.CardDAVURL())
		assert.Equal(t, "embeddable-tray-demo", p.ClientID())
	})

	t.Run("Close twice", func(t *testing.T) {
		p, err := Start(context.Background(), Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		require.NoError(t, err)
		require.NoError(t, p.Close())
		require.NoError(t, p.Close())
		_, err = http.Get(p.URL() + "/.well-known/openid-configuration")
		assert.Error(t, err)
	})

	t.Run("stops when the context ends", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		p, err := Start(ctx, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		require.NoError(t, err)
		cancel()
		assert.Eventually(t, func() bool {
			resp, err := http.Get(p.URL() + "/.well-known/openid-configuration")
			if err == nil {
				resp.Body.Close()
			}
			return err != nil
		}, 5*time.Second, 20*time.Millisecond)
	})
}

// memoryKeeper is a Keeper in memory, as the keyring entry the app passes is one.
type memoryKeeper struct {
	value string
	kept  bool
	err   error // returned by both methods when set: a keyring that fails
}

func (k *memoryKeeper) Get() (string, error) {
	if k.err != nil {
		return "", k.err
	}
	if !k.kept {
		return "", secret.ErrNotFound
	}
	return k.value, nil
}

func (k *memoryKeeper) Set(v string) error {
	if k.err != nil {
		return k.err
	}
	k.value, k.kept = v, true
	return nil
}

// The app restores its demo sign-in from the keyring after a restart; the provider it
// starts then must still know the tokens it issued, or the first request is refused.
func TestIssuedTokensOutliveARestart(t *testing.T) {
	keep := &memoryKeeper{}
	first := start(t, Options{Keep: keep})
	tok := login(t, first, config(first, oauth2.AuthStyleInParams))
	require.NoError(t, first.Close())
	assert.NotContains(t, keep.value, "\"code", "authorization codes are never kept")

	second := start(t, Options{Keep: keep})
	status, info := userinfo(t, second, tok.AccessToken)
	require.Equal(t, http.StatusOK, status, "the access token issued before the restart")
	assert.Equal(t, "demo@example.com", info["email"])
	expired := *tok
	expired.Expiry = time.Now().Add(-time.Minute)
	fresh, err := config(second, oauth2.AuthStyleInParams).TokenSource(context.Background(), &expired).Token()
	require.NoError(t, err, "the refresh token issued before the restart")

	// Sign-out revokes: the next run refuses the old grant too.
	require.Equal(t, http.StatusOK, revoke(t, second, url.Values{"token": {fresh.RefreshToken}, "client_id": {second.ClientID()}}))
	require.NoError(t, second.Close())
	third := start(t, Options{Keep: keep})
	status, _ = userinfo(t, third, fresh.AccessToken)
	assert.Equal(t, http.StatusUnauthorized, status, "a revoked grant stays revoked after a restart")

	// Without a keeper, a restart forgets (the app passes none when it has no keyring).
	fourth := start(t, Options{})
	tok = login(t, fourth, config(fourth, oauth2.AuthStyleInParams))
	require.NoError(t, fourth.Close())
	status, _ = userinfo(t, start(t, Options{}), tok.AccessToken)
	assert.Equal(t, http.StatusUnauthorized, status)
}

// A keyring that fails costs the next run's memory of the sign-in, never this sign-in.
func TestFailingKeeperStillSignsIn(t *testing.T) {
	keep := &memoryKeeper{err: errors.New("keyring locked")}
	p := start(t, Options{Keep: keep})
	tok := login(t, p, config(p, oauth2.AuthStyleInParams))
	status, _ := userinfo(t, p, tok.AccessToken)
	assert.Equal(t, http.StatusOK, status)

	keep.err, keep.kept, keep.value = nil, true, "not json"
	p = start(t, Options{Keep: keep})
	tok = login(t, p, config(p, oauth2.AuthStyleInParams))
	status, _ = userinfo(t, p, tok.AccessToken)
	assert.Equal(t, http.StatusOK, status, "an unreadable kept value starts empty")
}
