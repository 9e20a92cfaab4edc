package standin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/bridge"
)

// fakePage plays the page's side of the test API over plain HTTP.
type fakePage struct {
	t   *testing.T
	url string
}

func (p fakePage) nextCommand() (Command, bool) {
	p.t.Helper()
	res, err := http.Get(p.url + "/next-command")
	require.NoError(p.t, err)
	defer res.Body.Close()
	if res.StatusCode == http.StatusNoContent {
		return Command{}, false
	}
	require.Equal(p.t, http.StatusOK, res.StatusCode)
	var c Command
	require.NoError(p.t, json.NewDecoder(res.Body).Decode(&c))
	return c, true
}

func (p fakePage) report(v any) {
	p.t.Helper()
	b, err := json.Marshal(v)
	require.NoError(p.t, err)
	res, err := http.Post(p.url+"/report", "application/json", bytes.NewReader(b))
	require.NoError(p.t, err)
	res.Body.Close()
	require.Equal(p.t, http.StatusNoContent, res.StatusCode)
}

func TestStaticPages(t *testing.T) {
	w := Start(t)
	tests := []struct {
		url  string
		want string
	}{
		{w.URL(), `src="app.js"`},
		{w.Origin() + "/app.js", bridge.TypeRequest},
		{w.RedirectURL(), "Signed in"},
		{w.AttackerURL(), "attacker-probe"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			res, err := http.Get(tt.url)
			require.NoError(t, err)
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
			assert.Contains(t, string(body), tt.want)
		})
	}
	assert.NotEqual(t, w.Origin(), w.AttackerOrigin(), "the attacker must be on another origin")
}

func TestRequestRoundTrip(t *testing.T) {
	w := Start(t)
	page := fakePage{t, w.Origin()}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	type result struct {
		resp json.RawMessage
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := w.Request(ctx, "/authorize", map[string]any{"authorized": false})
		done <- result{resp, err}
	}()
	c, ok := page.nextCommand()
	require.True(t, ok)
	assert.Equal(t, "request", c.Op)
	assert.Equal(t, "/authorize", c.Path)
	assert.Equal(t, map[string]any{"authorized": false}, c.Body)
	page.report([]map[string]any{{"kind": KindResponse, "command": c.ID, "path": c.Path, "requestId": "r1",
		"response": map[string]any{"data": "ok"}}})
	got := <-done
	require.NoError(t, got.err)
	assert.JSONEq(t, `{"data":"ok"}`, string(got.resp))

	go func() {
		resp, err := w.Request(ctx, "/contacts", map[string]any{"page": 1})
		done <- result{resp, err}
	}()
	c, ok = page.nextCommand()
	require.True(t, ok)
	page.report(map[string]any{"kind": KindTimeout, "command": c.ID, "path": c.Path, "requestId": "r2", "timeoutMs": 60000})
	got = <-done
	require.ErrorIs(t, got.err, ErrTimeout)
	assert.Contains(t, got.err.Error(), "/contacts")
}

func TestWaitForSeesPastAndFuture(t *testing.T) {
	w := Start(t)
	page := fakePage{t, w.Origin()}
	page.report(map[string]any{"kind": KindMessage, "type": bridge.TypeNewCall, "message": map[string]any{"type": bridge.TypeNewCall, "phoneNumber": "+15551234567"}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	r, err := w.WaitFor(ctx, IsMessage(bridge.TypeNewCall))
	require.NoError(t, err)
	var number string
	require.True(t, r.Field("phoneNumber", &number))
	assert.Equal(t, "+15551234567", number)

	seq := w.Seq()
	go page.report(map[string]any{"kind": KindLoad, "storage": map[string]string{"k": "v"}})
	r, err = w.WaitFor(ctx, After(seq, IsKind(KindLoad)))
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"k": "v"}, r.Storage)

	short, cancel2 := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel2()
	_, err = w.WaitFor(short, IsKind(KindAttack))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), bridge.TypeNewCall, "the error lists what did arrive")
}

func TestBadReportRejected(t *testing.T) {
	w := Start(t)
	res, err := http.Post(w.Origin()+"/report", "application/json", strings.NewReader("{nope"))
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Empty(t, w.Reports())
}

// TestPageInBrowser runs the real page in headless Chromium with the fake host script: the
// page's JavaScript (reports, commands, requests, timeouts, storage, reload, the attacker frame)
// is what the app's end-to-end tests rely on.
func TestPageInBrowser(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is needed to test the stand-in page")
		}
		t.Skip("chromium not installed: cannot run the stand-in page")
	}
	w := Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	cmd := exec.CommandContext(ctx, chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
		"--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--password-store=basic", "--user-data-dir="+t.TempDir(), w.URL()+"?standinHost=1")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})

	load, err := w.WaitFor(ctx, IsKind(KindLoad))
	require.NoError(t, err)
	assert.Contains(t, load.URL, "standinHost=1")

	reg, err := w.WaitFor(ctx, IsMessage(bridge.TypeRegisterService))
	require.NoError(t, err)
	assert.Equal(t, w.Origin(), reg.Origin)
	assert.True(t, reg.FromSelf)
	_, err = w.WaitFor(ctx, All(IsKind(KindSent), func(r Report) bool { return r.Type == bridge.TypeDialerStatus }))
	require.NoError(t, err)

	resp, err := w.Request(ctx, "/contacts", map[string]any{"page": 1})
	require.NoError(t, err)
	assert.JSONEq(t, `{"error":"not authorized"}`, string(resp))

	require.NoError(t, w.ClickAuthorize(ctx))
	r, err := w.WaitFor(ctx, All(IsKind(KindResponse), func(r Report) bool { return r.Path == "/authorize" }))
	require.NoError(t, err)
	assert.JSONEq(t, `{"authorized":false}`, string(r.Request))
	assert.JSONEq(t, `{"data":"ok"}`, string(r.Response))
	r, err = w.WaitFor(ctx, All(IsKind(KindResponse), func(r Report) bool { return r.Path == "/contacts" && r.Command == 0 }))
	require.NoError(t, err, "once authorized the page fetches contacts by itself")
	assert.Contains(t, string(r.Response), "Ann Example")

	start := time.Now()
	_, err = w.Request(ctx, "/never", nil)
	require.ErrorIs(t, err, ErrTimeout)
	assert.GreaterOrEqual(t, time.Since(start), 3*time.Second, "the widget waits 3 s by default")

	require.NoError(t, w.SetStorage(ctx, "e2e-key", "kept"))
	reload, err := w.Reload(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, load.Page, reload.Page)
	assert.Equal(t, "kept", reload.Storage["e2e-key"])
	assert.Contains(t, reload.Storage["standin-authorized"], `"authorized":true`)

	attack, err := w.Attack(ctx)
	require.NoError(t, err)
	assert.Equal(t, w.AttackerOrigin(), attack.Origin)
	ignored, err := w.WaitFor(ctx, All(IsKind(KindIgnored), func(r Report) bool { return r.Type == bridge.TypeRequest }))
	require.NoError(t, err)
	var id string
	require.True(t, ignored.Field("requestId", &id))
	assert.Equal(t, AttackerRequestID, id)
	// The fake host checks origin and source, so the attacker's request got no response.
	_, err = w.Request(ctx, "/contacts", map[string]any{"page": 1})
	require.NoError(t, err)
	for _, r := range w.Reports() {
		assert.False(t, r.Kind == KindUnmatched && r.RequestID == AttackerRequestID, "attacker request answered: %+v", r)
		assert.NotEqual(t, KindError, r.Kind, "page error: %s", r.Error)
	}
	assert.False(t, errors.Is(ctx.Err(), context.DeadlineExceeded))
}
