package rcplatform

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/e2e/rcsip"
)

// TestCallingSide: what the widget's web phone asks of the platform. sip-provision needs the
// access token and points the web phone at the platform's own origin; the registrar's
// WebSocket opens through the platform (its request log included); the extension has a
// device with a digital line, without which the widget refuses every outbound call.
func TestCallingSide(t *testing.T) {
	s := start(t)
	host := strings.TrimPrefix(s.Origin(), "http://")
	sip := s.MountCalling(rcsip.Config{}, host)
	t.Cleanup(sip.Close)
	tok := login(t, s)

	provision := func(token string) (int, map[string]any) {
		req, err := http.NewRequest(http.MethodPost, s.Origin()+"/restapi/v1.0/client-info/sip-provision", strings.NewReader(`{"sipInfo":[{"transport":"WSS"}]}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return do(t, req)
	}
	code, _ := provision("")
	assert.Equal(t, http.StatusUnauthorized, code, "sip-provision hands out SIP credentials only with a token")
	code, body := provision(tok)
	require.Equal(t, http.StatusOK, code)
	info := body["sipInfo"].([]any)[0].(map[string]any)
	assert.Equal(t, "WS", info["transport"])
	assert.Equal(t, host+"/sip", info["outboundProxy"], "ws:// + outboundProxy is the platform's own origin")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	seq := s.Seq()
	c, _, err := websocket.Dial(ctx, "ws://"+host+"/sip", &websocket.DialOptions{
		Subprotocols: []string{"sip"}, HTTPHeader: http.Header{"Origin": {s.Origin()}},
	})
	require.NoError(t, err, "the registrar's WebSocket opens through the platform")
	assert.Equal(t, "sip", c.Subprotocol())
	_ = c.Close(websocket.StatusNormalClosure, "")
	r, err := s.WaitFor(ctx, seq, func(r Request) bool { return r.Path == "/sip" })
	require.NoError(t, err)
	assert.Equal(t, http.StatusSwitchingProtocols, r.Status)

	_, devices := get(t, s, "/restapi/v1.0/account/~/extension/~/device", tok)
	records := devices["records"].([]any)
	require.Len(t, records, 1)
	dev := records[0].(map[string]any)
	assert.Equal(t, "WebPhone", dev["type"])
	assert.NotEmpty(t, dev["phoneLines"], "a digital line: the widget calls out only with one")
}

// TestDriverIsServedOnlyWhenAsked: app.html is the widget's own unless Options.Driver.
func TestDriverIsServedOnlyWhenAsked(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "app.html"), []byte("<!doctype html><title>widget</title><body><script src=\"app.js\"></script></body>"), 0o644))
	for _, driver := range []bool{false, true} {
		p, err := New(Options{WidgetDir: dir, Driver: driver})
		require.NoError(t, err)
		s, err := Listen("127.0.0.1:0", p)
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		page := fetch(t, s.Origin()+"/app.html")
		assert.Contains(t, page, `<script src="app.js"></script>`)
		assert.Equal(t, driver, strings.Contains(page, `<script src="`+driverPath+`"></script>`+"\n</body>"), "driver %v: %s", driver, page)
	}
}

func fetch(t *testing.T, u string) string {
	t.Helper()
	res, err := http.Get(u)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(b)
}
