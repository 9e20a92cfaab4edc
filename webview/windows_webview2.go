package webview

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/embeddable-tray/embeddable-tray/internal/weborigin"
)

// What the Windows native layer (webview2_windows.go) decides, kept free of Win32 and cgo so
// that it is tested on every OS: scripts adapted to WebView2, permission answers, load errors.

// webView2Script adapts a document-start script to WebView2, which runs such scripts in every
// frame and has no isolated world: it runs js in the top frame only, and for a host script
// gives it the host message handler it posts to (window.webkit.messageHandlers.embeddableTray
// on WebKit). Every "window.webkit" of the script names a stand-in made before any page
// script runs, a closure over chrome.webview.postMessage, whose messages WebView2 delivers
// only from the top document (a frame's go to the frame's own event, which the package does
// not listen to). The page itself shares the world and can post too: Go takes messages only
// from the committed page's document, and the bridge checks its origin and secret.
func webView2Script(js string, host bool) string {
	var b strings.Builder
	b.WriteString("(function () {\nif (window !== window.top) { return; }\n")
	if host {
		js = webkitRef.ReplaceAllString(js, webView2Webkit+"$1")
		b.WriteString("const " + webView2Webkit + " = (function (cw) {\n" +
			"  if (!cw || typeof cw.postMessage !== \"function\") { return undefined; }\n" +
			"  const post = cw.postMessage.bind(cw);\n" +
			"  const handler = Object.freeze({ postMessage: function (s) { post(s); } });\n" +
			"  return Object.freeze({ messageHandlers: Object.freeze({ " + HostHandler + ": handler }) });\n" +
			"})(window.chrome && window.chrome.webview);\n")
	}
	b.WriteString(js)
	b.WriteString("\n})();")
	return b.String()
}

// webkitRef finds "window.webkit" as a whole name (not window.webkitURL and the like).
var webkitRef = regexp.MustCompile(`\bwindow\.webkit([^A-Za-z0-9_$]|$)`)

// webView2Webkit names the stand-in for window.webkit inside an adapted host script.
const webView2Webkit = "__embeddableTrayWebkit"

// fromCommittedOrigin says whether a host message whose document WebView2 names as source
// may be taken for the committed page: both must have the same http(s) origin. Not the same
// URI: the page changes its own (history.pushState, a #route) without a new commit. A late
// message of an earlier page of the same origin passes here; its page's secret, new on every
// load, is what the bridge refuses it by.
func fromCommittedOrigin(source, committed string) bool {
	o := originOf(source)
	return o != "" && o == originOf(committed)
}

// webView2Allows applies the navigation policy at the one point WebView2 asks, a navigation's
// start (it asks again for each redirect, with the new URI): a frame by the policy's Frame; a
// page by its Page, where a refused page the user asked for opens Elsewhere. There is no
// response stage as on WebKit, so a page a frame's origin would allow is not let in on the
// way to one. UI thread.
func (w *Window) webView2Allows(uri string, frame, user bool) bool {
	if frame {
		return w.allowLoad(uri, stageFrameResponse, user)
	}
	w.mu.Lock()
	p := w.policy
	w.mu.Unlock()
	if p.Page == nil || p.Page(uri) {
		return true
	}
	if user && p.Elsewhere != nil {
		go p.Elsewhere(uri)
	}
	return false
}

// appOwnPage says whether a top-level navigation WebView2 announces is the app's own SetHTML:
// webview_go's SetHtml is WebView2's NavigateToString, which starts a navigation to a data:
// URI. Only the app can start one: Chromium refuses a page's own top-level navigation to
// data:. So the navigation policy, which knows pages by their http(s) origin, is not asked.
func appOwnPage(uri string, mainFrame bool) bool {
	return mainFrame && len(uri) >= 5 && strings.EqualFold(uri[:5], "data:")
}

// Permission kinds and states, as WebView2 numbers them (COREWEBVIEW2_PERMISSION_KIND and
// _STATE in WebView2.h).
type wv2PermissionKind int

const (
	wv2Microphone wv2PermissionKind = 1
	wv2Camera     wv2PermissionKind = 2
)

type wv2PermissionState int

const (
	wv2Default wv2PermissionState = 0 // WebView2 decides (it asks the user)
	wv2Allow   wv2PermissionState = 1
	wv2Deny    wv2PermissionState = 2
)

// wv2PermissionFor answers a page's permission request: the microphone only for pages at
// micOrigin (the widget's, for its calls), the camera never, anything else as WebView2 would.
func wv2PermissionFor(kind wv2PermissionKind, uri, micOrigin string) wv2PermissionState {
	switch kind {
	case wv2Microphone:
		if micOrigin != "" && originOf(uri) == micOrigin {
			return wv2Allow
		}
		return wv2Deny
	case wv2Camera:
		return wv2Deny
	}
	return wv2Default
}

// originOf returns uri's origin as a browser writes it (scheme://host[:port], the port only
// when it is not the scheme's default), or "" for a URI without one.
func originOf(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return weborigin.Of(u)
}

// redactedURI drops a URI's query and fragment (codes, states) before it is logged.
func redactedURI(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return u.String()
}

// WebView2's load errors (COREWEBVIEW2_WEB_ERROR_STATUS) as LoadErrors.
const (
	domainWebView2             = "WebView2WebErrorStatus"
	webErrorOperationCancelled = 14 // a newer navigation replaced it, or Stop
)

var webErrorMessages = []string{
	"The page could not be loaded.",
	"The server's certificate is for another name.",
	"The server's certificate has expired.",
	"The client certificate has errors.",
	"The server's certificate has been revoked.",
	"The server's certificate is not valid.",
	"The server cannot be reached.",
	"The server did not answer in time.",
	"The server's answer was not valid HTTP.",
	"The connection was aborted.",
	"The connection was reset.",
	"The computer is not connected to a network.",
	"Cannot connect to the server.",
	"The server's name cannot be found.",
	"The load was cancelled.",
	"Too many redirects, or a redirect failed.",
	"An unexpected error occurred.",
	"The server asks for credentials.",
	"The proxy asks for credentials.",
}

func webErrorStatusError(uri string, status int) *LoadError {
	msg := fmt.Sprintf("The page could not be loaded (WebView2 error %d).", status)
	if status > 0 && status < len(webErrorMessages) {
		msg = webErrorMessages[status]
	}
	return &LoadError{URI: uri, Domain: domainWebView2, Code: status, Message: msg}
}
