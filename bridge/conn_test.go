package bridge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testOrigin = "https://apps.ringcentral.com"
	testHref   = "https://apps.ringcentral.com/integration/ringcentral-embeddable/latest/app.html?clientId=x"
	testSecret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

// fakeEvents is the app side: its authorization state, and what it was told.
type fakeEvents struct {
	mu            sync.Mutex
	authorized    bool
	account       string
	registrations int
	notes         []Inbound
}

func (e *fakeEvents) Registration() Service {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.registrations++
	return Service{Name: "TestService", AuthorizationPath: "/authorize", Authorized: e.authorized, AuthorizedAccount: e.account}
}

func (e *fakeEvents) Notify(m Inbound) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.notes = append(e.notes, m)
}

func (e *fakeEvents) set(authorized bool, account string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.authorized, e.account = authorized, account
}

func (e *fakeEvents) notified() []Inbound {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Inbound(nil), e.notes...)
}

// fakeWidget records what the Conn posts, decoded from the scripts it evaluates in the host
// world, with the page secret each carried.
type fakeWidget struct {
	t       *testing.T
	mu      sync.Mutex
	posted  []json.RawMessage
	secrets []string
	rtc     []json.RawMessage
}

// hostCallRE matches PostScript's and RTCScript's output.
var hostCallRE = regexp.MustCompile(`^window\.embeddableTrayHost && window\.embeddableTrayHost\.(post|rtc)\(("[^"]*"), (.*)\);$`)

func (w *fakeWidget) send(js string) {
	m := hostCallRE.FindStringSubmatch(js)
	if m == nil {
		w.t.Errorf("not a call of the host script: %s", js)
		return
	}
	var secret string
	if err := json.Unmarshal([]byte(m[2]), &secret); err != nil {
		w.t.Errorf("secret is not a JSON string: %s", m[2])
	}
	msg := json.RawMessage(m[3])
	if !json.Valid(msg) {
		w.t.Errorf("posted message is not JSON: %s", msg)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if m[1] == "rtc" {
		w.rtc = append(w.rtc, msg)
		return
	}
	w.posted = append(w.posted, msg)
	w.secrets = append(w.secrets, secret)
}

// count is how many messages were posted so far.
func (w *fakeWidget) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.posted)
}

// of returns the posted messages of one type.
func (w *fakeWidget) of(typ string) []map[string]any {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []map[string]any
	for _, raw := range w.posted {
		var m map[string]any
		if json.Unmarshal(raw, &m) == nil && m["type"] == typ {
			out = append(out, m)
		}
	}
	return out
}

type harness struct {
	t      *testing.T
	conn   *Conn
	events *fakeEvents
	widget *fakeWidget
	router *Router
	logs   *syncBuffer
	cancel context.CancelFunc
	done   chan struct{}
	syncs  int
	pages  int
	secret string // the current page's secret
}

// newHarness makes a Conn with fakes; run starts its Run goroutine.
func newHarness(t *testing.T) *harness {
	h := &harness{t: t, events: &fakeEvents{}, widget: &fakeWidget{t: t}, router: NewRouter(), logs: &syncBuffer{}}
	h.conn = NewConn(Config{
		Send:   h.widget.send,
		Origin: testOrigin,
		Router: h.router,
		Events: h.events,
		Logger: slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	return h
}

func (h *harness) run() *harness {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan struct{})
	go func() {
		h.conn.Run(ctx)
		close(h.done)
	}()
	h.t.Cleanup(h.stop)
	return h
}

func (h *harness) stop() {
	h.cancel()
	<-h.done
}

// load commits a new widget page and starts its host script, with a secret of its own.
func (h *harness) load() {
	h.t.Helper()
	h.pages++
	h.conn.PageCommitted(testHref)
	h.secret = fmt.Sprintf("%s-%d", testSecret, h.pages)
	require.NoError(h.t, h.conn.Receive(testHref, `{"kind":"load","href":`+jsLiteral(testHref)+`,"secret":`+jsLiteral(h.secret)+`}`))
}

// envelope wraps data as the current page's host script does.
func (h *harness) envelope(kind, data string) string {
	return `{"kind":"` + kind + `","data":` + data + `,"secret":` + jsLiteral(h.secret) + `}`
}

func (h *harness) send(msg string) {
	h.t.Helper()
	require.NoError(h.t, h.conn.Receive(testHref, h.envelope("message", msg)))
}

func (h *harness) request(id, path string) {
	h.t.Helper()
	h.send(fmt.Sprintf(`{"type":"rc-post-message-request","requestId":%q,"path":%q,"body":{}}`, id, path))
}

// barrier returns once Run has handled everything received before it.
func (h *harness) barrier() {
	h.t.Helper()
	h.syncs++
	path := fmt.Sprintf("/barrier/%d", h.syncs)
	h.send(`{"type":"rc-route-changed-notify","path":"` + path + `"}`)
	require.Eventually(h.t, func() bool {
		for _, n := range h.events.notified() {
			if r, ok := n.(RouteChanged); ok && r.Path == path {
				return true
			}
		}
		return false
	}, 5*time.Second, time.Millisecond)
}

func TestReceiveRejects(t *testing.T) {
	big := `{"type":"rc-route-changed-notify","path":"/` + strings.Repeat("a", DefaultMaxSize) + `"}`
	withSecret := func(secret string) string {
		return `{"kind":"message","data":{"type":"rc-dialer-status-notify","ready":true},"secret":` + jsLiteral(secret) + `}`
	}
	var current string // the page's secret, set by each case's load
	tests := []struct {
		name     string
		pageURI  string
		envelope func(h *harness) string
		want     error
	}{
		{"no secret", testHref, func(h *harness) string {
			return `{"kind":"message","data":{"type":"rc-dialer-status-notify","ready":true}}`
		}, ErrForbidden},
		{"wrong secret", testHref, func(h *harness) string { return withSecret(strings.Repeat("0", 64)) }, ErrForbidden},
		{"secret prefix", testHref, func(h *harness) string { return withSecret(current[:10]) }, ErrForbidden},
		{"a second load envelope", testHref, func(h *harness) string {
			return `{"kind":"load","href":"` + testHref + `","secret":"` + strings.Repeat("1", 64) + `"}`
		}, ErrForbidden},
		{"from a page of another origin", "https://evil.example/app.html", func(h *harness) string { return withSecret(current) }, ErrNotWidget},
		{"from a lookalike origin", "https://apps.ringcentral.com.evil.example/", func(h *harness) string { return withSecret(current) }, ErrNotWidget},
		{"from no page", "", func(h *harness) string { return withSecret(current) }, ErrNotWidget},
		{"oversized", testHref, func(h *harness) string { return h.envelope("message", big) }, ErrTooLarge},
		{"envelope not JSON", testHref, func(h *harness) string { return `{"kind":` }, ErrMalformed},
		{"envelope not an object", testHref, func(h *harness) string { return `["load"]` }, ErrMalformed},
		{"envelope null", testHref, func(h *harness) string { return `null` }, ErrMalformed},
		{"no kind", testHref, func(h *harness) string { return `{"href":"` + testHref + `"}` }, ErrMalformed},
		{"kind of the wrong type", testHref, func(h *harness) string { return `{"kind":1}` }, ErrMalformed},
		{"unknown kind", testHref, func(h *harness) string { return h.envelope("eval", "{}") }, ErrMalformed},
		{"load without href", testHref, func(h *harness) string { return `{"kind":"load"}` }, ErrMalformed},
		{"load of another origin", testHref, func(h *harness) string { return `{"kind":"load","href":"https://evil.example/app.html"}` }, ErrMalformed},
		{"load of a lookalike origin", testHref, func(h *harness) string { return `{"kind":"load","href":"https://apps.ringcentral.com.evil.example/"}` }, ErrMalformed},
		{"load of the origin over http", testHref, func(h *harness) string { return `{"kind":"load","href":"http://apps.ringcentral.com/"}` }, ErrMalformed},
		{"message without data", testHref, func(h *harness) string { return `{"kind":"message","secret":` + jsLiteral(current) + `}` }, ErrMalformed},
		{"message with array data", testHref, func(h *harness) string { return h.envelope("message", "[1]") }, ErrMalformed},
		{"message with a malformed request", testHref, func(h *harness) string {
			return h.envelope("message", `{"type":"rc-post-message-request","path":"/authorize"}`)
		}, ErrMalformed},
		{"message of the wrong field type", testHref, func(h *harness) string {
			return h.envelope("message", `{"type":"rc-dialer-status-notify","ready":"yes"}`)
		}, ErrMalformed},
		{"rtc without an object", testHref, func(h *harness) string { return h.envelope("rtc", "[1]") }, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.load()
			current = h.secret
			queued := len(h.conn.queue)
			err := h.conn.Receive(tt.pageURI, tt.envelope(h))
			require.Error(t, err)
			assert.True(t, errors.Is(err, tt.want), "got %v, want %v", err, tt.want)
			assert.Len(t, h.conn.queue, queued, "a refused message is not queued")
			assert.Contains(t, h.logs.String(), "rejected", "a rejection is logged")
			assert.NotContains(t, err.Error(), h.secret)
		})
	}
}

// TestNothingBeforeTheWidgetPage: before any page, and on a committed page of another
// origin, Receive refuses everything and Go posts nothing, not even with the old page's
// secret (issue 9: a page the window navigated to got the host's posts).
func TestNothingBeforeTheWidgetPage(t *testing.T) {
	h := newHarness(t)
	load := `{"kind":"load","href":"` + testHref + `","secret":"` + testSecret + `"}`
	assert.ErrorIs(t, h.conn.Receive(testHref, load), ErrNotWidget, "no page committed yet")
	assert.ErrorIs(t, h.conn.Post(NewCall{PhoneNumber: "+15551234567"}), ErrNoPage)

	h.run()
	h.events.set(true, "user@example.com")
	h.load()
	h.send(`{"type":"rc-login-status-notify","loggedIn":true}`)
	h.barrier()
	require.Len(t, h.widget.of(TypeRegisterService), 1)
	old := h.secret

	// The window goes to another origin: a new generation whose page gets nothing.
	h.conn.PageCommitted("https://evil.example/steal.html")
	posted := h.widget.count()
	assert.ErrorIs(t, h.conn.Post(NewCall{PhoneNumber: "+15551234567"}), ErrNoPage)
	assert.ErrorIs(t, h.conn.Post(AuthorizationCode{CallbackURI: "https://apps.ringcentral.com/redirect.html?code=c"}), ErrNoPage)
	h.conn.UpdateAuthorization(false, "")
	assert.ErrorIs(t, h.conn.PostRTC([]byte(`{"id":1}`)), ErrNoPage)
	assert.ErrorIs(t, h.conn.Receive("https://evil.example/steal.html", `{"kind":"load","href":"https://evil.example/steal.html","secret":"`+testSecret+`"}`), ErrNotWidget)
	assert.ErrorIs(t, h.conn.Receive(testHref, h.envelope("message", `{"type":"rc-login-status-notify","loggedIn":true}`)), ErrNotWidget,
		"a message that claims the widget's page while another is committed")
	// Back on the widget's origin, the old page's secret is worth nothing.
	h.conn.PageCommitted(testHref)
	assert.ErrorIs(t, h.conn.Receive(testHref, `{"kind":"message","data":{"type":"rc-login-status-notify","loggedIn":true},"secret":"`+old+`"}`), ErrForbidden)
	assert.ErrorIs(t, h.conn.Post(NewCall{PhoneNumber: "+15551234567"}), ErrNoPage, "no post before the page's host script starts")
	assert.Equal(t, posted, h.widget.count(), "nothing was posted")
}

func TestOrigin(t *testing.T) {
	tests := []struct{ href, want string }{
		{testHref, testOrigin},
		{"HTTPS://Apps.RingCentral.com:443/x", testOrigin},
		{"https://apps.ringcentral.com:8443/x", "https://apps.ringcentral.com:8443"},
		{"http://127.0.0.1:80/", "http://127.0.0.1"},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080"},
		{"about:blank", ""},
		{"/relative", ""},
		{"%zz", ""},
	}
	for _, tt := range tests {
		t.Run(tt.href, func(t *testing.T) {
			assert.Equal(t, tt.want, origin(tt.href))
		})
	}
}

func TestReceiveIgnoresUnknownTypes(t *testing.T) {
	h := newHarness(t)
	h.load()
	queued := len(h.conn.queue)
	err := h.conn.Receive(testHref, h.envelope("message", `{"type":"rc-adapter-syncPresence","dndStatus":null}`))
	assert.NoError(t, err)
	assert.Len(t, h.conn.queue, queued)
}

func TestReceiveLogsNeitherSecretNorBody(t *testing.T) {
	h := newHarness(t).run()
	h.load()
	h.send(`{"type":"rc-login-popup-notify","oAuthUri":"https://x/?code=BODY-MARKER"}`)
	_ = h.conn.Receive(testHref, `{"kind":"message","data":{"type":"x","v":"BODY-MARKER"},"secret":`+jsLiteral(h.secret+"x")+`}`)
	_ = h.conn.Receive(testHref, h.envelope("message", `{"type":"rc-dialer-status-notify","ready":"BODY-MARKER"}`))
	h.barrier()
	logs := h.logs.String()
	assert.NotContains(t, logs, testSecret)
	assert.NotContains(t, logs, "BODY-MARKER")
}

func TestReceiveBusy(t *testing.T) {
	h := newHarness(t) // not running: nothing drains the queue
	h.load()
	msg := h.envelope("message", `{"type":"rc-dialer-status-notify","ready":true}`)
	for i := len(h.conn.queue); i < queueSize; i++ {
		require.NoError(t, h.conn.Receive(testHref, msg))
	}
	err := h.conn.Receive(testHref, msg)
	assert.ErrorIs(t, err, ErrBusy)
	assert.Contains(t, h.logs.String(), "queue full")
}

func TestRegistrationOncePerPage(t *testing.T) {
	h := newHarness(t).run()

	h.load()
	h.send(`{"type":"rc-dialer-status-notify","ready":false}`)
	h.barrier()
	assert.Empty(t, h.widget.of(TypeRegisterService), "no registration before the widget says it is ready")

	h.send(`{"type":"rc-login-status-notify","loggedIn":false}`)
	h.send(`{"type":"rc-adapter-pushAdapterState","minimized":false}`)
	h.send(`{"type":"rc-login-status-notify","loggedIn":true}`)
	h.barrier()
	regs := h.widget.of(TypeRegisterService)
	require.Len(t, regs, 1, "once per page")
	assert.Equal(t, false, regs[0]["service"].(map[string]any)["authorized"])

	// The page reloads while the app is signed in: registered again, with the current state.
	h.events.set(true, "ann@example.com")
	h.load()
	h.send(`{"type":"rc-adapter-pushAdapterState"}`)
	h.send(`{"type":"rc-login-status-notify","loggedIn":true}`)
	h.barrier()
	regs = h.widget.of(TypeRegisterService)
	require.Len(t, regs, 2)
	svc := regs[1]["service"].(map[string]any)
	assert.Equal(t, true, svc["authorized"])
	assert.Equal(t, "ann@example.com", svc["authorizedAccount"])

	// Every non-request message reached the app, page loads included, in order.
	var types []string
	for _, n := range h.events.notified() {
		if _, ok := n.(RouteChanged); !ok {
			types = append(types, n.MessageType())
		}
	}
	assert.Equal(t, []string{
		TypePageLoad, TypeDialerStatus, TypeLoginStatus, TypeAdapterState, TypeLoginStatus,
		TypePageLoad, TypeAdapterState, TypeLoginStatus,
	}, types)
	assert.Equal(t, PageLoad{Href: testHref}, h.events.notified()[0])
	assert.Contains(t, h.logs.String(), `msg="widget page loaded"`, "make bench times the first message in Go by this line")
}

func TestUpdateAuthorization(t *testing.T) {
	h := newHarness(t).run()
	h.load()

	// Before registration: nothing is sent; the registration carries the state.
	h.events.set(true, "ann@example.com")
	h.conn.UpdateAuthorization(true, "ann@example.com")
	h.barrier()
	assert.Empty(t, h.widget.posted, "nothing is sent before registration")

	h.send(`{"type":"rc-login-status-notify","loggedIn":true}`)
	h.barrier()
	regs := h.widget.of(TypeRegisterService)
	require.Len(t, regs, 1)
	assert.Equal(t, true, regs[0]["service"].(map[string]any)["authorized"])

	// After registration: every change is pushed, both fields always present.
	h.events.set(false, "")
	h.conn.UpdateAuthorization(false, "")
	h.barrier()
	ups := h.widget.of(TypeUpdateAuthorization)
	require.NotEmpty(t, ups)
	assert.Equal(t, map[string]any{"type": TypeUpdateAuthorization, "authorized": false, "authorizedAccount": ""}, ups[len(ups)-1])

	// A new page: not registered again yet, so an update waits for the registration.
	n := len(h.widget.posted)
	h.load()
	h.events.set(true, "bob@example.com")
	h.conn.UpdateAuthorization(true, "bob@example.com")
	h.barrier()
	assert.Len(t, h.widget.posted, n, "nothing is sent to a page that has not registered")
}

// TestUpdateAuthorizationRacesRegistration checks that whatever the interleaving of a
// state change and the registration, the widget ends in the app's final state.
func TestUpdateAuthorizationRacesRegistration(t *testing.T) {
	for i := 0; i < 50; i++ {
		h := newHarness(t).run()
		h.load()
		go func() {
			h.events.set(true, "ann@example.com") // the app changes its state, then pushes it
			h.conn.UpdateAuthorization(true, "ann@example.com")
		}()
		h.send(`{"type":"rc-login-status-notify","loggedIn":true}`)
		require.Eventually(t, func() bool { return lastAuthorized(h.widget) }, 5*time.Second, time.Millisecond, "run %d", i)
		h.stop()
	}
}

// lastAuthorized is the widget's view: the state of the last registration or update.
func lastAuthorized(w *fakeWidget) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	state := false
	for _, raw := range w.posted {
		var m struct {
			Type       string
			Authorized bool
			Service    struct{ Authorized bool }
		}
		_ = json.Unmarshal(raw, &m)
		switch m.Type {
		case TypeRegisterService:
			state = m.Service.Authorized
		case TypeUpdateAuthorization:
			state = m.Authorized
		}
	}
	return state
}

func TestEveryRequestAnsweredOnce(t *testing.T) {
	h := newHarness(t)
	h.router.Handle("/ok", returning("ok", nil))
	h.router.Handle("/fail", returning(nil, errors.New("no luck")))
	h.router.Handle("/boom", func(context.Context, json.RawMessage) (any, error) { panic("boom") })
	h.run()
	h.load()

	paths := []string{"/ok", "/fail", "/boom", "/missing"}
	want := map[string]string{
		"/ok":      `{"data":"ok"}`,
		"/fail":    `{"error":"no luck"}`,
		"/boom":    `{"error":"internal error serving \"/boom\""}`,
		"/missing": `{"error":"no handler for path \"/missing\""}`,
	}
	const n = 400
	for i := 0; i < n; i++ {
		h.request(fmt.Sprintf("req-%d", i), paths[i%len(paths)])
	}
	require.Eventually(t, func() bool { return len(h.widget.of(TypeResponse)) >= n }, 10*time.Second, time.Millisecond)
	h.barrier()

	seen := map[string]int{}
	for _, r := range h.widget.of(TypeResponse) {
		id := r["responseId"].(string)
		seen[id]++
		var i int
		_, err := fmt.Sscanf(id, "req-%d", &i)
		require.NoError(t, err)
		assert.JSONEq(t, want[paths[i%len(paths)]], mustJSON(t, r["response"]), id)
	}
	assert.Len(t, seen, n)
	for id, count := range seen {
		assert.Equal(t, 1, count, id)
	}
}

func TestReloadCancelsPendingRequests(t *testing.T) {
	h := newHarness(t)
	started, cancelled := make(chan struct{}), make(chan struct{})
	h.router.Handle("/slow", func(ctx context.Context, _ json.RawMessage) (any, error) {
		close(started)
		<-ctx.Done()
		close(cancelled)
		return "late", nil
	})
	h.router.Handle("/ok", returning("ok", nil))
	h.run()
	h.load()
	h.request("old-page", "/slow")
	<-started

	h.load() // the widget reloads while /slow is pending
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the pending handler's context was not cancelled by the reload")
	}
	h.request("new-page", "/ok")
	require.Eventually(t, func() bool { return len(h.widget.of(TypeResponse)) == 1 }, 5*time.Second, time.Millisecond)
	h.stop() // waits for every handler: the late answer had its chance to be posted
	resps := h.widget.of(TypeResponse)
	require.Len(t, resps, 1, "the old page's late answer is dropped")
	assert.Equal(t, "new-page", resps[0]["responseId"])
}

func TestDuplicateRequestIDIgnored(t *testing.T) {
	h := newHarness(t)
	release := make(chan struct{})
	var calls sync.WaitGroup
	calls.Add(1)
	h.router.Handle("/slow", func(ctx context.Context, _ json.RawMessage) (any, error) {
		calls.Done()
		<-release
		return "ok", nil
	})
	h.run()
	h.load()
	h.request("same", "/slow")
	calls.Wait()
	h.request("same", "/slow") // while the first is pending
	h.barrier()
	close(release)
	require.Eventually(t, func() bool { return len(h.widget.of(TypeResponse)) == 1 }, 5*time.Second, time.Millisecond)

	// Answered: the id may be used again, and is served again.
	h.router.Handle("/ok", returning("ok", nil))
	h.request("same", "/ok")
	require.Eventually(t, func() bool { return len(h.widget.of(TypeResponse)) == 2 }, 5*time.Second, time.Millisecond)
	h.stop()
	assert.Len(t, h.widget.of(TypeResponse), 2)
	assert.Contains(t, h.logs.String(), "already being served")
}

func TestRunEndCancelsRequestsAndCloses(t *testing.T) {
	h := newHarness(t)
	entered := make(chan struct{})
	var returned bool
	h.router.Handle("/slow", func(ctx context.Context, _ json.RawMessage) (any, error) {
		close(entered)
		<-ctx.Done()
		returned = true
		return nil, ctx.Err()
	})
	h.run()
	h.load()
	h.request("r", "/slow")
	<-entered
	h.stop()
	assert.True(t, returned, "Run returns after its handlers")
	assert.Empty(t, h.widget.of(TypeResponse), "no answer is posted after the Conn stopped")
	assert.ErrorIs(t, h.conn.Receive(testHref, h.envelope("message", `{"type":"rc-dialer-status-notify","ready":true}`)), ErrClosed)
}

func TestPost(t *testing.T) {
	h := newHarness(t).run()
	h.load()
	require.NoError(t, h.conn.Post(NewCall{PhoneNumber: "+15551234567"}))
	require.NoError(t, h.conn.Post(AuthorizationCode{CallbackURI: "https://apps.ringcentral.com/redirect.html?code=c"}))
	require.Eventually(t, func() bool { return len(h.widget.of(TypeAuthorizationCode)) == 1 }, 5*time.Second, time.Millisecond)
	assert.Len(t, h.widget.of(TypeNewCall), 1)
	assert.Equal(t, "https://apps.ringcentral.com/redirect.html?code=c", h.widget.of(TypeAuthorizationCode)[0]["callbackUri"])
	assert.Error(t, h.conn.Post(nil))
	assert.Error(t, h.conn.Post(UpdateAuthorization{Authorized: true}), "authorization updates have their own method")
	h.widget.mu.Lock()
	for _, s := range h.widget.secrets {
		assert.Equal(t, h.secret, s, "posted with the page's secret")
	}
	h.widget.mu.Unlock()
	h.stop()
	assert.ErrorIs(t, h.conn.Post(SyncContacts{}), ErrClosed)
}

// blockingEvents holds Run inside Notify until released: whatever the app posts meanwhile
// must still reach the widget in the order it was posted.
type blockingEvents struct {
	fakeEvents
	entered chan struct{}
	release chan struct{}
}

func (e *blockingEvents) Notify(m Inbound) {
	if r, ok := m.(RouteChanged); ok && r.Path == "/block" {
		close(e.entered)
		<-e.release
	}
	e.fakeEvents.Notify(m)
}

// TestOnePathInOrder: after a sign-in the app pushes authorized:true and then asks the
// widget to sync contacts; the widget must see them in that order (it once saw the sync
// first in 13 of 16 sign-ins, when Send posted past Run's queue).
func TestOnePathInOrder(t *testing.T) {
	h := newHarness(t)
	ev := &blockingEvents{entered: make(chan struct{}), release: make(chan struct{})}
	h.events = &ev.fakeEvents
	h.conn = NewConn(Config{Send: h.widget.send, Origin: testOrigin, Router: h.router, Events: ev})
	h.run()
	h.load()
	h.send(`{"type":"rc-login-status-notify","loggedIn":true}`)
	h.send(`{"type":"rc-route-changed-notify","path":"/block"}`)
	<-ev.entered // Run is busy

	ev.set(true, "ann@example.com")
	h.conn.UpdateAuthorization(true, "ann@example.com")
	require.NoError(t, h.conn.Post(SyncContacts{}))
	close(ev.release)
	require.Eventually(t, func() bool { return len(h.widget.of(TypeSyncContacts)) == 1 }, 5*time.Second, time.Millisecond)

	var types []string
	h.widget.mu.Lock()
	for _, raw := range h.widget.posted {
		var m struct{ Type string }
		require.NoError(t, json.Unmarshal(raw, &m))
		types = append(types, m.Type)
	}
	h.widget.mu.Unlock()
	assert.Equal(t, []string{TypeRegisterService, TypeUpdateAuthorization, TypeSyncContacts}, types)
}

func TestNewConnNeedsSendAndOrigin(t *testing.T) {
	assert.Panics(t, func() { NewConn(Config{Origin: testOrigin}) })
	assert.Panics(t, func() { NewConn(Config{Send: func(string) {}}) })
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestRTCPipe: the calling shim's messages reach Config.RTC in order, PostRTC answers on the
// page's port (an echo here), a committed page calls RTCReset, and nothing of the old page
// crosses into the new one.
func TestRTCPipe(t *testing.T) {
	h := newHarness(t)
	got := make(chan string, 8)
	resets := make(chan struct{}, 8)
	h.conn.cfg.RTC = func(data json.RawMessage) {
		got <- string(data)
		assert.NoError(t, h.conn.PostRTC(data))
	}
	h.conn.cfg.RTCReset = func() { resets <- struct{}{} }
	h.run()
	h.load()
	<-resets
	require.NoError(t, h.conn.Receive(testHref, h.envelope("rtc", `{"id":1,"op":"media.enumerateDevices"}`)))
	require.NoError(t, h.conn.Receive(testHref, h.envelope("rtc", `{"id":2,"op":"pc.create"}`)))
	assert.JSONEq(t, `{"id":1,"op":"media.enumerateDevices"}`, <-got)
	assert.JSONEq(t, `{"id":2,"op":"pc.create"}`, <-got)
	require.Eventually(t, func() bool {
		h.widget.mu.Lock()
		defer h.widget.mu.Unlock()
		return len(h.widget.rtc) == 2
	}, 5*time.Second, time.Millisecond)

	h.load()
	<-resets
	assert.ErrorIs(t, h.conn.PostRTC([]byte(`[1]`)), ErrMalformed)
	h.conn.PageCommitted("https://evil.example/")
	<-resets
	assert.ErrorIs(t, h.conn.PostRTC([]byte(`{"id":3}`)), ErrNoPage)
	select {
	case g := <-got:
		t.Fatalf("an RTC message arrived after the page changed: %s", g)
	default:
	}
}
