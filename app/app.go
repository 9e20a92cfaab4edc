// Package app is the one owner of the app's state: the third-party sign-in (signed out,
// signing in, signed in as ACCOUNT, signing out), the token behind it, and what the widget,
// the tray and the keyring are told about it. Tray clicks and widget requests call the same
// methods here; every change is pushed to all of them.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/embeddable-tray/embeddable-tray/app/config"
	"github.com/embeddable-tray/embeddable-tray/app/signin"
	"github.com/embeddable-tray/embeddable-tray/app/tokenstore"
	"github.com/embeddable-tray/embeddable-tray/bridge"
)

// Widget is the app's way to the widget page: bridge.Conn provides it.
type Widget interface {
	Send(m bridge.Outbound) error
	UpdateAuthorization(authorized bool, account string)
}

// Authenticator runs the OAuth flows: signin.Client provides it.
type Authenticator interface {
	SignIn(ctx context.Context, p signin.Presenter) (signin.Result, error)
	Refresh(ctx context.Context, t *oauth2.Token) (*oauth2.Token, error)
	Revoke(ctx context.Context, t *oauth2.Token) error
}

// AddressBook answers the widget's contact requests: contacts.Book provides it.
type AddressBook interface {
	HandleContacts(ctx context.Context, body json.RawMessage) (any, error)
	HandleSearch(ctx context.Context, body json.RawMessage) (any, error)
	HandleMatch(ctx context.Context, body json.RawMessage) (any, error)
	HandleViewMatchedContact(ctx context.Context, body json.RawMessage) (any, error)
	Clear()
}

// Notifier shows a desktop notification; onClick runs when the user clicks it.
type Notifier interface {
	Notify(title, body string, onClick func()) error
}

// Autostart switches "Start at login".
type Autostart interface {
	Enabled() (bool, error)
	Enable(exe string) error
	Disable() error
}

// Options are the app's parts. Nil optional parts turn their feature off.
type Options struct {
	Config config.Config
	UI     UI
	Main   Window
	Auth   Authenticator
	Store  tokenstore.Store
	// Remembered is false when Store is only in memory (no keyring).
	Remembered bool
	Contacts   AddressBook // optional
	// IsUnauthorized recognises the address book's "the server refused the token" error.
	IsUnauthorized func(error) bool
	Notifier       Notifier  // optional
	Autostart      Autostart // optional
	Executable     string    // for autostart entries
	Logger         *slog.Logger
	// answerWithin is how long /authorize waits for a quick outcome before answering
	// "ok" (the flow goes on); the widget gives up after 3 s.
	answerWithin time.Duration
}

// ErrNotAuthorized answers contact requests while signed out.
var ErrNotAuthorized = errors.New("not authorized")

// App owns the state. Create it with New, attach the widget connection, then Start.
type App struct {
	opts   Options
	cfg    config.Config
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	mu        sync.Mutex
	snap      Snapshot
	token     *oauth2.Token
	flow      *flow // the sign-in or sign-out under way, nil if none
	presenter *windowPresenter
	widget    Widget
	pushed    *Snapshot // what the widget was last told
	onChange  func(Snapshot)

	refreshMu sync.Mutex // one refresh at a time

	dialer    dialer
	rcLogin   rcLogin
	offline   offline
	quitOnce  sync.Once
	closeOnce sync.Once
}

// flow is one sign-in or sign-out; done closes when it ends, err says how.
type flow struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// New makes the app and restores a remembered sign-in from the keyring, so the first
// registration already carries it.
func New(opts Options) *App {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.answerWithin == 0 {
		opts.answerWithin = 2500 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &App{opts: opts, cfg: opts.Config, log: opts.Logger, ctx: ctx, cancel: cancel}
	a.snap.Remembered = opts.Remembered
	if opts.Main != nil {
		a.snap.WindowVisible = opts.Main.Visible()
	}
	if opts.Autostart != nil {
		on, err := opts.Autostart.Enabled()
		if err != nil {
			a.log.Warn("cannot read the start-at-login setting", "err", err)
		}
		a.snap.StartAtLogin = on
	}
	a.restore()
	return a
}

// Attach connects the widget page. Call before the page loads.
func (a *App) Attach(w Widget) {
	a.mu.Lock()
	a.widget = w
	a.mu.Unlock()
}

// OnChange sets who hears of every state change, with the new snapshot (the tray).
func (a *App) OnChange(f func(Snapshot)) {
	a.mu.Lock()
	a.onChange = f
	a.mu.Unlock()
}

// Routes registers the app's request handlers on the bridge router.
func (a *App) Routes(r *bridge.Router) {
	r.Handle(config.AuthorizationPath, a.handleAuthorize)
	if c := a.opts.Contacts; c != nil {
		r.Handle(ContactsPath, a.authorizedOnly(c.HandleContacts))
		r.Handle(ContactSearchPath, a.authorizedOnly(c.HandleSearch))
		r.Handle(ContactMatchPath, a.authorizedOnly(c.HandleMatch))
		r.Handle(ViewMatchedContactPath, a.authorizedOnly(c.HandleViewMatchedContact))
	}
}

// The contact paths registered with the service.
const (
	ContactsPath           = "/contacts"
	ContactSearchPath      = "/contacts/search"
	ContactMatchPath       = "/contacts/match"
	ViewMatchedContactPath = "/contacts/view"
)

// Snapshot returns the current state.
func (a *App) Snapshot() Snapshot {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.snap
}

// Close ends every flow under way and the app's background work.
func (a *App) Close() {
	a.closeOnce.Do(func() {
		a.cancel()
		a.offline.stop()
	})
}

// restore reads the remembered sign-in. An expired access token is refreshed in the
// background; until the provider refuses, the user stays signed in.
func (a *App) restore() {
	if a.opts.Store == nil {
		return
	}
	saved, err := a.opts.Store.Load()
	switch {
	case errors.Is(err, tokenstore.ErrNotFound):
		return
	case err != nil:
		a.log.Warn("cannot read the remembered sign-in from the keyring", "err", err)
		return
	case saved.Token == nil || saved.Account == "":
		a.log.Warn("the remembered sign-in is incomplete; signed out")
		return
	}
	a.snap.Phase, a.snap.Account, a.token = SignedIn, saved.Account, saved.Token
	a.log.Info("restored sign-in", "service", a.cfg.Service.Name, "account", saved.Account)
	if !saved.Token.Valid() {
		go func() {
			if _, err := a.Token(); err != nil {
				a.log.Warn("could not refresh the remembered sign-in yet", "err", err)
			}
		}()
	}
}

// changed tells the widget and the tray about the current state.
func (a *App) changed() {
	a.mu.Lock()
	snap := a.snap
	w, onChange := a.widget, a.onChange
	same := a.pushed != nil && a.pushed.Authorized() == snap.Authorized() && a.pushed.widgetAccount() == snap.widgetAccount()
	a.pushed = &snap
	a.mu.Unlock()
	if w != nil && !same {
		w.UpdateAuthorization(snap.Authorized(), snap.widgetAccount())
	}
	if onChange != nil {
		onChange(snap)
	}
}

// repush tells the widget the true state even if it was told before: the widget shows
// something else (its cached flag) when it asks to sign in while we are signed in.
func (a *App) repush() {
	a.mu.Lock()
	a.pushed = nil
	a.mu.Unlock()
	a.changed()
}

// Registration is the service the widget registers, with the current state (bridge.Events).
func (a *App) Registration() bridge.Service {
	a.mu.Lock()
	snap := a.snap
	a.pushed = &snap // the registration tells the widget the state
	a.mu.Unlock()
	s := a.cfg.Service
	svc := bridge.Service{
		Name:              s.Name,
		DisplayName:       s.DisplayName,
		Info:              s.Info,
		AuthorizationPath: config.AuthorizationPath,
		AuthorizedTitle:   s.AuthorizedTitle,
		UnauthorizedTitle: s.UnauthorizedTitle,
		Authorized:        snap.Authorized(),
		AuthorizedAccount: snap.widgetAccount(),
		AuthorizationLogo: s.AuthorizationLogo,
		ShowAuthRedDot:    s.ShowAuthRedDot,
	}
	if a.opts.Contacts != nil {
		svc.ContactsPath = ContactsPath
		svc.ContactSearchPath = ContactSearchPath
		svc.ContactMatchPath = ContactMatchPath
		svc.ViewMatchedContactPath = ViewMatchedContactPath
	}
	return svc
}

// SignIn starts a sign-in, or returns the one under way (its window comes to the front).
// The returned channel closes when it ends; the snapshot's Problem says why one failed.
func (a *App) SignIn() <-chan struct{} {
	a.mu.Lock()
	switch a.snap.Phase {
	case SigningIn:
		f, p := a.flow, a.presenter
		a.mu.Unlock()
		if p != nil {
			p.Raise()
		}
		return f.done
	case SignedIn, SigningOut:
		a.mu.Unlock()
		a.repush()
		return closedFlow()
	}
	ctx, cancel := context.WithTimeout(a.ctx, a.cfg.Service.Timeout()+time.Minute)
	f := &flow{cancel: cancel, done: make(chan struct{})}
	a.flow = f
	a.snap.Phase, a.snap.Problem = SigningIn, ""
	var presenter signin.Presenter = &signin.BrowserPresenter{Logger: a.log}
	a.presenter = nil
	if a.cfg.Service.SignIn != "browser" {
		a.presenter = newWindowPresenter(a.opts.UI, a.cfg.Service.DisplayName)
		presenter = a.presenter
	}
	a.mu.Unlock()
	a.log.Info("signing in", "service", a.cfg.Service.Name, "in", map[bool]string{true: "browser", false: "window"}[a.presenter == nil])
	a.changed()

	go func() {
		defer cancel()
		res, err := a.opts.Auth.SignIn(ctx, presenter)
		if err == nil {
			a.remember(res.Token, res.Account)
		}
		a.mu.Lock()
		a.flow, a.presenter = nil, nil
		if err != nil {
			a.snap.Phase, a.snap.Account, a.snap.Problem, a.token = SignedOut, "", err.Error(), nil
		} else {
			a.snap.Phase, a.snap.Account, a.token = SignedIn, res.Account, res.Token
		}
		w := a.widget
		a.mu.Unlock()
		if err != nil {
			a.log.Warn("sign-in failed", "service", a.cfg.Service.Name, "err", err)
		} else {
			a.log.Info("signed in", "service", a.cfg.Service.Name, "account", res.Account)
		}
		a.changed()
		if err == nil && w != nil && a.opts.Contacts != nil {
			// The widget fetches contacts on authorization; ask once more in case it had
			// fetched (and been refused) before.
			if serr := w.Send(bridge.SyncContacts{}); serr != nil {
				a.log.Debug("cannot ask the widget to sync contacts", "err", serr)
			}
		}
		close(f.done)
	}()
	return f.done
}

// remember keeps the token in the keyring; a failure is said, not fatal.
func (a *App) remember(tok *oauth2.Token, account string) {
	if a.opts.Store == nil {
		return
	}
	if err := a.opts.Store.Save(tokenstore.Saved{Token: tok, Account: account}); err != nil {
		a.log.Warn("cannot remember the sign-in in the keyring; it lasts this session only", "err", err)
		a.mu.Lock()
		a.snap.Remembered = false
		a.mu.Unlock()
	}
}

// SignOut ends the sign-in: the token is revoked at the provider when it can be, deleted
// from the keyring, and the widget and tray are told. During a sign-in it cancels it.
func (a *App) SignOut() <-chan struct{} {
	a.mu.Lock()
	switch a.snap.Phase {
	case SigningIn:
		f := a.flow
		a.mu.Unlock()
		f.cancel()
		return f.done
	case SigningOut:
		f := a.flow
		a.mu.Unlock()
		return f.done
	case SignedOut:
		a.mu.Unlock()
		a.repush()
		return closedFlow()
	}
	f := &flow{cancel: func() {}, done: make(chan struct{})}
	a.flow = f
	tok := a.token
	a.snap.Phase = SigningOut
	a.mu.Unlock()
	a.changed()

	go func() {
		problem := a.forget(tok)
		a.mu.Lock()
		a.flow = nil
		a.snap.Phase, a.snap.Account, a.snap.Problem, a.token = SignedOut, "", problem, nil
		a.mu.Unlock()
		a.log.Info("signed out", "service", a.cfg.Service.Name)
		a.changed()
		close(f.done)
	}()
	return f.done
}

// forget revokes, deletes and drops everything the sign-in gave us. It returns what the
// user must know when the keyring kept the sign-in ("" when nothing).
func (a *App) forget(tok *oauth2.Token) (problem string) {
	if tok != nil && a.opts.Auth != nil {
		ctx, cancel := context.WithTimeout(a.ctx, 10*time.Second)
		if err := a.opts.Auth.Revoke(ctx, tok); err != nil {
			a.log.Warn("the provider did not revoke the token; it is forgotten here all the same", "err", err)
		}
		cancel()
	}
	if a.opts.Store != nil {
		if err := a.opts.Store.Delete(); err != nil && !errors.Is(err, tokenstore.ErrNotFound) {
			a.log.Warn("cannot delete the sign-in from the keyring", "err", err)
			problem = "Signed out, but the keyring could not delete the sign-in: " + err.Error()
			if errors.Is(err, tokenstore.ErrDeleteDeferred) {
				problem = "Signed out. The keyring is locked, so the sign-in stays in it until the next start deletes it; until then it is not used."
			}
		}
	}
	if a.opts.Contacts != nil {
		a.opts.Contacts.Clear()
	}
	return problem
}

// expire signs out because the provider no longer accepts the sign-in.
func (a *App) expire(why string) {
	a.mu.Lock()
	if a.snap.Phase != SignedIn {
		a.mu.Unlock()
		return
	}
	a.snap.Phase, a.snap.Account, a.snap.Problem, a.token = SignedOut, "", why, nil
	a.mu.Unlock()
	a.log.Warn("signed out", "service", a.cfg.Service.Name, "why", why)
	a.forget(nil)
	a.changed()
}

func closedFlow() <-chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// Token returns a valid access token for the signed-in account, refreshing it when it
// has expired (oauth2.TokenSource). A refresh the provider refuses signs out.
func (a *App) Token() (*oauth2.Token, error) {
	a.refreshMu.Lock()
	defer a.refreshMu.Unlock()
	a.mu.Lock()
	tok, account, phase := a.token, a.snap.Account, a.snap.Phase
	a.mu.Unlock()
	if phase != SignedIn || tok == nil {
		return nil, a.notAuthorized()
	}
	if tok.Valid() {
		return tok, nil
	}
	ctx, cancel := context.WithTimeout(a.ctx, 30*time.Second)
	defer cancel()
	fresh, err := a.opts.Auth.Refresh(ctx, tok)
	if errors.Is(err, signin.ErrRefused) {
		a.expire(fmt.Sprintf("%s no longer accepts the sign-in: sign in again.", a.cfg.Service.DisplayName))
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if a.token == tok { // still the same sign-in
		a.token = fresh
	}
	a.mu.Unlock()
	a.remember(fresh, account)
	return fresh, nil
}

func (a *App) notAuthorized() error {
	return fmt.Errorf("%w: sign in to %s first", ErrNotAuthorized, a.cfg.Service.DisplayName)
}

// handleAuthorize answers the widget's authorize button. Its body says what the widget
// shows: authorized means the user clicked "Unauthorize". The widget waits 3 s, so a quick
// outcome (a refusal, a bad config) is answered as an error and a long sign-in as "ok".
func (a *App) handleAuthorize(ctx context.Context, body json.RawMessage) (any, error) {
	var req struct {
		Authorized *bool `json:"authorized"`
	}
	if len(body) > 0 && string(body) != "null" {
		if err := json.Unmarshal(body, &req); err != nil {
			return nil, fmt.Errorf("authorize: body must be {\"authorized\": true|false}: %w", err)
		}
	}
	signOut := req.Authorized != nil && *req.Authorized
	if req.Authorized == nil { // no body: toggle what we have
		signOut = a.Snapshot().Phase == SignedIn
	}
	var done <-chan struct{}
	if signOut {
		done = a.SignOut()
	} else {
		done = a.SignIn()
	}
	timer := time.NewTimer(a.opts.answerWithin)
	defer timer.Stop()
	select {
	case <-done:
		if p := a.Snapshot(); !signOut && p.Phase != SignedIn && p.Problem != "" {
			return nil, errors.New(p.Problem)
		}
	case <-timer.C: // still going: the widget hears the outcome as a status update
	case <-ctx.Done():
	}
	return "ok", nil
}

// authorizedOnly guards a contact handler: nothing is touched while signed out, and a
// refusal from the address book's server signs out.
func (a *App) authorizedOnly(h bridge.HandlerFunc) bridge.HandlerFunc {
	return func(ctx context.Context, body json.RawMessage) (any, error) {
		if !a.Snapshot().Authorized() {
			return nil, a.notAuthorized()
		}
		v, err := h(ctx, body)
		if errors.Is(err, signin.ErrRefused) || (a.opts.IsUnauthorized != nil && a.opts.IsUnauthorized(err)) {
			a.expire(fmt.Sprintf("%s refused the sign-in: sign in again.", a.cfg.Service.DisplayName))
		}
		return v, err
	}
}

// ToggleWindow shows or hides the main window (tray).
func (a *App) ToggleWindow() {
	if a.opts.Main == nil {
		return
	}
	if a.opts.Main.Visible() {
		a.opts.Main.Hide()
	} else {
		a.opts.Main.Show()
	}
}

// ShowWindow brings the main window to the front.
func (a *App) ShowWindow() {
	if a.opts.Main != nil {
		a.opts.Main.Show()
	}
}

// WindowVisibility records the main window's visibility (the tray's Show/Hide label).
func (a *App) WindowVisibility(visible bool) {
	a.mu.Lock()
	if a.snap.WindowVisible == visible {
		a.mu.Unlock()
		return
	}
	a.snap.WindowVisible = visible
	a.mu.Unlock()
	a.changed()
}

// SetStartAtLogin writes or removes the autostart entry (tray checkbox).
func (a *App) SetStartAtLogin(on bool) {
	if a.opts.Autostart == nil {
		return
	}
	var err error
	if on {
		err = a.opts.Autostart.Enable(a.opts.Executable)
	} else {
		err = a.opts.Autostart.Disable()
	}
	if err != nil {
		a.log.Warn("cannot change start at login", "on", on, "err", err)
	}
	enabled, rerr := a.opts.Autostart.Enabled()
	if rerr != nil {
		enabled = on && err == nil
	}
	a.mu.Lock()
	a.snap.StartAtLogin = enabled
	a.mu.Unlock()
	a.changed()
}

// Quit ends the app: flows are cancelled and the UI loop stops.
func (a *App) Quit() {
	a.quitOnce.Do(func() {
		a.log.Info("quitting")
		a.Close()
		if a.opts.UI != nil {
			a.opts.UI.Quit()
		}
	})
}
