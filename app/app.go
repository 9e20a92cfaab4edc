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

// Widget is the app's way to the widget page: bridge.Conn provides it. Both methods
// queue, in call order, for the one goroutine that posts to the page; neither blocks.
type Widget interface {
	Post(m bridge.Outbound) error
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
	// HeldContacts answers a /contacts body from what the book last read, without the
	// server; ok is false when it holds nothing.
	HeldContacts(body json.RawMessage) (v any, ok bool)
	// HeldName is the name of a contact the book holds for a number (E.164, national or
	// an extension), "" when none; it never asks the server.
	HeldName(number string) string
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
	// NewContacts, when Contacts is nil, makes the address book from the app itself (its
	// Token, its account, its windows for an app-password prompt): the book and the app
	// need each other, and neither is bound to the other after the fact. Optional.
	NewContacts func(a *App) (AddressBook, func(error) bool)
	// IsUnauthorized recognises the address book's "the server refused the token" error.
	IsUnauthorized func(error) bool
	Notifier       Notifier  // optional
	Autostart      Autostart // optional
	Executable     string    // for autostart entries
	Logger         *slog.Logger
	// QuitWait bounds how long Close waits for keyring writes and flows to end; 0 means
	// DefaultQuitWait.
	QuitWait time.Duration
}

// DefaultQuitWait is how long Quit waits for a keyring save or delete under way.
const DefaultQuitWait = 5 * time.Second

// ErrNotAuthorized answers contact requests while signed out.
var ErrNotAuthorized = errors.New("not authorized")

// App owns the state. Create it with New, attach the widget connection, then Start.
type App struct {
	opts   Options
	cfg    config.Config
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	mu    sync.Mutex
	snap  Snapshot
	token *oauth2.Token
	// epoch changes with every sign-in and sign-out: a refresh or a keyring save begun
	// under an older epoch is void (it must not bring a signed-out token back).
	epoch     uint64
	flow      *flow         // the sign-in or sign-out under way, nil if none
	next      chan struct{} // a sign-in asked for during a sign-out: closes when it ends
	presenter *windowPresenter
	widget    Widget
	pushed    *Snapshot // what the widget was last told
	onChange  func(Snapshot)

	// pubMu makes every announcement of the state one step: the widget and the tray
	// hear the states in the order they happened, the last one last.
	pubMu sync.Mutex

	refreshMu sync.Mutex // one refresh at a time (x/oauth2's reuseTokenSource)
	storeMu   sync.Mutex // one keyring write at a time, each checked against epoch
	work      tracker    // flows and keyring writes that Close waits for
	notes     notes      // desktop notifications, shown off the caller's goroutine

	dialer    dialer
	calls     calls
	fallback  fallback
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
	if opts.QuitWait == 0 {
		opts.QuitWait = DefaultQuitWait
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &App{opts: opts, cfg: opts.Config, log: opts.Logger, ctx: ctx, cancel: cancel}
	a.notes.start(ctx, opts.Logger)
	if a.opts.Contacts == nil && a.opts.NewContacts != nil {
		book, isUnauthorized := a.opts.NewContacts(a)
		if book != nil { // not a typed nil in the interface
			a.opts.Contacts = book
		}
		if isUnauthorized != nil {
			a.opts.IsUnauthorized = isUnauthorized
		}
	}
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
		r.Handle(ContactsPath, a.authorizedOnly(c.HandleContacts, c.HeldContacts))
		r.Handle(ContactSearchPath, a.authorizedOnly(c.HandleSearch, nil))
		r.Handle(ContactMatchPath, a.authorizedOnly(c.HandleMatch, nil))
		r.Handle(ViewMatchedContactPath, a.authorizedOnly(c.HandleViewMatchedContact, nil))
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

// Close ends every flow under way and the app's background work, and waits (at most
// Options.QuitWait) for what must not be cut in half: a keyring save or delete, a sign-out.
func (a *App) Close() {
	a.closeOnce.Do(func() {
		a.cancel()
		a.offline.stop()
		if !a.work.close(a.opts.QuitWait) {
			a.log.Warn("quitting before a keyring write or sign-out ended", "waited", a.opts.QuitWait)
		}
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
	a.epoch++
	a.log.Info("restored sign-in", "service", a.cfg.Service.Name, "account", saved.Account)
	if !saved.Token.Valid() {
		a.goTracked(func() {
			if _, err := a.Token(); err != nil {
				a.log.Warn("could not refresh the remembered sign-in yet", "err", err)
			}
		})
	}
}

// goTracked runs f on its own goroutine, as work Close waits for; not at all once
// Close began.
func (a *App) goTracked(f func()) bool {
	if !a.work.begin() {
		return false
	}
	go func() {
		defer a.work.end()
		f()
	}()
	return true
}

// changed tells the widget and the tray about the current state. Announcements are
// serialised (pubMu), so the last one made carries the latest state.
func (a *App) changed() {
	a.pubMu.Lock()
	defer a.pubMu.Unlock()
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
// something else (a state it was told before an update was lost) when it asks to sign
// in while we are signed in.
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
// During a sign-out it is queued: it starts when the sign-out ends. The returned channel
// closes when it ends; the snapshot's Problem says why one failed.
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
	case SigningOut:
		if a.next == nil {
			a.next = make(chan struct{})
		}
		next := a.next
		a.mu.Unlock()
		a.log.Info("sign-in asked for during a sign-out: it starts when the sign-out ends")
		return next
	case SignedIn:
		a.mu.Unlock()
		a.repush()
		return closedFlow()
	}
	done := a.startSignInLocked()
	a.mu.Unlock()
	a.changed()
	return done
}

// startSignInLocked starts the sign-in flow; a.mu is held.
func (a *App) startSignInLocked() <-chan struct{} {
	ctx, cancel := context.WithTimeout(a.ctx, a.cfg.Service.Timeout()+time.Minute)
	f := &flow{cancel: cancel, done: make(chan struct{})}
	if !a.work.begin() { // quitting
		cancel()
		close(f.done)
		return f.done
	}
	var presenter signin.Presenter = &signin.BrowserPresenter{Logger: a.log}
	var window *windowPresenter
	if a.cfg.Service.SignIn != "browser" {
		window = newWindowPresenter(a.opts.UI, a.cfg.Service.DisplayName)
		presenter = window
	}
	a.flow, a.presenter = f, window
	a.snap.Phase, a.snap.Problem = SigningIn, ""
	a.log.Info("signing in", "service", a.cfg.Service.Name, "in", map[bool]string{true: "browser", false: "window"}[window == nil])

	go func() {
		defer a.work.end()
		defer close(f.done)
		defer cancel()
		res, err := a.opts.Auth.SignIn(ctx, presenter)
		a.mu.Lock()
		a.flow, a.presenter = nil, nil
		if err != nil {
			a.snap.Phase, a.snap.Account, a.snap.Problem, a.token = SignedOut, "", err.Error(), nil
		} else {
			a.snap.Phase, a.snap.Account, a.token = SignedIn, res.Account, res.Token
			a.epoch++
		}
		epoch, w := a.epoch, a.widget
		a.mu.Unlock()
		if err != nil {
			a.log.Warn("sign-in failed", "service", a.cfg.Service.Name, "err", err)
			a.changed()
			if !errors.Is(err, signin.ErrCancelled) && !errors.Is(err, context.Canceled) {
				a.tell(fmt.Sprintf("Sign-in to %s failed", a.cfg.Service.DisplayName),
					err.Error()+" To try again, click Authorize in the phone's settings or Sign in in the tray menu.")
			}
			return
		}
		a.log.Info("signed in", "service", a.cfg.Service.Name, "account", res.Account)
		a.changed()
		if w != nil && a.opts.Contacts != nil {
			// The widget fetches contacts on authorization; ask once more in case it had
			// fetched (and been refused) before. Queued behind the state just announced.
			if serr := w.Post(bridge.SyncContacts{}); serr != nil {
				a.log.Debug("cannot ask the widget to sync contacts", "err", serr)
			}
		}
		a.save(epoch, tokenstore.Saved{Token: res.Token, Account: res.Account})
	}()
	return f.done
}

// save keeps the sign-in of epoch in the keyring, unless a sign-out (or another sign-in)
// came since: then the write would bring back what was forgotten. A failure is said, not
// fatal.
func (a *App) save(epoch uint64, saved tokenstore.Saved) {
	if a.opts.Store == nil {
		return
	}
	a.storeMu.Lock()
	defer a.storeMu.Unlock()
	a.mu.Lock()
	current := a.epoch == epoch
	a.mu.Unlock()
	if !current {
		a.log.Debug("not remembering a sign-in that ended meanwhile")
		return
	}
	if err := a.opts.Store.Save(saved); err != nil {
		a.log.Warn("cannot remember the sign-in in the keyring; it lasts this session only", "err", err)
		a.mu.Lock()
		a.snap.Remembered = false
		a.mu.Unlock()
		a.changed()
	}
}

// SignOut ends the sign-in: the token is deleted from the keyring and revoked at the
// provider when it can be, and the widget and tray are told. During a sign-in it cancels
// it; during a sign-out it drops a sign-in queued behind it.
func (a *App) SignOut() <-chan struct{} {
	a.mu.Lock()
	switch a.snap.Phase {
	case SigningIn:
		f := a.flow
		a.mu.Unlock()
		f.cancel()
		return f.done
	case SigningOut:
		f, next := a.flow, a.next
		a.next = nil
		a.mu.Unlock()
		if next != nil {
			close(next)
		}
		return f.done
	case SignedOut:
		a.mu.Unlock()
		a.repush()
		return closedFlow()
	}
	f := &flow{cancel: func() {}, done: make(chan struct{})}
	tok := a.token
	a.flow, a.token = f, nil
	a.epoch++ // from here on, nothing of this sign-in is written back
	a.snap.Phase = SigningOut
	tracked := a.work.begin()
	a.mu.Unlock()
	a.changed()

	run := func() {
		defer close(f.done)
		problem := a.forget(tok)
		a.mu.Lock()
		a.flow = nil
		a.snap.Phase, a.snap.Account, a.snap.Problem = SignedOut, "", problem
		next := a.next
		a.next = nil
		var started <-chan struct{}
		if next != nil {
			started = a.startSignInLocked()
		}
		a.mu.Unlock()
		a.log.Info("signed out", "service", a.cfg.Service.Name)
		a.changed()
		if next != nil {
			go func() { <-started; close(next) }()
		}
	}
	if !tracked { // quitting: sign out all the same, on this goroutine
		run()
		return f.done
	}
	go func() {
		defer a.work.end()
		run()
	}()
	return f.done
}

// forget deletes, revokes and drops everything the sign-in gave us. The keyring goes
// first: it is what a next start would sign in with. It returns what the user must know
// when the keyring kept the sign-in ("" when nothing).
func (a *App) forget(tok *oauth2.Token) (problem string) {
	if a.opts.Store != nil {
		a.storeMu.Lock()
		if err := a.opts.Store.Delete(); err != nil && !errors.Is(err, tokenstore.ErrNotFound) {
			a.log.Warn("cannot delete the sign-in from the keyring", "err", err)
			problem = "Signed out, but the keyring could not delete the sign-in: " + err.Error()
			if errors.Is(err, tokenstore.ErrDeleteDeferred) {
				problem = "Signed out. The keyring is locked, so the sign-in stays in it until the next start deletes it; until then it is not used."
			}
		}
		a.storeMu.Unlock()
	}
	a.revoke(tok)
	if a.opts.Contacts != nil {
		a.opts.Contacts.Clear()
	}
	return problem
}

// revoke asks the provider to revoke tok. It is not cut off by Close (Close waits for
// it, bounded): a token left alive at the provider is what a sign-out must not leave.
func (a *App) revoke(tok *oauth2.Token) {
	if tok == nil || a.opts.Auth == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(a.ctx), 10*time.Second)
	defer cancel()
	if err := a.opts.Auth.Revoke(ctx, tok); err != nil {
		a.log.Warn("the provider did not revoke the token; it is forgotten here all the same", "err", err)
	}
}

// expire signs out because the provider no longer accepts the sign-in of epoch (0: the
// current one).
func (a *App) expire(epoch uint64, why string) {
	a.mu.Lock()
	if a.snap.Phase != SignedIn || (epoch != 0 && epoch != a.epoch) {
		a.mu.Unlock()
		return
	}
	a.snap.Phase, a.snap.Account, a.snap.Problem, a.token = SignedOut, "", why, nil
	a.epoch++
	a.mu.Unlock()
	a.log.Warn("signed out", "service", a.cfg.Service.Name, "why", why)
	a.changed()
	a.forget(nil)
	a.tell(fmt.Sprintf("Signed out of %s", a.cfg.Service.DisplayName),
		why+" Click Authorize in the phone's settings or Sign in in the tray menu.")
}

func closedFlow() <-chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// Token returns a valid access token for the signed-in account, refreshing it when it
// has expired (oauth2.TokenSource). As x/oauth2's reuseTokenSource: one refresh at a time,
// and the refreshed token is swapped in (and saved) only if the same sign-in still stands;
// one refreshed after a sign-out is revoked, never kept. A refusal signs out.
func (a *App) Token() (*oauth2.Token, error) {
	a.refreshMu.Lock()
	defer a.refreshMu.Unlock()
	a.mu.Lock()
	tok, account, phase, epoch := a.token, a.snap.Account, a.snap.Phase, a.epoch
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
		a.expire(epoch, fmt.Sprintf("%s no longer accepts the sign-in: sign in again.", a.cfg.Service.DisplayName))
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	current := a.epoch == epoch && a.snap.Phase == SignedIn
	if current {
		a.token = fresh
	}
	a.mu.Unlock()
	if !current { // signed out (or in again) while the refresh was under way
		a.log.Info("a refresh finished after the sign-in it was for ended; revoking its token")
		a.revoke(fresh)
		return nil, a.notAuthorized()
	}
	a.save(epoch, tokenstore.Saved{Token: fresh, Account: account})
	return fresh, nil
}

func (a *App) notAuthorized() error {
	return fmt.Errorf("%w: sign in to %s first", ErrNotAuthorized, a.cfg.Service.DisplayName)
}

// handleAuthorize answers the widget's authorize button. Its body says what the widget
// shows: authorized means the user clicked "Unauthorize". The widget ignores the answer
// (PROTOCOL.md), so it is given at once; the widget's button follows the state updates,
// and a failure is shown by the app itself (tray and desktop notification).
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
	if signOut {
		a.SignOut()
	} else {
		a.SignIn()
	}
	return "ok", nil
}

// authorizedOnly guards a contact handler: nothing is touched while signed out, and a
// refusal from the address book's server signs out (the widget's list goes with the
// sign-in). For the /contacts sync, held answers any other failure at once from what the
// app last read: an {error} answer would empty the widget's list (PROTOCOL.md, Contacts),
// and an answer must reach the widget within its timeout; the tray says the contacts are
// out of date. Only when the app holds nothing (so the widget has nothing to lose either)
// is the error answered.
func (a *App) authorizedOnly(h bridge.HandlerFunc, held func(json.RawMessage) (any, bool)) bridge.HandlerFunc {
	return func(ctx context.Context, body json.RawMessage) (any, error) {
		if !a.Snapshot().Authorized() {
			return nil, a.notAuthorized()
		}
		v, err := h(ctx, body)
		if err == nil {
			if held != nil {
				a.setContactsProblem("")
			}
			return v, nil
		}
		if errors.Is(err, signin.ErrRefused) || (a.opts.IsUnauthorized != nil && a.opts.IsUnauthorized(err)) {
			a.expire(0, fmt.Sprintf("%s refused the sign-in: sign in again.", a.cfg.Service.DisplayName))
			return v, err
		}
		if held == nil || ctx.Err() != nil || errors.Is(err, ErrNotAuthorized) { // the page is gone, or signed out meanwhile
			return v, err
		}
		a.setContactsProblem(fmt.Sprintf("Contacts could not be updated from %s (%v); the phone shows the ones it had.", a.cfg.Service.DisplayName, err))
		if last, ok := held(body); ok {
			a.log.Warn("cannot read the contacts; answered with the ones the app holds", "err", err)
			return last, nil
		}
		a.log.Warn("cannot read the contacts, and the app holds none", "err", err)
		return v, err
	}
}

// setContactsProblem shows (or, with "", clears) why the contacts are out of date.
func (a *App) setContactsProblem(p string) {
	a.mu.Lock()
	if a.snap.ContactsProblem == p {
		a.mu.Unlock()
		return
	}
	a.snap.ContactsProblem = p
	a.mu.Unlock()
	a.changed()
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
