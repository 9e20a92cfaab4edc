//go:build !linux

package webview

import wv "github.com/webview/webview_go"

// Outside Linux each window is a webview_go window of its own (see native_windows.go and
// native_other.go for what each platform adds).

// loop is the main window's view: webview_go's loop, Dispatch and Terminate live on a view.
// It is never destroyed before the process ends, so Dispatch can always reach it.
var loop wv.WebView

// platformInit checks what the platform needs before the first window (checkRuntime).
func platformInit(prgname string) error { return checkRuntime(prgname) }
func platformRun()                      { loop.Run() }
func platformQuit()                     { loop.Terminate() }
func platformDispatch(f func())         { loop.Dispatch(f) }

// newPlainView makes a webview_go window with the options' title and size; the first one
// made carries the loop. webview_go shows it at once.
func newPlainView(o Options) wv.WebView {
	v := wv.New(o.Debug)
	if loop == nil {
		loop = v
	}
	hint := wv.HintNone
	if !o.Resizable {
		hint = wv.HintFixed
	}
	v.SetTitle(o.Title)
	v.SetSize(o.Width, o.Height, wv.Hint(hint))
	return v
}
