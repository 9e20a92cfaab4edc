package webview

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostTestJS is a host script that forwards to Go everything its world sees: its start, and
// every message event with its origin and whether it came from the window itself.
const hostTestJS = `(function () {
  var handler = window.webkit.messageHandlers.embeddableTray;
  window.hostPost = function (o) { handler.postMessage(JSON.stringify(o)); };
  hostPost({kind: "start", href: location.href, pageMark: typeof window.__page});
  window.addEventListener("message", function (e) {
    hostPost({kind: "message", origin: e.origin, self: e.source === window, data: e.data});
  });
})();`

// injectedID is what a frame sends as a call id to reach webview_go's reply script: if it
// ran in the top page, window.__marker would be set there.
const injectedID = `x";window.top.__marker="ran";//`

// hostPages serves a widget-like page (/host) with a frame of another origin (/frame on the
// second server), and a page with frames for the navigation policy (/policy).
func hostPages(t *testing.T) (page, foreign *httptest.Server) {
	t.Helper()
	foreign = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!DOCTYPE html><title>foreign</title><script>
var h = (window.webkit && window.webkit.messageHandlers) || {};
var tried = [];
["external", "embeddableTray", "embeddable-tray"].forEach(function (n) {
  try {
    h[n].postMessage(JSON.stringify({id: %q, method: "report", params: []}));
    tried.push(n + ":sent");
  } catch (e) { tried.push(n + ":" + e.name); }
});
parent.postMessage({frame: "foreign", external: typeof h.external, host: typeof h.embeddableTray, tried: tried.join(",")}, "*");
</script>`, injectedID)
	}))
	t.Cleanup(foreign.Close)
	mux := http.NewServeMux()
	mux.HandleFunc("/host", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!DOCTYPE html><title>host</title><script>
var realPost = window.postMessage.bind(window);
// A page that wants Go's posts for itself redefines postMessage: EvalHost must not use it.
window.postMessage = function () { realPost({hijacked: true}, "*"); };
var h = (window.webkit && window.webkit.messageHandlers) || {};
realPost({page: "handlers", external: typeof h.external, host: typeof h.embeddableTray, hostGlobal: typeof window.hostPost, pageMark: window.__page}, "*");
window.addEventListener("message", function (e) {
  if (e.data && e.data.probe) realPost({answer: e.data.probe, marker: String(window.__marker)}, "*");
});
</script><iframe src="%s/frame"></iframe>`, foreign.URL)
	})
	mux.HandleFunc("/policy", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!DOCTYPE html><title>policy</title><iframe src="%s/frame"></iframe><iframe src="/same"></iframe>`, foreign.URL)
	})
	mux.HandleFunc("/same", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!DOCTYPE html><script>parent.postMessage({frame: "same"}, "*");</script>`)
	})
	page = httptest.NewServer(mux)
	t.Cleanup(page.Close)
	return page, foreign
}

type hostMsg struct {
	URI string
	Msg map[string]any
	Raw string
}

// hostWindow opens a window with hostTestJS and returns the messages it posts.
func hostWindow(t *testing.T, title string) (*Window, <-chan hostMsg) {
	t.Helper()
	ui := needUI(t)
	w, err := ui.NewWindow(Options{Title: title})
	require.NoError(t, err)
	t.Cleanup(w.Close)
	msgs := make(chan hostMsg, 64)
	w.OnHostMessage(func(uri, msg string) {
		m := hostMsg{URI: uri, Raw: msg}
		_ = json.Unmarshal([]byte(msg), &m.Msg)
		send(msgs)(m)
	})
	w.AddPageScript(`window.__page = "page";`)
	w.AddHostScript(hostTestJS)
	return w, msgs
}

// waitHost returns the first message that match accepts, failing on a timeout.
func waitHost(t *testing.T, msgs <-chan hostMsg, what string, match func(hostMsg) bool, seen *[]hostMsg) hostMsg {
	t.Helper()
	for {
		m := receive(t, msgs, what)
		if seen != nil {
			*seen = append(*seen, m)
		}
		if match(m) {
			return m
		}
	}
}

func dataField(m hostMsg, name string) any {
	d, _ := m.Msg["data"].(map[string]any)
	return d[name]
}

func TestHostChannelIsolated(t *testing.T) {
	page, foreign := hostPages(t)
	w, msgs := hostWindow(t, "host channel")
	commits := make(chan string, 8)
	w.OnLoadCommitted(send(commits))
	w.Navigate(page.URL + "/host")

	want := page.URL + "/host"
	assert.Equal(t, want, receive(t, commits, "OnLoadCommitted"))
	var seen []hostMsg
	start := waitHost(t, msgs, "the host script's start", func(m hostMsg) bool { return m.Msg["kind"] == "start" }, &seen)
	assert.Equal(t, want, start.URI, "pageURI is the committed page")
	assert.Equal(t, want, start.Msg["href"])
	assert.Equal(t, "undefined", start.Msg["pageMark"], "the host world does not see the page's globals")

	handlers := waitHost(t, msgs, "the page's report", func(m hostMsg) bool { return dataField(m, "page") == "handlers" }, &seen)
	assert.Equal(t, "undefined", dataField(handlers, "external"), "webview_go's handler is gone")
	assert.Equal(t, "undefined", dataField(handlers, "host"), "the page cannot see the host handler")
	assert.Equal(t, "undefined", dataField(handlers, "hostGlobal"), "the page cannot see the host world's globals")
	assert.Equal(t, "page", dataField(handlers, "pageMark"), "AddPageScript runs in the page's world")
	assert.Equal(t, true, handlers.Msg["self"])

	frame := waitHost(t, msgs, "the foreign frame's report", func(m hostMsg) bool { return dataField(m, "frame") == "foreign" }, &seen)
	assert.Equal(t, foreign.URL, frame.Msg["origin"])
	assert.Equal(t, false, frame.Msg["self"])
	assert.Equal(t, "undefined", dataField(frame, "external"), "a frame cannot reach webview_go's handler")
	assert.Equal(t, "undefined", dataField(frame, "host"), "a frame cannot reach the host handler")
	assert.Equal(t, "external:TypeError,embeddableTray:TypeError,embeddable-tray:TypeError", dataField(frame, "tried"))

	// EvalHost runs in the host world: its postMessage is the real one, not the page's.
	w.EvalHost(`window.postMessage({probe: "p1"}, location.origin);`)
	answer := waitHost(t, msgs, "the page's answer to the probe", func(m hostMsg) bool { return dataField(m, "answer") == "p1" }, &seen)
	assert.Equal(t, "undefined", dataField(answer, "marker"), "the frame's injected id never ran in the page")
	for _, m := range seen {
		assert.Nil(t, dataField(m, "hijacked"), "the page's postMessage was used: %s", m.Raw)
	}
	starts := 0
	for _, m := range seen {
		if m.Msg["kind"] == "start" {
			starts++
		}
	}
	assert.Equal(t, 1, starts, "the host script runs in the top frame only")
}

func TestHostMessageSizeCap(t *testing.T) {
	page, _ := hostPages(t)
	w, msgs := hostWindow(t, "host cap")
	w.Navigate(page.URL + "/host")
	waitHost(t, msgs, "the host script's start", func(m hostMsg) bool { return m.Msg["kind"] == "start" }, nil)

	max := strconv.Itoa(MaxHostMessage)
	w.EvalHost(`var h = window.webkit.messageHandlers.embeddableTray;
h.postMessage("a".repeat(` + max + ` + 1));
h.postMessage(42);
h.postMessage({kind: "object"});
h.postMessage("b".repeat(` + max + `));
h.postMessage("done");`)
	var seen []hostMsg
	waitHost(t, msgs, "the last message", func(m hostMsg) bool { return m.Raw == "done" }, &seen)
	var sizes []int
	for _, m := range seen {
		if m.Msg == nil || m.Msg["kind"] != "message" {
			sizes = append(sizes, len(m.Raw))
		}
	}
	assert.Equal(t, []int{MaxHostMessage, 4}, sizes, "only strings up to MaxHostMessage bytes arrive")
}

// countingServer serves a small page on every path and counts the requests per path.
func countingServer(t *testing.T) (*httptest.Server, func(path string) int) {
	t.Helper()
	var mu sync.Mutex
	hits := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		fmt.Fprint(w, `<!DOCTYPE html><script>parent.postMessage({frame: location.href}, "*");</script>`)
	}))
	t.Cleanup(srv.Close)
	return srv, func(path string) int {
		mu.Lock()
		defer mu.Unlock()
		return hits[path]
	}
}

// TestNavigationPolicy: a navigation to an origin allowed neither as a page nor as a frame is
// refused before any request; one allowed only as a frame is refused for the page once its
// response is in, and handed to Elsewhere; a frame of a refused origin is never requested; a
// new window is not opened; without a user gesture nothing else goes to Elsewhere; the page
// stays and nothing else is committed.
func TestNavigationPolicy(t *testing.T) {
	framesOnly, framesOnlyHits := countingServer(t)
	refused, refusedHits := countingServer(t)
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The page's own script, on timers of its own: no user gesture.
		fmt.Fprintf(w, `<!DOCTYPE html><iframe src="%[1]s/frame"></iframe><iframe src="%[2]s/frame"></iframe><script>
var steps = [
  function () { location.href = "%[1]s/top"; },
  function () { location.href = "%[2]s/top?x=1"; },
  function () { window.open("%[1]s/popup"); },
  function () { window.postMessage({done: location.href}, "*"); },
];
var i = 0;
(function next() { if (i < steps.length) { steps[i++](); setTimeout(next, 300); } })();
</script>`, refused.URL, framesOnly.URL)
	}))
	t.Cleanup(page.Close)
	w, msgs := hostWindow(t, "policy")
	origin := func(uri string) string {
		u, err := url.Parse(uri)
		if err != nil {
			return ""
		}
		return "http://" + u.Host
	}
	isPage := func(uri string) bool { return origin(uri) == page.URL }
	isFrame := func(uri string) bool { return isPage(uri) || origin(uri) == framesOnly.URL }
	elsewhere := make(chan string, 4)
	w.SetNavigationPolicy(NavigationPolicy{Page: isPage, Frame: isFrame, Elsewhere: send(elsewhere)})
	commits := make(chan string, 8)
	w.OnLoadCommitted(send(commits))
	w.Navigate(page.URL + "/main")
	assert.Equal(t, page.URL+"/main", receive(t, commits, "the page's commit"))

	var seen []hostMsg
	done := waitHost(t, msgs, "the page's last step", func(m hostMsg) bool { return dataField(m, "done") != nil }, &seen)
	assert.Equal(t, page.URL+"/main", dataField(done, "done"), "the page stayed")
	assert.Equal(t, page.URL+"/main", done.URI)
	assert.Equal(t, framesOnly.URL+"/top?x=1", receive(t, elsewhere, "Elsewhere"))
	select {
	case c := <-commits:
		t.Errorf("a refused page was committed: %s", c)
	case u := <-elsewhere:
		t.Errorf("a navigation without a user gesture went to Elsewhere: %s", u)
	default:
	}
	assert.Zero(t, refusedHits("/frame"), "a frame of a refused origin was requested")
	assert.Zero(t, refusedHits("/top"), "a page of a refused origin was requested")
	assert.Zero(t, refusedHits("/popup"), "a new window was opened")
	assert.Equal(t, 1, framesOnlyHits("/top"))
	assert.Equal(t, 1, framesOnlyHits("/frame"))
	var frames []any
	for _, m := range seen {
		if f := dataField(m, "frame"); f != nil {
			frames = append(frames, f)
		}
	}
	assert.Equal(t, []any{framesOnly.URL + "/frame"}, frames, "only the allowed frame loaded")
}

// TestHostNamesMatchNative: the Go names and cap are the ones the C side uses.
func TestHostNamesMatchNative(t *testing.T) {
	world, handler, max := hostNative()
	assert.Equal(t, [3]any{HostWorld, HostHandler, MaxHostMessage}, [3]any{world, handler, max})
}
