package webview_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/bridge"
	"github.com/embeddable-tray/embeddable-tray/webview"
)

// rtcShim is a page-world script standing in for the calling shim (CONTRACTS.md §3): it
// takes the first port the host script hands over, sends two requests on it, and returns
// each answer on the port as {op:"got"}. A later port message (the page's own) is ignored.
const rtcShim = `(function () {
  var port = null;
  window.addEventListener("message", function (e) {
    if (port || e.source !== window || !e.data || e.data.type !== "embeddable-tray-rtc-port") return;
    port = e.ports[0];
    port.onmessage = function (m) { port.postMessage({op: "got", answer: m.data}); };
    port.postMessage({id: 1, op: "echo", value: "one"});
    port.postMessage({id: 2, op: "echo", value: "two"});
  });
})();`

// TestRTCPipeThroughWebKit: the calling shim's port, through real WebKit from the page's world
// to the host's isolated world and to Go and back (an echo); the page itself cannot fake a
// second port.
func TestRTCPipeThroughWebKit(t *testing.T) {
	ui := webview.TestingUI(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The page posts a port message of its own: the shim must keep the host's.
		fmt.Fprint(w, `<!doctype html><title>rtc</title><script>
var c = new MessageChannel();
c.port1.onmessage = function () { window.fakePortUsed = true; };
window.postMessage({type: "embeddable-tray-rtc-port"}, location.origin, [c.port2]);
</script>`)
	}))
	t.Cleanup(srv.Close)

	w, err := ui.NewWindow(webview.Options{Title: "rtc pipe"})
	require.NoError(t, err)
	t.Cleanup(w.Close)

	got := make(chan map[string]any, 8)
	var conn *bridge.Conn
	conn = bridge.NewConn(bridge.Config{
		Send:   w.EvalHost,
		Origin: srv.URL,
		RTC: func(data json.RawMessage) {
			var m map[string]any
			require.NoError(t, json.Unmarshal(data, &m))
			if m["op"] == "echo" {
				assert.NoError(t, conn.PostRTC([]byte(fmt.Sprintf(`{"id":%v,"result":{"value":%q}}`, m["id"], m["value"]))))
				return
			}
			got <- m
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { conn.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	w.OnLoadCommitted(conn.PageCommitted)
	w.OnHostMessage(func(uri, msg string) { _ = conn.Receive(uri, msg) })
	w.AddPageScript(rtcShim)
	w.AddHostScript(bridge.HostScript(srv.URL, 0))
	w.Navigate(srv.URL + "/")

	var answers []any
	for len(answers) < 2 {
		select {
		case m := <-got:
			answers = append(answers, m["answer"])
		case <-time.After(15 * time.Second):
			t.Fatalf("the echo did not come back through the port; got %v", answers)
		}
	}
	assert.Equal(t, []any{
		map[string]any{"id": float64(1), "result": map[string]any{"value": "one"}},
		map[string]any{"id": float64(2), "result": map[string]any{"value": "two"}},
	}, answers)
}
