package reliability

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/app/config"
	"github.com/embeddable-tray/embeddable-tray/bridge"
	"github.com/embeddable-tray/embeddable-tray/e2e/apptest"
	"github.com/embeddable-tray/embeddable-tray/e2e/standin"
)

// TestKillDuringSignIn: the app is SIGKILLed after the provider issued a token and before
// the app could keep it (the exchange is done; the userinfo call that names the account
// never returns, so the keyring save never comes). Restarted, it comes back signed out —
// the widget's registration and the keyring agree: no entry — never half signed in.
func TestKillDuringSignIn(t *testing.T) {
	apptest.RequireSession(t)
	requireKeyring(t)
	ctx := timeout(t, 90*time.Second)
	w := standin.Start(t)
	provider, issued := issuingProvider(t, false)
	cfg := apptest.NewConfig(w, serviceName(t))
	cfg.Service.OAuth = oauthAt(provider.URL)
	cfg.Service.OAuth.UserinfoURL = provider.URL + "/userinfo"
	a := apptest.Launch(t, cfg)
	_, err := w.WaitFor(ctx, standin.IsMessage(bridge.TypeRegisterService))
	require.NoError(t, err)

	require.NoError(t, w.ClickAuthorize(ctx))
	select {
	case <-issued: // a token was issued; the app now asks who the account is, and waits
	case <-ctx.Done():
		t.Fatalf("the provider never issued a token:\n%s", a.Log())
	}
	a.Kill()
	assert.Zero(t, keyringItems(t, cfg.Service.Name), "killed before the save: nothing in the keyring")

	seq := w.Seq()
	b := apptest.LaunchEnv(t, a.Env(), cfg)
	r, err := w.WaitFor(ctx, standin.After(seq, standin.IsMessage(bridge.TypeRegisterService)))
	require.NoError(t, err)
	var svc struct {
		Authorized        bool   `json:"authorized"`
		AuthorizedAccount string `json:"authorizedAccount"`
	}
	require.True(t, r.Field("service", &svc))
	assert.False(t, svc.Authorized, "the restart is signed out")
	assert.Empty(t, svc.AuthorizedAccount)
	assert.Zero(t, keyringItems(t, cfg.Service.Name), "and the keyring agrees")
	_, err = b.Stop()
	assert.NoError(t, err)
}

// issuingProvider is an OAuth provider that signs in at once: its authorize endpoint
// redirects back with a code, its token endpoint issues a token. With withAccount the
// token comes with an ID token naming the account; without, the app must ask userinfo,
// which never answers. issued closes when the token was issued and userinfo called.
func issuingProvider(t *testing.T, withAccount bool) (srv *httptest.Server, issued <-chan struct{}) {
	t.Helper()
	ch := make(chan struct{})
	var once sync.Once
	stop := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		back, err := url.Parse(q.Get("redirect_uri"))
		if err != nil {
			http.Error(w, "bad redirect_uri", http.StatusBadRequest)
			return
		}
		bq := back.Query()
		bq.Set("code", "reliability-code")
		bq.Set("state", q.Get("state"))
		back.RawQuery = bq.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		idToken := ""
		if withAccount { // unsigned: the app reads it from its own exchange (OIDC Core 3.1.3.7)
			claims := base64.RawURLEncoding.EncodeToString([]byte(`{"aud":"reliability","email":"ann@example.com"}`))
			idToken = `,"id_token":"e30.` + claims + `.c2ln"`
		}
		_, _ = w.Write([]byte(`{"access_token":"reliability-at","token_type":"Bearer","refresh_token":"reliability-rt","expires_in":3600` + idToken + `}`))
	})
	mux.HandleFunc("/userinfo", func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(ch) })
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(func() { close(stop); srv.Close() })
	return srv, ch
}

// TestProviderDownOrSlow: with the provider refusing connections or never answering, a
// sign-in ends with a clear error within service.signInTimeout (plus a margin for the app's
// own start of the flow), said in the log and to the widget (the /authorize answer, or the
// authorization status it is sent), and the app stays signed out.
func TestProviderDownOrSlow(t *testing.T) {
	apptest.RequireSession(t)
	const signInTimeout = 3 * time.Second
	const margin = 4 * time.Second
	tests := []struct {
		name    string
		oauth   func(t *testing.T) *config.OAuth
		wantErr []string // the log's error says one of these
	}{
		{"authorize endpoint refuses connections", func(t *testing.T) *config.OAuth {
			return oauthAt(refusedURL(t))
		}, []string{"no answer from the provider within 3s"}},
		{"authorize endpoint never answers", func(t *testing.T) *config.OAuth {
			srv, _ := hangingProvider(t)
			return oauthAt(srv.URL)
		}, []string{"no answer from the provider within 3s"}},
		{"discovery refuses connections", func(t *testing.T) *config.OAuth {
			return &config.OAuth{Issuer: refusedURL(t), ClientID: "reliability"}
		}, []string{"cannot reach"}},
		{"discovery never answers", func(t *testing.T) *config.OAuth {
			srv, _ := hangingProvider(t)
			return &config.OAuth{Issuer: srv.URL, ClientID: "reliability"}
		}, []string{"cannot reach", "within"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := timeout(t, 90*time.Second)
			w := standin.Start(t)
			cfg := apptest.NewConfig(w, serviceName(t))
			cfg.Service.SignInTimeout = config.Duration(signInTimeout)
			cfg.Service.OAuth = tt.oauth(t)
			a := apptest.Launch(t, cfg)
			_, err := w.WaitFor(ctx, standin.IsMessage(bridge.TypeRegisterService))
			require.NoError(t, err)

			clicked := time.Now()
			resp, err := w.Request(ctx, "/authorize", map[string]bool{"authorized": false})
			require.NoError(t, err, "the widget got no answer to /authorize")
			t.Logf("/authorize answered after %v: %s", time.Since(clicked).Round(time.Millisecond), resp)

			failCtx, cancel := context.WithDeadline(ctx, clicked.Add(signInTimeout+margin))
			defer cancel()
			err = a.WaitLog(failCtx, "sign-in failed")
			require.NoError(t, err, "the sign-in did not end within its timeout:\n%s", a.Log())
			t.Logf("ended after %v", time.Since(clicked).Round(time.Millisecond))
			line := lineWith(a.Log(), "sign-in failed")
			assert.True(t, containsAny(line, tt.wantErr), "the log says why: %s", line)

			// The widget hears it: an {error} answer, or the status it is sent stays unauthorized.
			var answer struct {
				Error string `json:"error"`
				Data  string `json:"data"`
			}
			require.NoError(t, json.Unmarshal(resp, &answer))
			if answer.Error != "" {
				assert.True(t, containsAny(answer.Error, tt.wantErr), "the widget's error says why: %s", answer.Error)
			}
			for _, r := range w.Reports() {
				var on bool
				if standin.IsMessage(bridge.TypeUpdateAuthorization)(r) && r.Field("authorized", &on) {
					assert.False(t, on, "a failed sign-in must not authorize the widget")
				}
			}
		})
	}
}

// TestReloadWithRequestPending: the widget reloads while a request is being served (a
// /contacts that waits on an address book that never answers). The old page's request is
// cancelled and its answer dropped, never posted into the new page; the new page is
// registered again and its requests are answered.
func TestReloadWithRequestPending(t *testing.T) {
	apptest.RequireSession(t)
	ctx := timeout(t, 90*time.Second)
	w := standin.Start(t)
	provider, _ := issuingProvider(t, true)
	book, hits := hangingProvider(t)
	cfg := apptest.NewConfig(w, serviceName(t))
	cfg.Service.OAuth = oauthAt(provider.URL)
	cfg.Service.Contacts = &config.Contacts{CardDAVURL: book.URL + "/dav/"}
	a := apptest.Launch(t, cfg)
	_, err := w.WaitFor(ctx, standin.IsMessage(bridge.TypeRegisterService))
	require.NoError(t, err)
	_, err = w.Request(ctx, "/authorize", map[string]bool{"authorized": false})
	require.NoError(t, err)
	_, err = w.WaitFor(ctx, func(r standin.Report) bool {
		var on bool
		return standin.IsMessage(bridge.TypeUpdateAuthorization)(r) && r.Field("authorized", &on) && on
	})
	require.NoError(t, err, "signed in:\n%s", a.Log())

	pendingCtx, cancelPending := context.WithCancel(ctx)
	defer cancelPending()
	pending := make(chan error, 1)
	go func() {
		_, err := w.Request(pendingCtx, "/contacts", map[string]any{"page": 1})
		pending <- err
	}()
	select {
	case <-hits: // the handler is now waiting on the address book
	case <-ctx.Done():
		t.Fatalf("the contacts request never reached the address book:\n%s", a.Log())
	}
	seq := w.Seq()
	load, err := w.Reload(ctx)
	require.NoError(t, err)
	// The reload cancels the pending request(s) (the stand-in fetches contacts on its own
	// too), and each one's answer is dropped, not posted.
	require.NoError(t, a.WaitLog(ctx, "dropped the answer to a request of a page that is gone"), "the reload cancels the pending request")
	assert.Positive(t, logCount(a, "cancelled_requests=")-logCount(a, "cancelled_requests=0"), "the reload cancelled requests")

	// The new page works: it is registered again and gets answers.
	_, err = w.WaitFor(ctx, standin.After(seq, standin.IsMessage(bridge.TypeRegisterService)))
	require.NoError(t, err)
	resp, err := w.Request(ctx, "/reliability/unknown", nil)
	require.NoError(t, err)
	assert.Contains(t, string(resp), "no handler for path")

	cancelPending()
	<-pending // the stand-in never saw an answer to it: the widget would time out, as it should
	for _, r := range w.Reports() {
		if r.Page == load.Page && r.Kind == standin.KindUnmatched {
			t.Errorf("the new page got an answer to no request of its own: %s", r.Message)
		}
	}
	assert.Zero(t, logCount(a, "level=ERROR"), "no errors logged")
}

// oauthAt is a provider with its authorize and token endpoints at base.
func oauthAt(base string) *config.OAuth {
	return &config.OAuth{AuthorizeURL: base + "/authorize", TokenURL: base + "/token", ClientID: "reliability"}
}

func lineWith(log, substr string) string {
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, substr) {
			return l
		}
	}
	return ""
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
