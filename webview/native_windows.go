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
// Still missing here, for now:
//   - OnNavigate and OnLoadFailed are never called (WebView2's events are not wired up);
//   - detach cannot take back webview_go's WebView2 message handler, so until the window
//     is destroyed (the next turn of the loop) its page can still call bound functions;
//   - a window made Hidden is shown for a moment first (webview_go shows it in its
//     constructor);
//   - the memory settings are WebKitGTK's and do not apply.

type win32Window struct {
	w    *Window
	wv   wv.WebView
	hwnd windows.HWND
}

func newNative(w *Window) native {
	v := newPlainView(w.opts)
	n := &win32Window{w: w, wv: v, hwnd: windows.HWND(v.Window())}
	if err := subclassWindow(n.hwnd, w); err != nil {
		// The window still works; its close button is webview_go's: it destroys the window
		// without OnClose, and ends the app with the last window.
		slog.Default().Warn("webview: the title-bar close button cannot be intercepted",
			"window", w.opts.Title, "main", w.main, "err", err)
	}
	w.setVisible(true)
	if w.opts.Hidden {
		n.hide()
	}
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
	hideNative(n.hwnd)
}

func (n *win32Window) destroy() {
	if n.wv == loop {
		return // see loop
	}
	n.wv.Destroy() // puts back a procedure of its own, then destroys the HWND
	unsubclassWindow(n.hwnd)
}

func (n *win32Window) addScript(js string, _ bool) { plainAddScript(n.wv, js) }
func (n *win32Window) listenHost()                 {}
func (n *win32Window) evalHost(js string)          { plainEvalHost(n.wv, js) }

// DataDir is not known here: WebView2 keeps website data in its own place.
func (u *UI) DataDir() (string, error) {
	return "", errors.New("webview: the website data directory is only known on Linux")
}
