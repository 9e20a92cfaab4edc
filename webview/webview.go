// Package webview gives the app native windows that show web pages: one UI loop, a main
// window that outlives its title-bar close button (the app lives in the tray), and secondary
// windows (sign-in, the widget's own login) made only when needed.
//
// It wraps github.com/webview/webview_go and adds what that package leaves out: close-to-hide,
// show/raise, visibility, navigation and load-failure callbacks, a navigation policy, WebKit
// memory settings, and a message channel to scripts of the app's own isolated script world
// (AddHostScript, OnHostMessage, EvalHost) in place of webview_go's bindings. It knows GTK and
// WebKit, and nothing of the pages it shows.
//
// Threading: webview_go locks the main goroutine to the main OS thread in its init, and this
// package does the same (see init below), so New and Run must be called from the main
// goroutine (in tests: from TestMain, with m.Run on another goroutine). Every other method is
// safe from any goroutine: it is queued to the UI thread and runs there in call order.
// Callbacks (OnClose, OnNavigate, OnHostMessage, ...) run on the UI thread: keep them
// short and hand slow work to a goroutine.
package webview

import (
	"errors"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"

	wv "github.com/webview/webview_go"
)

func init() {
	// GTK, Cocoa and Win32 all want their loop on the main thread. webview_go locks it in its
	// own init already; saying it here too keeps the requirement visible where it matters.
	runtime.LockOSThread()
}

// DefaultProgramName is the program name given to GLib when Options.ProgramName is empty. It
// names WebKit's data directory ($XDG_DATA_HOME/<name>, where localStorage lives) and the
// X11 WM_CLASS, which must match the desktop file's StartupWMClass.
const DefaultProgramName = "embeddable-tray"

// Default size of a window whose Options leave Width or Height at zero.
const (
	DefaultWidth  = 800
	DefaultHeight = 600
)

// ErrClosed is returned for windows asked of a UI whose loop has ended.
var ErrClosed = errors.New("webview: the UI loop has ended")

// Options describe one window.
type Options struct {
	Title         string
	Width, Height int  // initial size; 0 means DefaultWidth/DefaultHeight
	Debug         bool // developer tools and console messages on stdout
	Resizable     bool
	// Hidden creates the window without showing it (for example a tray app started at login);
	// Show shows it later.
	Hidden bool
	// ProgramName is read by New only (see DefaultProgramName).
	ProgramName string
}

func (o Options) withDefaults() Options {
	if o.Width <= 0 {
		o.Width = DefaultWidth
	}
	if o.Height <= 0 {
		o.Height = DefaultHeight
	}
	if o.ProgramName == "" {
		o.ProgramName = DefaultProgramName
	}
	return o
}

// native is a platform's window with its web view. Its methods run on the UI thread only.
type native interface {
	view() wv.WebView
	show()
	hide()
	// detach stops every callback and bound call of the window and hides it: after it, no
	// new work for the window can be queued by the page, so what was queued before can run
	// safely before destroy.
	detach()
	destroy()
	// addScript adds a document-start script for the top frame, in the host world or the
	// page's; listenHost registers the host message handler (once); evalHost evaluates in
	// the host world.
	addScript(js string, host bool)
	listenHost()
	evalHost(js string)
}

// UI is the one UI loop of the process and the owner of the main window.
type UI struct {
	main *Window

	mu      sync.Mutex
	ended   bool
	windows map[*Window]struct{} // secondary windows alive, for the final clean-up
}

var created atomic.Bool

// New initialises the toolkit and creates the main window. Call it on the main goroutine,
// once per process; call CheckDisplay first for a friendlier message than the toolkit's.
func New(main Options) (*UI, error) {
	main = main.withDefaults()
	if err := CheckDisplay(); err != nil {
		return nil, err
	}
	if !created.CompareAndSwap(false, true) {
		return nil, errors.New("webview: New called twice: there is one UI per process")
	}
	if err := platformInit(main.ProgramName); err != nil {
		created.Store(false)
		return nil, err
	}
	u := &UI{windows: map[*Window]struct{}{}}
	u.main = newWindowValue(u, main, true)
	u.main.create()
	return u, nil
}

// Main returns the main window.
func (u *UI) Main() *Window { return u.main }

// Run runs the UI loop on the calling (main) goroutine until Quit. When it returns, every
// window has been destroyed and the UI cannot be used again.
func (u *UI) Run() {
	platformRun()
	u.mu.Lock()
	u.ended = true
	wins := make([]*Window, 0, len(u.windows)+1)
	for w := range u.windows {
		wins = append(wins, w)
	}
	u.mu.Unlock()
	wins = append(wins, u.main)
	for _, w := range wins {
		if w.nat != nil {
			w.nat.detach()
		}
	}
	for _, w := range wins {
		w.destroyNow()
	}
}

// Quit ends Run. Safe from any goroutine; before Run it makes Run return at once.
func (u *UI) Quit() { u.Dispatch(platformQuit) }

// Dispatch runs f on the UI thread, after everything dispatched before it. After Run has
// returned, f is dropped.
func (u *UI) Dispatch(f func()) {
	u.mu.Lock()
	ended := u.ended
	u.mu.Unlock()
	if ended || f == nil {
		return
	}
	platformDispatch(f)
}

// NewWindow makes a secondary window, for a sign-in or a login page. Nothing is created before
// it is called; the native window itself is made on the UI thread right after, before any
// other call on it runs, so the returned Window can be used at once. It is shown unless
// o.Hidden, and has no message handler unless OnHostMessage is called. Safe from any goroutine.
func (u *UI) NewWindow(o Options) (*Window, error) {
	o = o.withDefaults()
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.ended {
		return nil, ErrClosed
	}
	w := newWindowValue(u, o, false)
	u.windows[w] = struct{}{}
	platformDispatch(w.create)
	return w, nil
}

func (u *UI) forget(w *Window) {
	u.mu.Lock()
	delete(u.windows, w)
	u.mu.Unlock()
}

// Window is a native window showing one web view. Its methods are safe from any goroutine.
type Window struct {
	ui   *UI
	opts Options
	main bool

	visible atomic.Bool

	mu        sync.Mutex
	onClose   func()
	onVisible func(bool)
	onNav     func(string)
	onFail    func(string, error)
	onHost    func(string, string)
	onCommit  func(string)
	policy    NavigationPolicy

	// UI thread only.
	nat       native
	gone      bool   // destroyed (secondary) or UI ended
	lastURI   string // last URI given to OnNavigate, to report each change once
	committed string // URI of the page committed in the top frame
}

func newWindowValue(u *UI, o Options, main bool) *Window {
	return &Window{ui: u, opts: o, main: main}
}

// create makes the native window; UI thread.
func (w *Window) create() {
	if w.gone {
		return
	}
	w.nat = newNative(w)
	if !w.opts.Hidden {
		w.nat.show()
	}
}

// do queues f to run on the UI thread with the window's native part, if it still exists.
func (w *Window) do(f func(n native)) {
	w.ui.Dispatch(func() {
		if w.nat != nil && !w.gone {
			f(w.nat)
		}
	})
}

// Navigate loads url in the window. A URL on a port browsers refuse (the Fetch standard's
// blocklist, e.g. 1 or 6000) is not loaded and is reported to OnLoadFailed at once.
func (w *Window) Navigate(url string) {
	w.do(func(n native) {
		if e := blockedPortError(url); e != nil {
			w.loadFailed(url, e)
			return
		}
		n.view().Navigate(url)
	})
}

// SetHTML shows html. Such a page has the origin "null": pages that need a real origin (an
// iframe, a postMessage origin check) must be served over HTTP instead.
func (w *Window) SetHTML(html string) { w.do(func(n native) { n.view().SetHtml(html) }) }

// Eval and Init are gone on purpose: a page-world script is added with AddPageScript, and Go
// reaches the page through its own host script (EvalHost). Bind is gone too: webview_go's
// binding answers in the top frame with the caller's id unescaped, so any frame could run code
// in the page through it (issue 9). The host channel below replaces it.

// HostWorld is the name of the app's isolated script world, HostHandler the name of the
// message handler registered only in it: a host script posts with
// window.webkit.messageHandlers.embeddableTray.postMessage(string).
const (
	HostWorld   = "embeddable-tray"
	HostHandler = "embeddableTray"
)

// MaxHostMessage is the largest message, in bytes, a host script may post; a larger one is
// dropped by the native layer before it is copied to Go or parsed.
const MaxHostMessage = 1 << 20

// AddHostScript adds js, run at document start in the TOP FRAME ONLY of every page loaded
// after it, in the app's isolated script world (HostWorld). Page scripts and frames cannot see
// that world's globals or its message handler; its window.postMessage and DOM are the page's.
// Call it before the first Navigate.
//
// Only on Linux is the world isolated. Elsewhere (until the platform's own channel is built)
// the script runs in the page's world and its messages do not reach OnHostMessage.
func (w *Window) AddHostScript(js string) { w.do(func(n native) { n.addScript(js, true) }) }

// AddPageScript adds js, run at document start in the top frame only, in the PAGE's world,
// for code the page itself must see (a shim that defines page APIs). It runs no earlier than
// the host scripts: do not count on an order between the two worlds.
func (w *Window) AddPageScript(js string) { w.do(func(n native) { n.addScript(js, false) }) }

// OnHostMessage sets the one function that receives what host scripts post (see
// AddHostScript). pageURI is the URI of the page committed in the window when the message
// arrived; a message over MaxHostMessage bytes, or one that is not a string, never gets here.
// f runs on the UI thread: keep it short. A window gets its message handler only once this is
// called; nil keeps the handler and drops the messages.
func (w *Window) OnHostMessage(f func(pageURI, msg string)) {
	w.mu.Lock()
	w.onHost = f
	w.mu.Unlock()
	if f != nil {
		w.do(func(n native) { n.listenHost() })
	}
}

// EvalHost evaluates js in the app's isolated world of the top frame, where the host scripts
// live: its window.postMessage is the real one, whatever the page redefines. Its result and
// errors are dropped.
func (w *Window) EvalHost(js string) { w.do(func(n native) { n.evalHost(js) }) }

// OnLoadCommitted sets the function told of every load committed in the top frame, reloads
// included, with the page's URI: from then on the window shows that page. It is told before
// any host message of the new page. f runs on the UI thread.
func (w *Window) OnLoadCommitted(f func(uri string)) {
	w.mu.Lock()
	w.onCommit = f
	w.mu.Unlock()
}

// NavigationPolicy says which pages and frames a window may load. Its functions run on the UI
// thread and must be quick; nil ones allow everything.
type NavigationPolicy struct {
	// Page reports whether the window may show a top-level page at uri. A refused page is not
	// loaded: the window stays on its page.
	Page func(uri string) bool
	// Frame reports whether a frame may load the document at uri; a refused frame stays empty.
	Frame func(uri string) bool
	// Elsewhere gets, on a goroutine of its own, each refused page the user asked for (a link
	// clicked, including one that would open a new window) and each refused top-level page
	// WebKit had already fetched: to open it in the system browser, say. A page refused
	// before it started loading without a user gesture (a script sending the window away) is
	// only refused.
	Elsewhere func(uri string)
}

// SetNavigationPolicy restricts what the window loads from now on. WebKit asks before a
// navigation starts, without saying whether it is the page's or a frame's: a URI that
// neither Page nor Frame allows is refused there, before any request. A URI that one of them
// allows is asked about again once its response is in, where WebKit says whose it is: the
// server has the request then, but nothing of its answer is loaded. New windows are never
// opened (webview_go makes none): they go to Elsewhere when the user asked for them.
func (w *Window) SetNavigationPolicy(p NavigationPolicy) {
	w.mu.Lock()
	w.policy = p
	w.mu.Unlock()
}

// Show shows the window and brings it to the front, also from another workspace or when
// minimised.
func (w *Window) Show() { w.do(func(n native) { n.show() }) }

// Hide hides the window; Show brings it back as it was.
func (w *Window) Hide() { w.do(func(n native) { n.hide() }) }

// Visible reports whether the window was shown when last heard of.
func (w *Window) Visible() bool { return w.visible.Load() }

// OnVisibilityChange sets the function told when the window is shown or hidden (one
// function; a later call replaces it, nil removes it).
func (w *Window) OnVisibilityChange(f func(visible bool)) {
	w.mu.Lock()
	w.onVisible = f
	w.mu.Unlock()
}

// OnClose sets what the title-bar close button does. The main window hides by default (the app
// lives in the tray); with f set, f is called instead and decides. A secondary window is always
// destroyed, and f is then called, so that a sign-in waiting on it can cancel. Close does not
// call f.
func (w *Window) OnClose(f func()) {
	w.mu.Lock()
	w.onClose = f
	w.mu.Unlock()
}

// OnNavigate sets the function told of the top-level page's URI: each new URI as the view
// takes it (a load starts, a server redirects, the page changes its URL in place) and every
// committed load, reloads included. So a URI can be reported twice; the first report comes
// before the page has loaded, even if the load then fails (a login window watching for a
// redirect URI sees it either way). No binding is needed in the page.
func (w *Window) OnNavigate(f func(uri string)) {
	w.mu.Lock()
	w.onNav = f
	w.mu.Unlock()
}

// OnLoadFailed sets the function told when the top-level page could not be loaded; err is a
// *LoadError. Cancelled and superseded loads are not failures and are not reported. With f
// set, WebKit's own error page is not shown: f is expected to show something (SetHTML).
func (w *Window) OnLoadFailed(f func(uri string, err error)) {
	w.mu.Lock()
	w.onFail = f
	w.mu.Unlock()
}

// Close destroys a secondary window without ending the loop (and without calling OnClose);
// later calls on it do nothing. The main window is hidden instead: it lives until Run returns.
func (w *Window) Close() {
	w.ui.Dispatch(func() {
		if w.main {
			if w.nat != nil {
				w.nat.hide()
			}
			return
		}
		w.destroySoon()
	})
}

// destroySoon detaches the window now and frees it on the next turn of the loop, after
// whatever was queued for it before (work queued for a freed view would crash). UI thread.
func (w *Window) destroySoon() {
	if w.gone {
		return
	}
	w.gone = true
	if w.nat != nil {
		w.nat.detach()
	}
	w.setVisible(false)
	w.ui.forget(w)
	platformDispatch(w.destroyNow)
}

// destroyNow frees the native window; UI thread.
func (w *Window) destroyNow() {
	w.gone = true
	if w.nat != nil {
		w.nat.destroy()
		w.nat = nil
	}
}

// The functions below are called by the platform code, on the UI thread.

// closeRequested handles the title-bar close button.
func (w *Window) closeRequested() {
	w.mu.Lock()
	f := w.onClose
	w.mu.Unlock()
	if w.main {
		if f != nil {
			f()
		} else if w.nat != nil {
			w.nat.hide()
		}
		return
	}
	w.destroySoon()
	if f != nil {
		f()
	}
}

func (w *Window) setVisible(v bool) {
	if w.visible.Swap(v) == v {
		return
	}
	w.mu.Lock()
	f := w.onVisible
	w.mu.Unlock()
	if f != nil {
		f(v)
	}
}

// uriChanged reports a URI the view took; committed says a load was committed.
func (w *Window) uriChanged(uri string, committed bool) {
	if committed {
		w.committed = uri
		w.mu.Lock()
		f := w.onCommit
		w.mu.Unlock()
		if f != nil {
			f(uri)
		}
	}
	if uri == "" || (!committed && uri == w.lastURI) {
		return
	}
	w.lastURI = uri
	w.mu.Lock()
	f := w.onNav
	w.mu.Unlock()
	if f != nil {
		f(uri)
	}
}

// hostMessage hands a host script's message to OnHostMessage's function.
func (w *Window) hostMessage(msg string) {
	w.mu.Lock()
	f := w.onHost
	w.mu.Unlock()
	if f != nil {
		f(w.committed, msg)
	}
}

// hostDropped logs a host message the native layer dropped (its content never reaches Go).
func (w *Window) hostDropped(isString bool, size int) {
	reason := "not a string"
	if isString {
		reason = "too large"
	}
	slog.Default().Warn("webview: dropped a host message", "window", w.opts.Title, "reason", reason,
		"size", size, "max", MaxHostMessage)
}

// loadStage is the point of a load at which WebKit asks the navigation policy (the ET_
// values of native_linux.c).
type loadStage int

const (
	stageNavigation    loadStage = iota // a navigation, of the page or a frame, about to start
	stageNewWindow                      // a navigation that would open a new window
	stagePageResponse                   // the page's main resource, its response in
	stageFrameResponse                  // a frame's main resource, its response in
)

// allowLoad applies the navigation policy; gesture says the user asked for the navigation.
func (w *Window) allowLoad(uri string, stage loadStage, gesture bool) bool {
	w.mu.Lock()
	p := w.policy
	w.mu.Unlock()
	if p.Page == nil && p.Frame == nil && p.Elsewhere == nil {
		return true // no policy: WebKit's default
	}
	allows := func(f func(string) bool) bool { return f == nil || f(uri) }
	elsewhere := func() {
		if p.Elsewhere != nil {
			go p.Elsewhere(uri)
		}
	}
	switch stage {
	case stageNavigation:
		if allows(p.Page) || allows(p.Frame) {
			return true
		}
		if gesture {
			elsewhere()
		}
		return false
	case stageNewWindow:
		if gesture {
			elsewhere()
		}
		return false
	case stagePageResponse:
		if allows(p.Page) {
			return true
		}
		elsewhere()
		return false
	}
	return allows(p.Frame)
}

// loadFailed reports a failed top-level load and says whether it was handled (so the platform
// can skip its own error page).
func (w *Window) loadFailed(uri string, err *LoadError) bool {
	if err.Cancelled() || !nativeLoadFailures { // see navreport.go
		return false
	}
	w.mu.Lock()
	f := w.onFail
	w.mu.Unlock()
	if f == nil {
		return false
	}
	f(uri, err)
	return true
}
