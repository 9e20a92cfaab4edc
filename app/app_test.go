package app

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/embeddable-tray/embeddable-tray/app/config"
	"github.com/embeddable-tray/embeddable-tray/app/signin"
	"github.com/embeddable-tray/embeddable-tray/app/tokenstore"
	"github.com/embeddable-tray/embeddable-tray/bridge"
)

// fakeWidget records what the app tells the widget.
type fakeWidget struct {
	mu      sync.Mutex
	sent    []bridge.Outbound
	updates []bridge.UpdateAuthorization
}

func (w *fakeWidget) Post(m bridge.Outbound) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sent = append(w.sent, m)
	return nil
}

func (w *fakeWidget) UpdateAuthorization(authorized bool, account string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.updates = append(w.updates, bridge.UpdateAuthorization{Authorized: authorized, AuthorizedAccount: account})
}

func (w *fakeWidget) lastUpdate() (bridge.UpdateAuthorization, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.updates) == 0 {
		return bridge.UpdateAuthorization{}, 0
	}
	return w.updates[len(w.updates)-1], len(w.updates)
}

// fakeAuth plays the provider: each SignIn waits for a result on results.
type fakeAuth struct {
	results   chan signinOutcome
	started   chan signin.Presenter
	revoked   chan *oauth2.Token
	refresh   func(*oauth2.Token) (*oauth2.Token, error)
	mu        sync.Mutex
	signIns   int
	revokeErr error
}

type signinOutcome struct {
	res signin.Result
	err error
}

func newFakeAuth() *fakeAuth {
	return &fakeAuth{results: make(chan signinOutcome, 1), started: make(chan signin.Presenter, 4), revoked: make(chan *oauth2.Token, 4)}
}

func (f *fakeAuth) SignIn(ctx context.Context, p signin.Presenter) (signin.Result, error) {
	f.mu.Lock()
	f.signIns++
	f.mu.Unlock()
	f.started <- p
	select {
	case o := <-f.results:
		return o.res, o.err
	case <-ctx.Done():
		return signin.Result{}, ctx.Err()
	}
}

func (f *fakeAuth) Refresh(ctx context.Context, t *oauth2.Token) (*oauth2.Token, error) {
	return f.refresh(t)
}

func (f *fakeAuth) Revoke(ctx context.Context, t *oauth2.Token) error {
	f.revoked <- t
	return f.revokeErr
}

// fakeWindow is a native window that is never drawn.
type fakeWindow struct {
	mu       sync.Mutex
	visible  bool
	closed   bool
	urls     []string
	onClose  func()
	onNav    func(string)
	html     string
	showings int
}

func (w *fakeWindow) Navigate(url string) {
	w.mu.Lock()
	w.urls = append(w.urls, url)
	w.mu.Unlock()
}
func (w *fakeWindow) SetHTML(html string) { w.mu.Lock(); w.html = html; w.mu.Unlock() }
func (w *fakeWindow) Show()               { w.mu.Lock(); w.visible = true; w.showings++; w.mu.Unlock() }
func (w *fakeWindow) Hide()               { w.mu.Lock(); w.visible = false; w.mu.Unlock() }
func (w *fakeWindow) Visible() bool       { w.mu.Lock(); defer w.mu.Unlock(); return w.visible }
func (w *fakeWindow) Close()              { w.mu.Lock(); w.closed = true; w.mu.Unlock() }
func (w *fakeWindow) OnClose(f func())    { w.mu.Lock(); w.onClose = f; w.mu.Unlock() }
func (w *fakeWindow) OnPageReached(f func(string)) {
	w.mu.Lock()
	w.onNav = f
	w.mu.Unlock()
}

// closeByHand is the title-bar button.
func (w *fakeWindow) closeByHand() {
	w.mu.Lock()
	f := w.onClose
	w.mu.Unlock()
	f()
}

type fakeUI struct {
	mu      sync.Mutex
	windows []*fakeWindow
	titles  []string
	quit    bool
}

func (u *fakeUI) NewWindow(title string) (Window, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	w := &fakeWindow{}
	u.windows = append(u.windows, w)
	u.titles = append(u.titles, title)
	return w, nil
}

func (u *fakeUI) Quit() { u.mu.Lock(); u.quit = true; u.mu.Unlock() }

func (u *fakeUI) window(i int) *fakeWindow {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.windows[i]
}

// chanNotifier delivers desktop notifications on a channel.
type chanNotifier struct {
	shown chan shownNote
}

type shownNote struct{ title, body string }

func (n *chanNotifier) Notify(title, body string, onClick func()) error {
	n.shown <- shownNote{title, body}
	return nil
}

type harness struct {
	notifier *chanNotifier
	app      *App
	widget   *fakeWidget
	auth     *fakeAuth
	ui       *fakeUI
	main     *fakeWindow
	store    tokenstore.Store
	snaps    chan Snapshot
}

func testConfig() config.Config {
	cfg := config.Default()
	cfg.Widget.URL = "http://127.0.0.1:9/app.html"
	cfg.Service.Name = "TestService"
	cfg.Service.DisplayName = "Test CRM"
	cfg.Service.OAuth = &config.OAuth{ClientID: "c", AuthorizeURL: "http://idp/a", TokenURL: "http://idp/t"}
	return cfg
}

func newHarness(t *testing.T, store tokenstore.Store) *harness {
	t.Helper()
	if store == nil {
		store = tokenstore.NewMemory()
	}
	h := &harness{widget: &fakeWidget{}, auth: newFakeAuth(), ui: &fakeUI{}, main: &fakeWindow{visible: true}, store: store, snaps: make(chan Snapshot, 64)}
	h.notifier = &chanNotifier{shown: make(chan shownNote, 16)}
	h.app = New(Options{Config: testConfig(), UI: h.ui, Main: h.main, Auth: h.auth, Store: store, Remembered: true, Notifier: h.notifier})
	h.app.Attach(h.widget)
	h.app.OnChange(func(s Snapshot) {
		select {
		case h.snaps <- s:
		default:
		}
	})
	t.Cleanup(h.app.Close)
	return h
}

func (h *harness) authorize(t *testing.T, authorized bool) (any, error) {
	t.Helper()
	body, _ := json.Marshal(map[string]bool{"authorized": authorized})
	return h.app.handleAuthorize(context.Background(), body)
}

func wait(t *testing.T, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("flow did not end")
	}
}

func TestSignInFromWidgetPushesStateEverywhere(t *testing.T) {
	h := newHarness(t, nil)
	tok := &oauth2.Token{AccessToken: "at", RefreshToken: "rt", Expiry: time.Now().Add(time.Hour)}

	done := h.app.SignIn()
	p := <-h.auth.started
	assert.Equal(t, SigningIn, h.app.Snapshot().Phase)
	h.auth.results <- signinOutcome{res: signin.Result{Token: tok, Account: "ann@example.com"}}
	wait(t, done)

	snap := h.app.Snapshot()
	assert.Equal(t, SignedIn, snap.Phase)
	assert.Equal(t, "ann@example.com", snap.Account)
	last, _ := h.widget.lastUpdate()
	assert.Equal(t, bridge.UpdateAuthorization{Authorized: true, AuthorizedAccount: "ann@example.com"}, last)
	saved, err := h.store.Load()
	require.NoError(t, err)
	assert.Equal(t, "ann@example.com", saved.Account)
	assert.Equal(t, "at", saved.Token.AccessToken)
	_, isWindow := p.(*windowPresenter)
	assert.True(t, isWindow, "signs in in a native window by default")

	reg := h.app.Registration()
	assert.True(t, reg.Authorized)
	assert.Equal(t, "ann@example.com", reg.AuthorizedAccount)
	assert.Equal(t, "/authorize", reg.AuthorizationPath)
}

func TestSecondSignInClickRaisesTheOpenWindow(t *testing.T) {
	h := newHarness(t, nil)
	first := h.app.SignIn()
	p := (<-h.auth.started).(*windowPresenter)
	_, err := p.Present("http://idp/a?x=1")
	require.NoError(t, err)
	win := h.ui.window(0)

	second := h.app.SignIn()
	assert.Equal(t, first, second, "the same flow")
	assert.Equal(t, 2, win.showings, "the sign-in window came to the front again")
	h.auth.mu.Lock()
	assert.Equal(t, 1, h.auth.signIns)
	h.auth.mu.Unlock()
	h.auth.results <- signinOutcome{err: errors.New("x")}
	wait(t, first)
}

// TestFailedSignInIsShownByTheApp: the widget ignores /authorize's answer (PROTOCOL.md),
// so the answer is "ok" at once and the failure goes to the tray (Problem) and to a
// desktop notification that says what to do next.
func TestFailedSignInIsShownByTheApp(t *testing.T) {
	h := newHarness(t, nil)
	v, err := h.authorize(t, false)
	require.NoError(t, err, "answered at once, before any outcome")
	assert.Equal(t, "ok", v)
	<-h.auth.started
	h.auth.results <- signinOutcome{err: errors.New("Sign-in was refused by Test CRM: access_denied")}
	n := <-h.notifier.shown
	assert.Equal(t, "Sign-in to Test CRM failed", n.title)
	assert.Contains(t, n.body, "access_denied")
	assert.Contains(t, n.body, "Sign in in the tray menu", "says what to do next")
	snap := h.app.Snapshot()
	assert.Equal(t, SignedOut, snap.Phase)
	assert.Contains(t, snap.Problem, "access_denied")
	last, _ := h.widget.lastUpdate()
	assert.False(t, last.Authorized)
}

func TestCancelledSignInIsNotNotified(t *testing.T) {
	h := newHarness(t, nil)
	done := h.app.SignIn()
	<-h.auth.started
	h.auth.results <- signinOutcome{err: signin.ErrCancelled}
	wait(t, done)
	h.app.Close() // the notifier goroutine ends; nothing was queued
	assert.Empty(t, h.notifier.shown)
}

func TestSlowSignInAnswersOKAndFinishesLater(t *testing.T) {
	h := newHarness(t, nil)
	v, err := h.authorize(t, false)
	require.NoError(t, err)
	assert.Equal(t, "ok", v)
	<-h.auth.started
	assert.Equal(t, SigningIn, h.app.Snapshot().Phase)
	h.app.SignOut() // cancels the flow under way
	require.Eventually(t, func() bool { return h.app.Snapshot().Phase == SignedOut }, 5*time.Second, 10*time.Millisecond)
}

func TestClosingTheSignInWindowCancels(t *testing.T) {
	h := newHarness(t, nil)
	done := h.app.SignIn()
	p := (<-h.auth.started).(*windowPresenter)
	closed, err := p.Present("http://idp/a")
	require.NoError(t, err)
	h.ui.window(0).closeByHand()
	select {
	case <-closed:
	case <-time.After(time.Second):
		t.Fatal("closing by hand must be reported to the flow")
	}
	assert.True(t, h.ui.window(0).closed)
	h.auth.results <- signinOutcome{err: signin.ErrCancelled}
	wait(t, done)
	assert.Equal(t, SignedOut, h.app.Snapshot().Phase)
}

func TestSignOutRevokesDeletesAndPushes(t *testing.T) {
	store := tokenstore.NewMemory()
	tok := &oauth2.Token{AccessToken: "at", RefreshToken: "rt", Expiry: time.Now().Add(time.Hour)}
	require.NoError(t, store.Save(tokenstore.Saved{Token: tok, Account: "ann@example.com"}))
	h := newHarness(t, store)
	require.Equal(t, SignedIn, h.app.Snapshot().Phase, "restored from the keyring")
	assert.True(t, h.app.Registration().Authorized, "the first registration already says authorized")

	h.auth.revokeErr = errors.New("provider down") // logged, not fatal
	v, err := h.authorize(t, true)
	require.NoError(t, err)
	assert.Equal(t, "ok", v)
	assert.Equal(t, "at", (<-h.auth.revoked).AccessToken)
	wait(t, h.app.SignOut()) // the sign-out under way
	assert.Equal(t, SignedOut, h.app.Snapshot().Phase)
	_, err = store.Load()
	assert.ErrorIs(t, err, tokenstore.ErrNotFound)
	last, _ := h.widget.lastUpdate()
	assert.Equal(t, bridge.UpdateAuthorization{Authorized: false}, last)
}

func TestWidgetOutOfStepGetsTheTrueState(t *testing.T) {
	h := newHarness(t, nil)
	// The widget shows "authorized" (out of step), but we are signed out: the click on
	// Unauthorize needs no sign-out, only the truth.
	_, n := h.widget.lastUpdate()
	_, err := h.authorize(t, true)
	require.NoError(t, err)
	last, m := h.widget.lastUpdate()
	assert.Equal(t, n+1, m)
	assert.False(t, last.Authorized)
}

func TestExpiredTokenIsRefreshedAndRefusalSignsOut(t *testing.T) {
	store := tokenstore.NewMemory()
	old := &oauth2.Token{AccessToken: "old", RefreshToken: "rt", Expiry: time.Now().Add(-time.Hour)}
	require.NoError(t, store.Save(tokenstore.Saved{Token: old, Account: "ann@example.com"}))
	refreshed := make(chan struct{}, 8)
	auth := newFakeAuth()
	auth.refresh = func(t *oauth2.Token) (*oauth2.Token, error) {
		refreshed <- struct{}{}
		return &oauth2.Token{AccessToken: "new", RefreshToken: "rt2", Expiry: time.Now().Add(time.Hour)}, nil
	}
	a := New(Options{Config: testConfig(), UI: &fakeUI{}, Auth: auth, Store: store, Remembered: true})
	defer a.Close()
	tok, err := a.Token()
	require.NoError(t, err)
	assert.Equal(t, "new", tok.AccessToken)
	saved, err := store.Load()
	require.NoError(t, err)
	assert.Equal(t, "new", saved.Token.AccessToken, "the refreshed token is remembered")

	// Expire again; this time the provider refuses.
	a.mu.Lock()
	a.token = &oauth2.Token{AccessToken: "new", RefreshToken: "rt2", Expiry: time.Now().Add(-time.Minute)}
	a.mu.Unlock()
	auth.refresh = func(*oauth2.Token) (*oauth2.Token, error) { return nil, signin.ErrRefused }
	_, err = a.Token()
	require.ErrorIs(t, err, signin.ErrRefused)
	snap := a.Snapshot()
	assert.Equal(t, SignedOut, snap.Phase)
	assert.Contains(t, snap.Problem, "sign in again")
	_, err = store.Load()
	assert.ErrorIs(t, err, tokenstore.ErrNotFound)
}

func TestContactPathsOnlyWhenAuthorized(t *testing.T) {
	h := newHarness(t, nil)
	called := 0
	guarded := h.app.authorizedOnly(func(context.Context, json.RawMessage) (any, error) {
		called++
		return []string{}, nil
	}, nil)
	_, err := guarded(context.Background(), nil)
	require.ErrorIs(t, err, ErrNotAuthorized)
	assert.Contains(t, err.Error(), "sign in to Test CRM first")
	assert.Zero(t, called, "nothing is touched while signed out")

	done := h.app.SignIn()
	<-h.auth.started
	h.auth.results <- signinOutcome{res: signin.Result{Token: &oauth2.Token{AccessToken: "a", Expiry: time.Now().Add(time.Hour)}, Account: "a@b"}}
	wait(t, done)
	_, err = guarded(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, 1, called)
}

func TestRingCentralLoginHandsTheRedirectBack(t *testing.T) {
	h := newHarness(t, nil)
	h.app.cfg.Widget.Params = map[string]string{"redirectUri": "http://127.0.0.1:9/redirect.html"}
	h.app.Notify(bridge.LoginPopup{OAuthURI: "http://127.0.0.1:9/oauth?state=s"})
	win := h.ui.window(0)
	assert.Equal(t, []string{"http://127.0.0.1:9/oauth?state=s"}, win.urls)
	win.onNav("http://127.0.0.1:9/oauth?state=s")
	assert.False(t, win.closed)
	win.onNav("http://127.0.0.1:9/redirect.html?code=abc&state=s")
	assert.True(t, win.closed)
	require.NotEmpty(t, h.widget.sent)
	assert.Equal(t, bridge.AuthorizationCode{CallbackURI: "http://127.0.0.1:9/redirect.html?code=abc&state=s"}, h.widget.sent[len(h.widget.sent)-1])

	h.app.Notify(bridge.LoginPopup{OAuthURI: "javascript:alert(1)"})
	assert.Len(t, h.ui.windows, 1, "a non-http login URL opens nothing")
}

func TestDialWaitsForTheDialer(t *testing.T) {
	h := newHarness(t, nil)
	h.app.Dial("+15551234567")
	assert.Empty(t, h.widget.sent)
	h.app.Notify(bridge.DialerStatus{Ready: true})
	require.Len(t, h.widget.sent, 1)
	assert.Equal(t, bridge.NewCall{PhoneNumber: "+15551234567"}, h.widget.sent[0])
	h.app.Dial("+15550000000")
	assert.Len(t, h.widget.sent, 2, "once ready, at once")
}

func TestPhoneNumberFromURI(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"tel:+15551234567", "+15551234567", true},
		{"TEL:+1-555-123-4567", "+15551234567", true},
		{"tel:+1%20(555)%20123-4567", "+15551234567", true},
		{"tel:5551234;ext=12", "5551234", true},
		{"callto:+15551234567", "+15551234567", true},
		{"callto://+15551234567", "+15551234567", true},
		{"tel:", "", false},
		{"tel:abc", "", false},
		{"tel:1+2", "", false},
		{"https://example.com", "", false},
		{"+15551234567", "", false},
	}
	for _, tt := range tests {
		got, ok := PhoneNumberFromURI(tt.in)
		assert.Equal(t, tt.ok, ok, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

func TestCaller(t *testing.T) {
	assert.Equal(t, "Ann Lee (+15551234567)", caller(json.RawMessage(`{"from":{"name":"Ann Lee","phoneNumber":"+15551234567"}}`)))
	assert.Equal(t, "+15551234567", caller(json.RawMessage(`{"from":{"phoneNumber":"+15551234567"}}`)))
	assert.Equal(t, "Unknown caller", caller(json.RawMessage(`7`)))
}
