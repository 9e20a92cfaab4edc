package e2e

// Issue 2: the app is the widget's host page.

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/bridge"
	"github.com/embeddable-tray/embeddable-tray/e2e/apptest"
	"github.com/embeddable-tray/embeddable-tray/e2e/standin"
)

// TestRegistrationHasEverySeedField: on the widget's first rc-login-status-notify the app
// registers its service with every field of the seed document, once per page load, posted from
// the widget's own window and origin.
func TestRegistrationHasEverySeedField(t *testing.T) {
	ctx, w, cfg := setup(t)
	apptest.Launch(t, cfg)

	load, err := w.WaitFor(ctx, standin.IsKind(standin.KindLoad))
	require.NoError(t, err)
	u, err := url.Parse(load.URL)
	require.NoError(t, err)
	q := u.Query()
	assert.Equal(t, "1", q.Get("disableLoginPopup"), "the app loads the widget without login popups")
	assert.Equal(t, "e2e-client", q.Get("clientId"))
	assert.Equal(t, w.RedirectURL(), q.Get("redirectUri"))

	r, s, raw := registration(ctx, t, w, 0)
	assert.Equal(t, w.Origin(), r.Origin)
	assert.True(t, r.FromSelf, "posted to the widget's own window")
	for _, field := range []string{"name", "displayName", "info", "authorizationPath", "authorizedTitle",
		"unauthorizedTitle", "authorized", "authorizedAccount", "authorizationLogo", "showAuthRedDot"} {
		assert.Contains(t, raw, field, "seed field %q missing from the registration", field)
	}
	s.ContactsPath, s.ContactSearchPath, s.ContactMatchPath, s.ViewMatchedContactPath = "", "", "", "" // the contacts tests' business
	assert.Equal(t, bridge.Service{
		Name:              cfg.Service.Name,
		DisplayName:       displayName,
		Info:              cfg.Service.Info,
		AuthorizationPath: "/authorize",
		AuthorizedTitle:   "Unauthorize",
		UnauthorizedTitle: "Authorize",
		Authorized:        false,
		AuthorizedAccount: "",
		AuthorizationLogo: "https://example.com/logo.png",
		ShowAuthRedDot:    true,
	}, s)

	// A second login notice on the same page load does not register again.
	w.Post(map[string]any{"type": bridge.TypeLoginStatus, "loggedIn": true})
	resp, err := w.Request(ctx, "/no-such-path", map[string]any{})
	require.NoError(t, err, "a request after the second notice is answered, so that notice was handled")
	assertError(t, resp, "")
	assert.Equal(t, 1, count(w, load.Page, standin.IsMessage(bridge.TypeRegisterService)))

	// A reload is a new page load: registered again, once.
	reload, err := w.Reload(ctx)
	require.NoError(t, err)
	registration(ctx, t, w, reload.Seq)
}

// TestRequestsAnsweredByID: /authorize and every other request get exactly one
// rc-post-message-response whose responseId is the request's id; unknown paths get an error.
func TestRequestsAnsweredByID(t *testing.T) {
	ctx, w, cfg := setup(t)
	startOIDC(t, &cfg)
	apptest.Launch(t, cfg)
	registration(ctx, t, w, 0)

	resp, err := w.Request(ctx, "/authorize", map[string]any{"authorized": false})
	require.NoError(t, err)
	assert.JSONEq(t, `{"data":"ok"}`, string(resp))
	// A status change reaches the widget.
	authStatus(ctx, t, w, 0, true)

	resp, err = w.Request(ctx, "/no-such-path", map[string]any{"x": 1})
	require.NoError(t, err)
	assertError(t, resp, "")

	for _, r := range w.Reports() {
		assert.NotEqual(t, standin.KindUnmatched, r.Kind, "a response matched no request: %s", r.Message)
	}
}

// TestForeignOriginIgnored is replaced by the attacks of attack_test.go (issue 9).

// TestLocalStorageSurvivesRestart: what the widget keeps in localStorage (its own login, the
// authorization state) is there after the app restarts.
func TestLocalStorageSurvivesRestart(t *testing.T) {
	ctx, w, cfg := setup(t)
	a := apptest.Launch(t, cfg)
	_, err := w.WaitFor(ctx, standin.IsKind(standin.KindLoad))
	require.NoError(t, err)
	value := "kept-" + serviceName(t)
	require.NoError(t, w.SetStorage(ctx, "e2e-persist", value))

	seq := w.Seq()
	a.Restart(t)
	load, err := w.WaitFor(ctx, standin.After(seq, standin.IsKind(standin.KindLoad)))
	require.NoError(t, err)
	assert.Equal(t, value, load.Storage["e2e-persist"])
}

// TestLoginPopupGivesAuthorizationCode: the widget's own (RingCentral) login without popups:
// the widget posts rc-login-popup-notify, the app opens oAuthUri in a window, and when that
// window reaches the widget's redirectUri the widget gets the full URL as callbackUri and logs
// in with the PKCE verifier it kept. No params.redirectUri: the app must expect the widget's
// default, ./redirect.html next to app.html (PROTOCOL.md, Loading).
func TestLoginPopupGivesAuthorizationCode(t *testing.T) {
	ctx, w, cfg := setup(t)
	delete(cfg.Widget.Params, "jwt")
	delete(cfg.Widget.Params, "redirectUri")
	var hits atomic.Int32
	login := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		back := r.URL.Query().Get("redirect_uri") + "?code=rc-code-123&state=" + url.QueryEscape(r.URL.Query().Get("state"))
		http.Redirect(rw, r, back, http.StatusFound)
	}))
	t.Cleanup(login.Close)
	apptest.Launch(t, cfg)
	registration(ctx, t, w, 0)
	_, err := w.WaitFor(ctx, sent(bridge.TypeLoginStatus, `"loggedIn":false`))
	require.NoError(t, err)

	oAuthURI, err := w.StartLogin(ctx, login.URL+"/restapi/oauth/authorize")
	require.NoError(t, err)
	u, err := url.Parse(oAuthURI)
	require.NoError(t, err)
	r, err := w.WaitFor(ctx, standin.IsMessage(bridge.TypeAuthorizationCode))
	require.NoError(t, err)
	var callback string
	require.True(t, r.Field("callbackUri", &callback))
	assert.Equal(t, w.RedirectURL()+"?code=rc-code-123&state="+url.QueryEscape(u.Query().Get("state")), callback)
	assert.Equal(t, w.Origin(), r.Origin)
	assert.Positive(t, hits.Load(), "the login window opened oAuthUri")
	_, err = w.WaitFor(ctx, standin.After(r.Seq, sent(bridge.TypeLoginStatus, `"loggedIn":true`)))
	require.NoError(t, err, "the widget logged in with the verifier it kept")
}

// sent matches the widget's own posts of typ whose message contains substr.
func sent(typ, substr string) func(standin.Report) bool {
	return func(r standin.Report) bool {
		return r.Kind == standin.KindSent && r.Type == typ && strings.Contains(string(r.Message), substr)
	}
}

// TestCloseWindowKeepsRunning: the title-bar close button hides the window; the process stays,
// the tray's "Show window" brings it back and "Quit" ends the app with status 0.
func TestCloseWindowKeepsRunning(t *testing.T) {
	ctx, w, cfg := setup(t)
	apptest.RequireSession(t, "xdotool")
	d := startDesktop(t)
	a := apptest.Launch(t, cfg)
	bus := d.item(ctx, t)
	registration(ctx, t, w, 0)

	win, err := a.WaitWindow(ctx, mainTitle, true)
	require.NoError(t, err)
	require.NoError(t, w.Show(ctx, "settings"))
	screenshot(t, "main-window")
	d.waitLabel(ctx, t, bus, "Hide window")

	require.NoError(t, apptest.CloseWindow(win))
	_, err = a.WaitWindow(ctx, mainTitle, false)
	require.NoError(t, err)
	select {
	case <-a.Done():
		t.Fatalf("closing the window ended the app:\n%s", a.Log())
	default:
	}

	d.click(ctx, t, bus, "Show window")
	_, err = a.WaitWindow(ctx, mainTitle, true)
	require.NoError(t, err)
	d.waitLabel(ctx, t, bus, "Hide window")

	d.click(ctx, t, bus, "Quit")
	code, err := a.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, 0, code)
}

// assertError checks that resp is {error: "..."} containing want.
func assertError(t *testing.T, resp json.RawMessage, want string) {
	t.Helper()
	var body struct {
		Error string `json:"error"`
	}
	require.NoError(t, json.Unmarshal(resp, &body), "response %s", resp)
	require.NotEmpty(t, body.Error, "want an error response, got %s", resp)
	assert.Contains(t, strings.ToLower(body.Error), want)
}

// count counts the reports of one page load that match.
func count(w *standin.Widget, page string, match func(standin.Report) bool) int {
	n := 0
	for _, r := range w.Reports() {
		if r.Page == page && match(r) {
			n++
		}
	}
	return n
}
