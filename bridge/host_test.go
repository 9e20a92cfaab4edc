package bridge

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/assets"
	"github.com/embeddable-tray/embeddable-tray/internal/realpart"
)

func TestHostScriptRendersLiterals(t *testing.T) {
	for _, origin := range []string{testOrigin, `https://x"];alert(1)//`, "https://x</script>\u2028\u2029"} {
		t.Run(origin, func(t *testing.T) {
			js := HostScript(origin, 0)
			for _, placeholder := range []string{"/*ORIGIN*/", "/*HOST_TYPES*/", "/*MAX_SIZE*/"} {
				assert.NotContains(t, js, placeholder)
			}
			assert.Contains(t, js, "var WIDGET_ORIGIN = "+jsLiteral(origin)+";")
			assert.Contains(t, js, "var HOST_TYPES = "+jsLiteral(OutboundTypes())+";")
			assert.Contains(t, js, "var MAX_SIZE = 262144;")
			assert.NotContains(t, js, "\u2028")
			assert.NotContains(t, js, "</script>")
			// The only difference from the template is the values.
			assert.Equal(t, strings.Count(assets.HostJS, "\n"), strings.Count(js, "\n"))
		})
	}
}

func TestPostScript(t *testing.T) {
	got := PostScript(`s"1`, []byte(`{"type":"rc-adapter-sync-third-party-contacts"}`))
	assert.Equal(t, `window.embeddableTrayHost && window.embeddableTrayHost.post("s\"1", {"type":"rc-adapter-sync-third-party-contacts"});`, got)
	got = RTCScript("s", []byte(`{"id":1}`))
	assert.Equal(t, `window.embeddableTrayHost && window.embeddableTrayHost.rtc("s", {"id":1});`, got)
}

// hostRun is what the harness reports from running the host script.
type hostRun struct {
	Calls     []string `json:"calls"`
	Warnings  []string `json:"warnings"`
	Listeners int      `json:"listeners"`
	Posts     []struct {
		Msg    map[string]any `json:"msg"`
		Target string         `json:"target"`
	} `json:"posts"`
	ShimGot []map[string]any `json:"shimGot"`
	HostAPI bool             `json:"hostApi"`
	Secret  string           `json:"secret"`
}

type hostEvent struct {
	Origin     string `json:"origin"`
	SameSource bool   `json:"sameSource"`
	Data       any    `json:"data,omitempty"`
	Cyclic     bool   `json:"cyclic,omitempty"`
}

type hostScenario struct {
	Origin     string           `json:"origin"`
	Href       string           `json:"href"`
	Top        bool             `json:"top"`
	Handler    bool             `json:"handler"`
	Events     []hostEvent      `json:"events,omitempty"`
	HostPosts  []hostPost       `json:"hostPosts,omitempty"`
	ShimPosts  []map[string]any `json:"shimPosts,omitempty"`
	ExpectRTC  int              `json:"expectRTC,omitempty"`
	ExpectShim int              `json:"expectShim,omitempty"`
}

// hostPost is Go calling the host script's post and rtc; Secret "PAGE" means the page's own.
type hostPost struct {
	Secret string         `json:"secret"`
	Msg    map[string]any `json:"msg"`
}

// runHostScript runs the rendered script in node with a fake window (testdata/hostjs_harness.js).
func runHostScript(t *testing.T, origin string, sc hostScenario) hostRun {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		realpart.Missing(t, "node runs the host script test (apt-get install nodejs)")
	}
	script := filepath.Join(t.TempDir(), "host.js")
	require.NoError(t, os.WriteFile(script, []byte(HostScript(origin, 0)), 0o600))
	if sc.Href == "" {
		sc.Href = sc.Origin + "/app.html?x=1"
	}
	scenario, err := json.Marshal(sc)
	require.NoError(t, err)
	cmd := exec.Command(node, filepath.Join("testdata", "hostjs_harness.js"), script)
	cmd.Stdin = bytes.NewReader(scenario)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "node: %s", stderr.String())
	var run hostRun
	require.NoError(t, json.Unmarshal(out, &run), "node said: %s", out)
	return run
}

func TestHostScriptForwardsOnlyTheWidget(t *testing.T) {
	widget := func(data any) hostEvent { return hostEvent{Origin: testOrigin, SameSource: true, Data: data} }
	events := []hostEvent{
		widget(map[string]any{"type": "rc-login-status-notify", "loggedIn": true}),
		{Origin: "https://evil.example", SameSource: true, Data: map[string]any{"type": "rc-login-status-notify"}},
		{Origin: testOrigin, SameSource: false, Data: map[string]any{"type": "rc-login-status-notify"}},
		widget("rc-login-status-notify"),
		widget(nil),
		widget(map[string]any{"kind": "no type"}),
		widget(map[string]any{"type": 5}),
		widget(map[string]any{"type": "embeddable-tray-rtc-port"}),
		{Origin: testOrigin, SameSource: true, Cyclic: true},
		widget(map[string]any{"type": "rc-route-changed-notify", "path": "/" + strings.Repeat("a", DefaultMaxSize)}),
		widget(map[string]any{"type": "rc-post-message-request", "requestId": "r1", "path": "/authorize", "body": map[string]any{"authorized": false}}),
	}
	for _, typ := range OutboundTypes() { // the host's own posts come back to the listener
		events = append(events, widget(map[string]any{"type": typ}))
	}

	run := runHostScript(t, testOrigin, hostScenario{Origin: testOrigin, Top: true, Handler: true, Events: events})
	require.Len(t, run.Calls, 3, "the load and the two widget messages, nothing else")
	assert.Len(t, run.Secret, 64, "a 32-byte secret of the page load")
	href := testOrigin + "/app.html?x=1"
	assert.JSONEq(t, `{"kind":"load","href":"`+href+`","secret":"`+run.Secret+`"}`, run.Calls[0])
	assert.JSONEq(t, `{"kind":"message","data":{"type":"rc-login-status-notify","loggedIn":true},"secret":"`+run.Secret+`"}`, run.Calls[1])
	assert.JSONEq(t, `{"kind":"message","data":{"type":"rc-post-message-request","requestId":"r1","path":"/authorize","body":{"authorized":false}},"secret":"`+run.Secret+`"}`, run.Calls[2])

	var serialise, large int
	for _, w := range run.Warnings {
		assert.NotContains(t, w, run.Secret)
		switch {
		case strings.Contains(w, "cannot be serialised"):
			serialise++
		case strings.Contains(w, "too large"):
			large++
		}
	}
	assert.Equal(t, 1, serialise, "the cyclic message is dropped with a warning")
	assert.Equal(t, 1, large, "the oversized message is dropped with a warning")

	// What the script forwards, Conn.Receive takes.
	h := newHarness(t)
	h.conn.PageCommitted(href)
	for _, c := range run.Calls {
		assert.NoError(t, h.conn.Receive(href, c))
	}
	// And a second run (a reload) has another secret.
	again := runHostScript(t, testOrigin, hostScenario{Origin: testOrigin, Top: true, Handler: true})
	assert.NotEqual(t, run.Secret, again.Secret)
}

// TestHostScriptPostsOnlyWithThePageSecret: Go's posts reach the page (to the widget's origin,
// never "*") and the shim's port only with the secret of this page load.
func TestHostScriptPostsOnlyWithThePageSecret(t *testing.T) {
	run := runHostScript(t, testOrigin, hostScenario{
		Origin: testOrigin, Top: true, Handler: true,
		HostPosts: []hostPost{
			{Secret: "PAGE", Msg: map[string]any{"type": "rc-adapter-new-call", "n": 1}},
			{Secret: "", Msg: map[string]any{"type": "rc-adapter-new-call", "n": 2}},
			{Secret: testSecret, Msg: map[string]any{"type": "rc-adapter-new-call", "n": 3}},
		},
		ExpectShim: 1,
	})
	require.True(t, run.HostAPI)
	var delivered []any
	for _, p := range run.Posts {
		if p.Msg["type"] == "rc-adapter-new-call" {
			delivered = append(delivered, p.Msg["n"])
			assert.Equal(t, testOrigin, p.Target)
		}
	}
	assert.Equal(t, []any{float64(1)}, delivered)
	require.Len(t, run.ShimGot, 1)
	assert.Equal(t, float64(1), run.ShimGot[0]["n"])
}

// TestHostScriptRTCPipe: at start the page gets one port (posted to its own origin); what the
// shim posts on it reaches Go as rtc envelopes with the page's secret.
func TestHostScriptRTCPipe(t *testing.T) {
	run := runHostScript(t, testOrigin, hostScenario{
		Origin: testOrigin, Top: true, Handler: true,
		ShimPosts: []map[string]any{{"id": 1, "op": "media.enumerateDevices"}, {"id": 2, "op": "pc.create"}},
		ExpectRTC: 2,
	})
	var ports int
	for _, p := range run.Posts {
		if p.Msg["type"] == "embeddable-tray-rtc-port" {
			ports++
			assert.Equal(t, testOrigin, p.Target)
		}
	}
	assert.Equal(t, 1, ports)
	var rtc []string
	for _, c := range run.Calls {
		if strings.Contains(c, `"kind":"rtc"`) {
			rtc = append(rtc, c)
		}
	}
	require.Len(t, rtc, 2)
	assert.JSONEq(t, `{"kind":"rtc","data":{"id":1,"op":"media.enumerateDevices"},"secret":"`+run.Secret+`"}`, rtc[0])
}

func TestHostScriptStaysOutOfOtherPages(t *testing.T) {
	tests := []struct {
		name       string
		pageOrigin string
		top        bool
		handler    bool
	}{
		{"another origin", "https://evil.example", true, true},
		{"a lookalike origin", testOrigin + ".evil.example", true, true},
		{"the widget origin in a frame", testOrigin, false, true},
		{"no host handler", testOrigin, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := runHostScript(t, testOrigin, hostScenario{Origin: tt.pageOrigin, Top: tt.top, Handler: tt.handler,
				Events: []hostEvent{{Origin: tt.pageOrigin, SameSource: true, Data: map[string]any{"type": "rc-login-status-notify"}}}})
			assert.Empty(t, run.Calls)
			assert.Zero(t, run.Listeners)
			assert.Empty(t, run.Posts)
			assert.False(t, run.HostAPI)
		})
	}
}

func TestHostScriptWithQuotedOrigin(t *testing.T) {
	origin := `https://x"y`
	run := runHostScript(t, origin, hostScenario{Origin: origin, Top: true, Handler: true,
		Events: []hostEvent{{Origin: origin, SameSource: true, Data: map[string]any{"type": "rc-dialer-status-notify", "ready": true}}}})
	require.Len(t, run.Calls, 2, "the script still parses and runs")
}
