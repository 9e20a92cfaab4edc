//go:build !linux && !windows

package webview

import (
	"errors"

	wv "github.com/webview/webview_go"
)

// Outside Linux and Windows (that is, macOS) each window is an ordinary webview_go window.
// What is missing there, for now (the app is built and tested on Linux; see the package's
// report):
//   - the title-bar close button is not intercepted: closing the main window destroys it,
//     and webview_go ends the loop when its last window is gone (no close-to-tray; Windows
//     has it, see native_windows.go);
//   - OnNavigate and OnLoadFailed are never called (WKWebView's events are not wired up);
//   - Show and Hide do nothing (see show_other.go);
//   - the memory settings are WebKitGTK's and do not apply.

type plainWindow struct {
	w  *Window
	wv wv.WebView
}

func newNative(w *Window) native {
	v := newPlainView(w.opts)
	p := &plainWindow{w: w, wv: v}
	w.setVisible(true)
	if w.opts.Hidden {
		p.hide()
	}
	return p
}

func (p *plainWindow) view() wv.WebView { return p.wv }

func (p *plainWindow) show() {
	showNative(p.wv.Window())
	p.w.setVisible(true)
}

func (p *plainWindow) hide() {
	hideNative(p.wv.Window())
	p.w.setVisible(false)
}

func (p *plainWindow) detach() { hideNative(p.wv.Window()) }

func (p *plainWindow) destroy() {
	if p.wv == loop {
		return // see loop
	}
	p.wv.Destroy()
}

func (p *plainWindow) addScript(js string, _ bool) { plainAddScript(p.wv, js) }
func (p *plainWindow) listenHost()                 {}
func (p *plainWindow) evalHost(js string)          { plainEvalHost(p.wv, js) }

// DataDir is not known here: WebView2 and WKWebView keep website data in their own places.
func (u *UI) DataDir() (string, error) {
	return "", errors.New("webview: the website data directory is only known on Linux")
}
