package webview

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/bridge"
	"github.com/embeddable-tray/embeddable-tray/internal/realpart"
	"github.com/embeddable-tray/embeddable-tray/webview/navreport"
)

// runWebView2Script runs an adapted script in node with a fake window (top or frame).
func runWebView2Script(t *testing.T, script, where string) (ran bool, posted []string, webkitURL string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		realpart.Missing(t, "node is needed to run the WebView2 script test (apt-get install nodejs)")
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(node, filepath.Join("testdata", "webview2_script_harness.js"), script, where)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "node: %s", stderr.String())
	var out struct {
		Ran       bool
		Posted    []string
		WebkitURL string
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &out), "node said: %s", stdout.String())
	return out.Ran, out.Posted, out.WebkitURL
}

// A host script written for WebKit's isolated world (as assets/host.js and navreport's are)
// posts to its handler at once and again later (after a page script has replaced
// chrome.webview.postMessage); window.webkitURL is not the handler's window.webkit.
const hostScriptSample = `window.ran = true;
var handlers = window.webkit && window.webkit.messageHandlers;
var handler = handlers && handlers.embeddableTray;
handler.postMessage("now");
window.webkitURL = "kept";
window.later = function () { window.webkit.messageHandlers.embeddableTray.postMessage("later"); };`

func TestWebView2HostScript(t *testing.T) {
	ran, posted, webkitURL := runWebView2Script(t, webView2Script(hostScriptSample, true), "top")
	assert.True(t, ran)
	assert.Equal(t, []string{"now", "later"}, posted,
		"the host's handler is chrome.webview.postMessage as it was at document start")
	assert.Equal(t, "kept", webkitURL)

	ran, posted, _ = runWebView2Script(t, webView2Script(hostScriptSample, true), "frame")
	assert.False(t, ran, "WebView2 runs document-start scripts in frames too: the adapted script must not")
	assert.Empty(t, posted)
}

func TestWebView2PageScriptRunsInTheTopFrameOnly(t *testing.T) {
	page := "window.ran = true;"
	ran, _, _ := runWebView2Script(t, webView2Script(page, false), "top")
	assert.True(t, ran)
	ran, _, _ = runWebView2Script(t, webView2Script(page, false), "frame")
	assert.False(t, ran)
}

// The app's own host script (bridge.HostScript), adapted to WebView2, announces the page load
// and forwards the widget's message through chrome.webview, at the widget's origin only.
func TestWebView2RunsTheAppsHostScript(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		realpart.Missing(t, "node is needed to run the WebView2 script test (apt-get install nodejs)")
	}
	const widget = "https://widget.example"
	script := webView2Script(bridge.HostScript(widget, 0), true)
	run := func(origin string) []string {
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(node, filepath.Join("testdata", "webview2_host_harness.js"), script, origin)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		require.NoError(t, cmd.Run(), "node: %s", stderr.String())
		var kinds []string
		require.NoError(t, json.Unmarshal(stdout.Bytes(), &kinds), "node said: %s", stdout.String())
		return kinds
	}
	assert.Equal(t, []string{"load", "message"}, run(widget))
	assert.Empty(t, run("https://evil.example"), "another origin's page gets no host channel")
}

// navreport's page script, adapted, posts its report from the top frame only.
func TestWebView2PageReport(t *testing.T) {
	_, posted, _ := runWebView2Script(t, webView2Script(navreport.PageScript, true), "top")
	assert.Equal(t, []string{navreport.PageReport}, posted)
	_, posted, _ = runWebView2Script(t, webView2Script(navreport.PageScript, true), "frame")
	assert.Empty(t, posted)
}

func TestWebView2PermissionFor(t *testing.T) {
	const widget = "https://apps.ringcentral.com"
	tests := []struct {
		name     string
		kind     wv2PermissionKind
		uri, mic string
		want     wv2PermissionState
	}{
		{"microphone for the widget", wv2Microphone, "https://apps.ringcentral.com/integration/app.html", widget, wv2Allow},
		{"microphone, default port written out", wv2Microphone, "https://apps.ringcentral.com:443/x", widget, wv2Allow},
		{"microphone for another origin", wv2Microphone, "https://evil.example/x", widget, wv2Deny},
		{"microphone for a look-alike host", wv2Microphone, "https://apps.ringcentral.com.evil.example/", widget, wv2Deny},
		{"microphone over http", wv2Microphone, "http://apps.ringcentral.com/", widget, wv2Deny},
		{"microphone when none is allowed", wv2Microphone, "https://apps.ringcentral.com/", "", wv2Deny},
		{"microphone for a data: page", wv2Microphone, "data:text/html,x", widget, wv2Deny},
		{"camera, even for the widget", wv2Camera, "https://apps.ringcentral.com/", widget, wv2Deny},
		{"notifications: WebView2 decides", 4, "https://apps.ringcentral.com/", widget, wv2Default},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, wv2PermissionFor(tt.kind, tt.uri, tt.mic))
		})
	}
}

func TestOriginOf(t *testing.T) {
	for in, want := range map[string]string{
		"https://Apps.RingCentral.com/x?y#z": "https://apps.ringcentral.com",
		"http://127.0.0.1:8080/widget":       "http://127.0.0.1:8080",
		"http://localhost:80/":               "http://localhost",
		"http://[::1]:9000/":                 "http://[::1]:9000",
		"file:///C:/x.html":                  "",
		"about:blank":                        "",
		"%zz":                                "",
	} {
		assert.Equal(t, want, originOf(in), in)
	}
}

func TestWebErrorStatusError(t *testing.T) {
	e := webErrorStatusError("https://x.example/", 13)
	assert.Equal(t, "The server's name cannot be found.", e.Error())
	assert.False(t, e.Cancelled())
	assert.True(t, webErrorStatusError("https://x.example/", webErrorOperationCancelled).Cancelled(),
		"a superseded load is not a failure (no offline page over the page that replaced it)")
	assert.Contains(t, webErrorStatusError("u", 99).Error(), "99")
}

func TestFromCommittedOrigin(t *testing.T) {
	const committed = "https://apps.ringcentral.com/integration/app.html?clientId=x"
	for source, want := range map[string]bool{
		committed: true,
		"https://apps.ringcentral.com/integration/app.html#/dialer":      true, // the page's own route
		"https://apps.ringcentral.com/other.html":                        true, // pushState
		"https://evil.example/app.html":                                  false,
		"http://apps.ringcentral.com/integration/app.html":               false,
		"https://apps.ringcentral.com.evil.example/integration/app.html": false,
		"about:blank": false,
		"":            false,
	} {
		assert.Equal(t, want, fromCommittedOrigin(source, committed), source)
	}
	assert.False(t, fromCommittedOrigin("about:blank", "about:blank"), "no origin, no channel")
	assert.False(t, fromCommittedOrigin("https://apps.ringcentral.com/", ""), "nothing committed yet")
}

func TestWebView2Allows(t *testing.T) {
	elsewhere := make(chan string, 8)
	w := &Window{}
	w.SetNavigationPolicy(NavigationPolicy{
		Page:      func(u string) bool { return strings.HasPrefix(u, "https://widget.example/") },
		Frame:     func(u string) bool { return strings.HasPrefix(u, "https://frames.example/") },
		Elsewhere: func(u string) { elsewhere <- u },
	})
	tests := []struct {
		name          string
		uri           string
		frame, user   bool
		want          bool
		wantElsewhere bool
	}{
		{"the widget's page", "https://widget.example/app.html", false, false, true, false},
		{"a frame of an allowed origin", "https://frames.example/x", true, false, true, false},
		{"a frame of another origin", "https://evil.example/x", true, true, false, false},
		{"a page only a frame may show", "https://frames.example/x", false, false, false, false},
		{"a link the user clicked", "https://docs.example/", false, true, false, true},
		{"a script sending the window away", "https://evil.example/", false, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, w.webView2Allows(tt.uri, tt.frame, tt.user))
			if tt.wantElsewhere {
				assert.Equal(t, tt.uri, <-elsewhere)
			}
		})
	}
	assert.Empty(t, elsewhere, "nothing else opened elsewhere")
	assert.True(t, (&Window{}).webView2Allows("https://any.example/", false, false), "no policy: everything")
}

func TestAppOwnPage(t *testing.T) {
	assert.True(t, appOwnPage("data:text/html;charset=utf-8;base64,PGgxPg==", true), "SetHTML's page")
	assert.True(t, appOwnPage("DATA:text/html,x", true))
	assert.False(t, appOwnPage("data:text/html,x", false), "a frame asks the policy")
	assert.False(t, appOwnPage("https://evil.example/data:", true))
	assert.False(t, appOwnPage("about:blank", true), "the policy decides about: itself")
}

func TestRedactedURI(t *testing.T) {
	assert.Equal(t, "https://x.example/cb", redactedURI("https://u:p@x.example/cb?code=secret#s"))
}
