package app

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/embeddable-tray/embeddable-tray/app/signin"
	"github.com/embeddable-tray/embeddable-tray/app/tokenstore"
	"github.com/embeddable-tray/embeddable-tray/bridge"
)

// TestSignOutSticksWhileARefreshIsInFlight: a refresh that ends after the sign-out must
// not write its token back to the keyring (the next start would sign in again with a
// token nobody revokes); its token is revoked instead.
func TestSignOutSticksWhileARefreshIsInFlight(t *testing.T) {
	store := tokenstore.NewMemory()
	expired := &oauth2.Token{AccessToken: "old", RefreshToken: "rt", Expiry: time.Now().Add(-time.Hour)}
	require.NoError(t, store.Save(tokenstore.Saved{Token: expired, Account: "ann@example.com"}))
	refreshing, proceed := make(chan struct{}), make(chan struct{})
	auth := newFakeAuth()
	auth.refresh = func(*oauth2.Token) (*oauth2.Token, error) {
		close(refreshing)
		<-proceed
		return &oauth2.Token{AccessToken: "fresh", RefreshToken: "rt2", Expiry: time.Now().Add(time.Hour)}, nil
	}
	a := New(Options{Config: testConfig(), UI: &fakeUI{}, Auth: auth, Store: store, Remembered: true})
	defer a.Close()
	<-refreshing // New began refreshing the remembered, expired token

	wait(t, a.SignOut())
	assert.Equal(t, "old", recv(t, auth.revoked).AccessToken)
	close(proceed)
	_, err := a.Token() // waits for the refresh under way (one at a time), then: signed out
	require.ErrorIs(t, err, ErrNotAuthorized)

	_, err = store.Load()
	assert.ErrorIs(t, err, tokenstore.ErrNotFound, "nothing written after the sign-out survives it")
	assert.Equal(t, "fresh", recv(t, auth.revoked).AccessToken, "the late token is revoked, not kept")
	assert.Equal(t, SignedOut, a.Snapshot().Phase)
}

// TestAuthorizeDuringSignOutSignsInAfter: Authorize clicked while a sign-out is under
// way starts a sign-in once the sign-out ended, and the widget ends up authorized.
func TestAuthorizeDuringSignOutSignsInAfter(t *testing.T) {
	store := &gatedStore{Store: tokenstore.NewMemory(), deleting: make(chan struct{}, 1), release: make(chan struct{})}
	tok := &oauth2.Token{AccessToken: "at", Expiry: time.Now().Add(time.Hour)}
	require.NoError(t, store.Store.Save(tokenstore.Saved{Token: tok, Account: "ann@example.com"}))
	h := newHarness(t, store)

	out := h.app.SignOut()
	<-store.deleting // the sign-out is under way
	_, err := h.authorize(t, false)
	require.NoError(t, err)
	close(store.release)
	wait(t, out)

	recv(t, h.auth.started) // the queued sign-in began
	h.auth.results <- signinOutcome{res: signin.Result{Token: tok, Account: "bob@example.com"}}
	require.Eventually(t, func() bool { return h.app.Snapshot().Phase == SignedIn }, 5*time.Second, time.Millisecond)
	assert.Equal(t, "bob@example.com", h.app.Snapshot().Account)
	require.Eventually(t, func() bool { last, _ := h.widget.lastUpdate(); return last.Authorized }, 5*time.Second, time.Millisecond,
		"the widget's button agrees with the app")
}

// TestSignOutDropsAQueuedSignIn: Unauthorize after a queued Authorize cancels it.
func TestSignOutDropsAQueuedSignIn(t *testing.T) {
	store := &gatedStore{Store: tokenstore.NewMemory(), deleting: make(chan struct{}, 1), release: make(chan struct{})}
	require.NoError(t, store.Store.Save(tokenstore.Saved{Token: &oauth2.Token{AccessToken: "at", Expiry: time.Now().Add(time.Hour)}, Account: "a@b"}))
	h := newHarness(t, store)
	out := h.app.SignOut()
	<-store.deleting
	queued := h.app.SignIn()
	h.app.SignOut()
	wait(t, queued)
	close(store.release)
	wait(t, out)
	assert.Equal(t, SignedOut, h.app.Snapshot().Phase)
	assert.Empty(t, h.auth.started, "no sign-in started")
}

// recv is <-ch, failing the test instead of hanging when nothing comes.
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("nothing came")
	}
	var zero T
	return zero
}

// gatedStore holds Delete (and Save, with saving) until release closes.
type gatedStore struct {
	tokenstore.Store
	deleting chan struct{}
	saving   chan struct{}
	release  chan struct{}
	saved    atomic.Bool
}

func (s *gatedStore) Delete() error {
	if s.deleting != nil {
		s.deleting <- struct{}{}
		<-s.release
	}
	return s.Store.Delete()
}

func (s *gatedStore) Save(v tokenstore.Saved) error {
	if s.saving != nil {
		s.saving <- struct{}{}
		<-s.release
	}
	err := s.Store.Save(v)
	s.saved.Store(err == nil)
	return err
}

// blockingNotifier is a notification daemon that does not answer until released.
type blockingNotifier struct {
	called  chan string
	release chan struct{}
}

func (n *blockingNotifier) Notify(title, body string, onClick func()) error {
	n.called <- title
	<-n.release
	return nil
}

// TestNotificationsDoNotBlockTheBridge: Notify runs on the bridge's loop, which serves
// every widget request; a slow notification daemon must not hold it.
func TestNotificationsDoNotBlockTheBridge(t *testing.T) {
	n := &blockingNotifier{called: make(chan string, 4), release: make(chan struct{})}
	defer close(n.release)
	a := New(Options{Config: testConfig(), UI: &fakeUI{}, Main: &fakeWindow{visible: false}, Auth: newFakeAuth(), Notifier: n})
	defer a.Close()
	returned := make(chan struct{})
	go func() {
		a.Notify(bridge.CallRing{Call: json.RawMessage(`{"from":{"name":"Ann","phoneNumber":"+15551234567"}}`)})
		close(returned)
	}()
	select {
	case <-returned:
	case <-time.After(10 * time.Second):
		t.Fatal("Notify waited for the notification daemon")
	}
	assert.Equal(t, "Incoming call", <-n.called, "the notification is still shown")
}

// TestQuitWaitsForTheKeyring: a sign-in that got its token is saved even when Quit
// comes while the keyring write is under way.
func TestQuitWaitsForTheKeyring(t *testing.T) {
	store := &gatedStore{Store: tokenstore.NewMemory(), saving: make(chan struct{}, 1), release: make(chan struct{})}
	h := newHarness(t, store)
	done := h.app.SignIn()
	<-h.auth.started
	h.auth.results <- signinOutcome{res: signin.Result{Token: &oauth2.Token{AccessToken: "at", Expiry: time.Now().Add(time.Hour)}, Account: "a@b"}}
	<-store.saving // the keyring write has begun
	closed := make(chan struct{})
	go func() {
		h.app.Close()
		close(closed)
	}()
	<-h.app.ctx.Done() // Close began
	close(store.release)
	<-closed
	assert.True(t, store.saved.Load(), "Close returned only after the save")
	wait(t, done)
}

// TestQuitWaitIsBounded: a keyring that never answers does not keep the app from quitting.
func TestQuitWaitIsBounded(t *testing.T) {
	store := &gatedStore{Store: tokenstore.NewMemory(), saving: make(chan struct{}, 1), release: make(chan struct{})}
	defer close(store.release)
	auth := newFakeAuth()
	a := New(Options{Config: testConfig(), UI: &fakeUI{}, Auth: auth, Store: store, Remembered: true, QuitWait: 50 * time.Millisecond})
	a.SignIn()
	<-auth.started
	auth.results <- signinOutcome{res: signin.Result{Token: &oauth2.Token{AccessToken: "at"}, Account: "a@b"}}
	<-store.saving
	a.Close() // returns although the save hangs
	assert.False(t, store.saved.Load())
}

// TestContactsFailureKeepsTheWidgetsList: a /contacts sync that fails for a passing reason
// (server down) is answered at once, and with an array (an {error} answer would empty the
// widget's list): what the app last read, and the tray says the contacts are out of date.
// With nothing read yet the error is answered (the widget has nothing to lose). A refused
// token signs out at once.
func TestContactsFailureKeepsTheWidgetsList(t *testing.T) {
	h := newHarness(t, nil)
	done := h.app.SignIn()
	<-h.auth.started
	h.auth.results <- signinOutcome{res: signin.Result{Token: &oauth2.Token{AccessToken: "a", Expiry: time.Now().Add(time.Hour)}, Account: "a@b"}}
	wait(t, done)

	down := errors.New("dial tcp: connection refused")
	lastRead := map[string]any{"data": []string{"ann"}}
	holding := func(json.RawMessage) (any, bool) { return lastRead, true }
	holdingNothing := func(json.RawMessage) (any, bool) { return nil, false }
	failing := func(context.Context, json.RawMessage) (any, error) { return nil, down }

	v, err := h.app.authorizedOnly(failing, holding)(context.Background(), nil)
	require.NoError(t, err, "answered with what the app holds, not an error")
	assert.Equal(t, lastRead, v)
	assert.Contains(t, h.app.Snapshot().ContactsProblem, "connection refused")
	assert.Equal(t, SignedIn, h.app.Snapshot().Phase)

	_, err = h.app.authorizedOnly(failing, holdingNothing)(context.Background(), nil)
	assert.ErrorIs(t, err, down, "nothing held: the error, at once")

	ok := h.app.authorizedOnly(func(context.Context, json.RawMessage) (any, error) { return []string{}, nil }, holding)
	_, err = ok(context.Background(), nil)
	require.NoError(t, err)
	assert.Empty(t, h.app.Snapshot().ContactsProblem, "cleared by the next read")

	refused := h.app.authorizedOnly(func(context.Context, json.RawMessage) (any, error) { return nil, signin.ErrRefused }, holding)
	_, err = refused(context.Background(), nil)
	require.ErrorIs(t, err, signin.ErrRefused, "answered at once: the list goes with the sign-in")
	assert.Equal(t, SignedOut, h.app.Snapshot().Phase)
	n := <-h.notifier.shown
	assert.Equal(t, "Signed out of Test CRM", n.title)
}

// TestOfflinePageRetriesUntilTheWidgetAnswers: a widget that cannot be loaded gives the
// offline page, retried until the widget's server answers, then the widget is loaded.
func TestOfflinePageRetriesUntilTheWidgetAnswers(t *testing.T) {
	saved := offlineBackoff
	offlineBackoff = []time.Duration{time.Millisecond}
	defer func() { offlineBackoff = saved }()
	var tries atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tries.Add(1) < 3 { // down twice: the connection is dropped
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		_, _ = w.Write([]byte("<html></html>"))
	}))
	defer srv.Close()
	cfg := testConfig()
	cfg.Widget.URL = srv.URL + "/app.html"
	main := &fakeWindow{visible: true}
	a := New(Options{Config: cfg, UI: &fakeUI{}, Main: main, Auth: newFakeAuth()})
	defer a.Close()

	a.LoadFailed("https://elsewhere.example/x", errors.New("not ours"))
	main.mu.Lock()
	assert.Empty(t, main.html, "a page of another origin is not the widget")
	main.mu.Unlock()

	a.LoadFailed(cfg.WidgetURL(), &net.OpError{Op: "dial", Err: errors.New("network is unreachable")})
	require.Eventually(t, func() bool {
		main.mu.Lock()
		defer main.mu.Unlock()
		return len(main.urls) == 1
	}, 10*time.Second, time.Millisecond)
	main.mu.Lock()
	defer main.mu.Unlock()
	assert.Equal(t, cfg.WidgetURL(), main.urls[0], "the widget is loaded again once it answers")
	assert.True(t, strings.Contains(main.html, srv.URL), "the offline page names the widget: %s", main.html)
	assert.GreaterOrEqual(t, tries.Load(), int32(3), "retried while it failed")
}

// TestNewContactsIsMadeFromTheApp: the address book is made by New from the app itself,
// so its token source is the app, never a closure over a variable assigned later.
func TestNewContactsIsMadeFromTheApp(t *testing.T) {
	var got *App
	book := &countingBook{}
	a := New(Options{Config: testConfig(), UI: &fakeUI{}, Auth: newFakeAuth(),
		NewContacts: func(a *App) (AddressBook, func(error) bool) {
			got = a
			_, err := a.Token() // usable at once: signed out, not a nil App
			assert.ErrorIs(t, err, ErrNotAuthorized)
			return book, func(error) bool { return true }
		}})
	defer a.Close()
	assert.Same(t, a, got)
	assert.Equal(t, ContactsPath, a.Registration().ContactsPath)
	assert.NotNil(t, a.opts.IsUnauthorized)
}

type countingBook struct{ AddressBook }
