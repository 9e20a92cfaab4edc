package webview

import (
	"runtime"

	"github.com/embeddable-tray/embeddable-tray/webview/navreport"
)

// OnPageReached sets the function told of each page the window reaches: the URI of every
// document that starts in its top frame (a server's redirects along the way are not pages).
// It is how a login window sees the redirect URI.
//
// It works by the generic mechanism (package navreport) wherever webview_go has no native
// navigation hook, and on Linux when built with the genericnav tag: a host script reports
// each document at its start, and the URI is the one the native layer says is committed, so
// a page cannot report another. It takes the window's host channel (OnHostMessage) for
// itself. On Linux otherwise it is OnNavigate, WebKit's own signals. Call it before the
// first Navigate.
func (w *Window) OnPageReached(f func(uri string)) {
	if !genericNavigation {
		w.OnNavigate(f)
		return
	}
	w.AddHostScript(navreport.PageScript)
	w.OnHostMessage(func(pageURI, msg string) {
		if navreport.IsPageReport(msg) && pageURI != "" {
			f(pageURI)
		}
	})
}

// nativeLoadFailures says whether OnLoadFailed hears of the web engine's own load failures.
// A build with the generic path selected on Linux does without them, so that its tests see
// the offline page come from the generic path alone (a widget that never announces itself,
// navreport.Deadline); WebView2 reports its failures natively.
const nativeLoadFailures = !genericNavigation || runtime.GOOS == "windows"

// NavigationMechanism names the path this build takes: "generic" (package navreport) or
// "native" (WebKit's signals, Linux only). The app logs it at start.
func NavigationMechanism() string {
	if genericNavigation {
		return "generic"
	}
	return "native"
}
