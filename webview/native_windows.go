package webview

import (
	"errors"
	"log/slog"

	wv "github.com/webview/webview_go"
	"golang.org/x/sys/windows"
)

// On Windows each window is a webview_go window: webview_go makes the HWND, and its window
// class's procedure answers the title-bar close button with DestroyWindow and ends the loop
// when its last window is gone. The package puts its own procedure in front
// (subclass_windows.go), so that the close button does what it does on Linux: the main
// window hides (or calls OnClose), a secondary window is destroyed by the package and calls
// OnClose, and the loop ends only on Quit.
//
// The package also adds WebView2 event handlers of its own to webview_go's view
// (webview2_windows.go): the host channel (WebMessageReceived), the navigation policy
// (NavigationStarting, FrameNavigationStarting), OnNavigate and OnLoadCommitted (SourceChanged,
// ContentLoading), OnLoadFailed (NavigationCompleted), the microphone permission
// (PermissionRequested), and no popup windows (NewWindowRequested).
//
// A window made Hidden is never shown by webview_go's constructor (starthidden_windows.go).
//
// Still missing here: the memory settings are WebKitGTK's and do not apply.

type win32Window struct {
	w    *Window
	wv   wv.WebView
	hwnd windows.HWND
	wv2  *webview2 // nil if the view has no WebView2 controller

	micOrigin string // pages allowed the microphone (AllowMediaFor)
}

// checkRuntime makes sure WebView2 is there before webview_go needs it
// (webview2runtime_windows.go), and chooses its user data folder (userdata_windows.go).
func checkRuntime(prgname string) error {
	if err := checkWebView2(prgname); err != nil {
		return err
	}
	d, err := chooseWebView2AppData(prgname)
	if err != nil {
		// The views still work, with webview_go's folder.
		slog.Default().Warn("webview: WebView2 keeps its data where webview_go puts it", "err", err)
	}
	wantedDataFolder = d
	return nil
}

func newNative(w *Window) native {
	var v wv.WebView
	var dataErr error
	caught, hookErr := makeSubclassed(w, func() {
		dataErr = withWebView2AppData(func() { v = newPlainView(w.opts) })
	})
	if dataErr != nil {
		slog.Default().Warn("webview: WebView2 keeps its data where webview_go puts it", "window", w.opts.Title, "err", dataErr)
	}
	n := &win32Window{w: w, wv: v, hwnd: windows.HWND(v.Window())}
	wv2, err := attachWebView2(w, v)
	if err != nil {
		slog.Default().Error("webview: WebView2's events cannot be reached: no navigation policy, host channel or load errors",
			"window", w.opts.Title, "err", err)
	}
	n.wv2 = wv2
	if w.main && wv2 != nil && wantedDataFolder != "" {
		if got, err := wv2.userDataFolder(); err == nil && !sameFolder(got, wantedDataFolder) {
			slog.Default().Warn("webview: WebView2 did not take the user data folder it was given",
				"wanted", wantedDataFolder, "took", got)
		}
	}
	if caught != n.hwnd || hookErr != nil {
		// Not caught as it was made: a Hidden window was shown for a moment.
		slog.Default().Debug("webview: the window was not caught as it was made", "window", w.opts.Title, "err", hookErr)
		hookErr = subclassWindow(n.hwnd, w)
	}
	if err := hookErr; err != nil {
		// The window still works; its close button is webview_go's: it destroys the window
		// without OnClose, and ends the app with the last window.
		slog.Default().Warn("webview: the title-bar close button cannot be intercepted",
			"window", w.opts.Title, "main", w.main, "err", err)
	}
	if w.opts.Hidden {
		n.hide() // a no-op unless the window was not caught in time
	} else {
		w.setVisible(true)
	}
	startShown(n.hwnd)
	return n
}

func (n *win32Window) view() wv.WebView { return n.wv }

// show and hide report visibility themselves too: WM_SHOWWINDOW is not sent for every
// ShowWindow command (SW_SHOWNORMAL, for one), and setVisible reports a change once.
func (n *win32Window) show() {
	showNative(n.hwnd)
	n.w.setVisible(true)
}

func (n *win32Window) hide() {
	hideNative(n.hwnd)
	n.w.setVisible(false)
}

func (n *win32Window) detach() {
	detachSubclass(n.hwnd) // first, so that hiding reports nothing, as on Linux
	n.wv2.detach()         // no page event reaches the window after this
	hideNative(n.hwnd)
}

func (n *win32Window) destroy() {
	if n.wv == loop {
		return // see loop
	}
	n.wv2.free()
	n.wv.Destroy() // puts back a procedure of its own, then destroys the HWND
	unsubclassWindow(n.hwnd)
}

func (n *win32Window) addScript(js string, host bool) {
	if err := n.wv2.addScript(webView2Script(js, host)); err != nil {
		slog.Default().Error("webview: a document-start script was not added", "window", n.w.opts.Title, "err", err)
	}
}

func (n *win32Window) listenHost() {
	if !n.wv2.listenHost() {
		slog.Default().Error("webview: the host message handler was not added", "window", n.w.opts.Title)
	}
}

// evalHost runs js in the top document (ExecuteScript never reaches frames), in the page's
// world: WebView2 has no other.
func (n *win32Window) evalHost(js string) {
	if err := n.wv2.eval(js); err != nil {
		slog.Default().Error("webview: a host script was not run", "window", n.w.opts.Title, "err", err)
	}
}

func (n *win32Window) setMicrophoneOrigin(origin string) { n.micOrigin = origin }

// permission answers a page's permission request; UI thread.
func (w *Window) permission(uri string, kind wv2PermissionKind) wv2PermissionState {
	n, ok := w.nat.(*win32Window)
	if !ok || w.gone {
		return wv2Deny
	}
	return wv2PermissionFor(kind, uri, n.micOrigin)
}

// DataDir returns where WebView2 keeps the website data of the main window (localStorage,
// IndexedDB, cookies), as WebView2 reports it: <LocalAppData>\<program name>\<exe name> when
// the package's answer reached webview_go (userdata_windows.go).
// Call it on the UI thread (in a Dispatch, or between New and Run).
func (u *UI) DataDir() (string, error) {
	n, ok := u.main.nat.(*win32Window)
	if !ok {
		return "", errors.New("webview: the main window has no view")
	}
	return n.wv2.userDataFolder()
}
