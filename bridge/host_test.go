package bridge

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/assets"
)

func TestHostScriptRendersLiterals(t *testing.T) {
	tests := []struct {
		name, origin, secret, binding string
	}{
		{"plain", testOrigin, testSecret, "embeddableTrayHost"},
		{"quotes cannot break out", `https://x"];alert(1)//`, `s'"\`, `b"+alert(2)+"`},
		{"script end and line separators", "https://x</script>\u2028\u2029", "s\n", "b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			js := HostScript(tt.origin, tt.secret, tt.binding)
			for _, placeholder := range []string{"/*ORIGIN*/", "/*SECRET*/", "/*BINDING*/", "/*HOST_TYPES*/"} {
				assert.NotContains(t, js, placeholder)
			}
			assert.Contains(t, js, "var WIDGET_ORIGIN = "+jsLiteral(tt.origin)+";")
			assert.Contains(t, js, "var SECRET = "+jsLiteral(tt.secret)+";")
			assert.Contains(t, js, "var BINDING = "+jsLiteral(tt.binding)+";")
			assert.Contains(t, js, "var HOST_TYPES = "+jsLiteral(OutboundTypes())+";")
			assert.NotContains(t, js, "\u2028")
			assert.NotContains(t, js, "</script>")
			// The only difference from the template is the four values.
			assert.Equal(t, strings.Count(assets.HostJS, "\n"), strings.Count(js, "\n"))
		})
	}
}

func TestPostScript(t *testing.T) {
	got := PostScript(`https://apps.ringcentral.com`, []byte(`{"type":"rc-adapter-sync-third-party-contacts"}`))
	assert.Equal(t, `window.postMessage({"type":"rc-adapter-sync-third-party-contacts"}, "https://apps.ringcentral.com");`, got)
	got = PostScript(`https://x"),alert(1),("`, []byte(`{}`))
	assert.Equal(t, `window.postMessage({}, "https://x\"),alert(1),(\"");`, got)
}

func TestNewSecret(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	assert.Len(t, a, 64)
	_, err := hex.DecodeString(a)
	assert.NoError(t, err)
	assert.NotEqual(t, a, b)
}

// hostRun is what the harness reports from running the host script.
type hostRun struct {
	Calls       [][2]string `json:"calls"`
	Warnings    []string    `json:"warnings"`
	BindingLeft bool        `json:"bindingLeft"`
	Listeners   int         `json:"listeners"`
}

type hostEvent struct {
	Origin     string `json:"origin"`
	SameSource bool   `json:"sameSource"`
	Data       any    `json:"data,omitempty"`
	Cyclic     bool   `json:"cyclic,omitempty"`
}

// runHostScript runs the rendered script in node with a fake window (testdata/hostjs_harness.js).
func runHostScript(t *testing.T, origin, pageOrigin string, top bool, events []hostEvent) hostRun {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("node is needed to run the host script test: %v", err)
		}
		t.Skip("node not installed: the host script's behaviour is not checked (install nodejs)")
	}
	script := filepath.Join(t.TempDir(), "host.js")
	require.NoError(t, os.WriteFile(script, []byte(HostScript(origin, testSecret, "embeddableTrayHost")), 0o600))
	scenario, err := json.Marshal(map[string]any{
		"origin": pageOrigin, "href": pageOrigin + "/app.html?x=1", "top": top,
		"binding": "embeddableTrayHost", "events": events, "reject": true,
	})
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
		{Origin: testOrigin, SameSource: true, Cyclic: true},
		widget(map[string]any{"type": "rc-post-message-request", "requestId": "r1", "path": "/authorize", "body": map[string]any{"authorized": false}}),
	}
	for _, typ := range OutboundTypes() { // the host's own posts come back to the listener
		events = append(events, widget(map[string]any{"type": typ}))
	}

	run := runHostScript(t, testOrigin, testOrigin, true, events)
	assert.False(t, run.BindingLeft, "the bound function is taken away from the page")
	require.Len(t, run.Calls, 3, "the load and the two widget messages, nothing else")
	for _, c := range run.Calls {
		assert.Equal(t, testSecret, c[0])
	}
	assert.JSONEq(t, `{"kind":"load","href":"`+testOrigin+`/app.html?x=1"}`, run.Calls[0][1])
	assert.JSONEq(t, `{"kind":"message","data":{"type":"rc-login-status-notify","loggedIn":true}}`, run.Calls[1][1])
	assert.JSONEq(t, `{"kind":"message","data":{"type":"rc-post-message-request","requestId":"r1","path":"/authorize","body":{"authorized":false}}}`, run.Calls[2][1])

	var serialise, refused int
	for _, w := range run.Warnings {
		assert.NotContains(t, w, testSecret)
		switch {
		case strings.Contains(w, "cannot be serialised"):
			serialise++
		case strings.Contains(w, "refused"):
			refused++
		}
	}
	assert.Equal(t, 1, serialise, "the cyclic message is dropped with a warning")
	assert.Equal(t, 3, refused, "a rejected call is reported on the console")

	// What the script forwards, Conn.Receive takes.
	h := newHarness(t)
	for _, c := range run.Calls {
		assert.NoError(t, h.conn.Receive(c[0], c[1]))
	}
}

func TestHostScriptStaysOutOfOtherPages(t *testing.T) {
	tests := []struct {
		name       string
		pageOrigin string
		top        bool
	}{
		{"another origin", "https://evil.example", true},
		{"a lookalike origin", testOrigin + ".evil.example", true},
		{"the widget origin in a frame", testOrigin, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := runHostScript(t, testOrigin, tt.pageOrigin, tt.top, []hostEvent{
				{Origin: tt.pageOrigin, SameSource: true, Data: map[string]any{"type": "rc-login-status-notify"}},
			})
			assert.Empty(t, run.Calls)
			assert.Zero(t, run.Listeners)
			assert.False(t, run.BindingLeft, "the bound function is hidden on every page")
		})
	}
}

func TestHostScriptWithQuotedOrigin(t *testing.T) {
	origin := `https://x"y`
	run := runHostScript(t, origin, origin, true, []hostEvent{
		{Origin: origin, SameSource: true, Data: map[string]any{"type": "rc-dialer-status-notify", "ready": true}},
	})
	require.Len(t, run.Calls, 2, "the script still parses and runs")
}
