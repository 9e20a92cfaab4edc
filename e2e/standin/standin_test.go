package standin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/bridge"
	"github.com/embeddable-tray/embeddable-tray/internal/realpart"
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
// is what the app's end-to-end tests rely on, and its behaviour is PROTOCOL.md's.
func TestPageInBrowser(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		realpart.Missing(t, "chromium is needed to test the stand-in page (apt-get install chromium)")
	}
	w := Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	page := w.URL() + "?standinHost=1&disableLoginPopup=1&clientId=c&jwt=" + LoginJWT
	// Not t.TempDir: Chromium's helper processes may still write to the profile when the
	// browser is killed, and a failed removal would fail the test.
	profile, err := os.MkdirTemp("", "standin-chromium-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(profile) })
	cmd := exec.CommandContext(ctx, chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
		"--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--password-store=basic", "--user-data-dir="+profile, page)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})

	load, err := w.WaitFor(ctx, IsKind(KindLoad))
	require.NoError(t, err)
	assert.Contains(t, load.URL, "standinHost=1")

	// Start-up order; with a jwt the login follows at once. Chromium has WebRTC: ready:true.
	_, err = w.WaitFor(ctx, sentType(bridge.TypeDialerStatus, `"ready":true`))
	require.NoError(t, err)
	assert.Equal(t, []string{
		bridge.TypeDialerStatus + ` false`, bridge.TypeAdapterState, bridge.TypeRouteChanged + ` /login`,
		bridge.TypeLoginStatus + ` false`, bridge.TypeLoginStatus + ` true`, bridge.TypeRouteChanged + ` /dialer`,
		bridge.TypeDialerStatus + ` true`,
	}, sentSummary(w, load.Page, ""))
	loggedIn, err := w.WaitFor(ctx, sentType(bridge.TypeLoginStatus, `"loggedIn":true`))
	require.NoError(t, err)
	var features map[string]bool
	require.True(t, loggedIn.Field("features", &features))
	assert.True(t, features["call"])

	reg, err := w.WaitFor(ctx, IsMessage(bridge.TypeRegisterService))
	require.NoError(t, err)
	assert.Equal(t, w.Origin(), reg.Origin)
	assert.True(t, reg.FromSelf)

	resp, err := w.Request(ctx, "/contacts", map[string]any{"page": 1})
	require.NoError(t, err)
	assert.JSONEq(t, `{"error":"not authorized"}`, string(resp))

	// Authorize: the widget fetches contacts (two pages, the first page's syncTimestamp kept)
	// and matches the call history, an extension number among it.
	seq := w.Seq()
	require.NoError(t, w.ClickAuthorize(ctx))
	r, err := w.WaitFor(ctx, After(seq, All(IsKind(KindResponse), func(r Report) bool { return r.Path == "/authorize" })))
	require.NoError(t, err)
	assert.JSONEq(t, `{"authorized":false}`, string(r.Request))
	synced, err := w.WaitFor(ctx, After(seq, IsKind(KindContacts)))
	require.NoError(t, err)
	assert.Equal(t, []string{"1", "2"}, contactIDs(synced.State.Contacts))
	assert.JSONEq(t, `100`, string(synced.State.SyncTimestamp))
	match, err := w.WaitFor(ctx, After(seq, All(IsKind(KindResponse), func(r Report) bool { return r.Path == "/contacts/match" })))
	require.NoError(t, err)
	assert.Contains(t, string(match.Request), `"101"`)
	assert.Contains(t, string(match.Request), `"callerIds":{"101":"Front Desk"`, "callerIds name the history's callers")

	// The Contacts tab's box filters what the widget holds and asks the host nothing: a name,
	// a number's digits as written, a whole e-mail address; not part of an address, a
	// formatted number or a company.
	searches := len(requestsTo(w.Reports(), "/contacts/search"))
	beforeFilter := w.Seq()
	for _, f := range []struct {
		query string
		names []string
	}{
		{"ann", []string{"Ann Example"}},
		{"230002", []string{"Bob Sample"}},
		{"ANN@example.com", []string{"Ann Example"}},
		{"ann@", nil},
		{"(555) 123", nil},
		{"Example Inc", nil},
		{"", []string{"Ann Example", "Bob Sample"}},
	} {
		names, err := w.FilterContacts(ctx, f.query)
		require.NoError(t, err, f.query)
		assert.ElementsMatch(t, f.names, names, "filter %q", f.query)
	}
	assert.Len(t, requestsTo(w.Reports(), "/contacts/search"), searches, "the Contacts tab's filter asks the host nothing")

	// Opening the Contacts tab syncs: no type, the kept timestamp (the filter above opened it).
	tabSync, err := w.WaitFor(ctx, After(beforeFilter, All(IsKind(KindResponse), func(r Report) bool { return r.Path == "/contacts" })))
	require.NoError(t, err)
	assert.JSONEq(t, `{"page":1,"syncTimestamp":100}`, string(tabSync.Request))

	// rc-adapter-new-call fills the dialer and searches the number as if it had been typed.
	before := w.Seq()
	w.Post(map[string]any{"type": "fakehost-say", "message": map[string]any{"type": "rc-adapter-new-call", "phoneNumber": "+15551230001", "toCall": false}})
	dialed, err := w.WaitFor(ctx, After(before, IsKind(KindSearch)))
	require.NoError(t, err)
	var dialedRes SearchResult
	require.NoError(t, json.Unmarshal(dialed.Result, &dialedRes))
	assert.Equal(t, "+15551230001", dialedRes.SearchString)
	require.Len(t, dialedRes.Results, 1, "%s", dialed.Result)
	assert.Equal(t, "Ann Example", dialedRes.Results[0].Name)

	// Refresh: sent the timestamp and got one back, so it merges (Bob deleted, Cat added, Cat's
	// missing phoneType made "unknown"); then an {error} empties the list and the timestamp.
	st, err := w.RefreshContacts(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"1", "3"}, contactIDs(st.Contacts))
	assert.JSONEq(t, `200`, string(st.SyncTimestamp))
	assert.Equal(t, "unknown", st.Contacts[1].PhoneNumbers[0].PhoneType)
	last := w.Reports()
	assert.Contains(t, string(requestsTo(last, "/contacts")[len(requestsTo(last, "/contacts"))-1]), `"type":"manual"`)
	st, err = w.RefreshContacts(ctx)
	require.NoError(t, err)
	assert.Empty(t, st.Contacts)
	assert.JSONEq(t, `null`, string(st.SyncTimestamp))

	// Search: the host claims Ann, Bob and Cat; the widget keeps only entries whose name
	// contains the query or whose number contains it verbatim, and a kept entry without
	// phoneType throws.
	res, err := w.Search(ctx, "ann")
	require.NoError(t, err)
	require.Len(t, res.Results, 1)
	assert.Equal(t, "1", res.Results[0].ContactID)
	assert.Equal(t, "direct", res.Results[0].PhoneType)
	res, err = w.Search(ctx, "(555) 123")
	require.NoError(t, err)
	assert.Empty(t, res.Results, "a formatted query against E.164 numbers keeps nothing")
	_, err = w.Search(ctx, "Typeless")
	require.ErrorContains(t, err, "the widget failed on the search answer")

	// rc-adapter-message-request: answered per path, {data: 'no matched path'} otherwise.
	w.Post(map[string]any{"type": "fakehost-say", "message": map[string]any{"type": "rc-adapter-message-request", "requestId": "m1", "path": "/nope"}})
	r, err = w.WaitFor(ctx, sentType("rc-adapter-message-response", `"responseId":"m1"`))
	require.NoError(t, err)
	assert.Contains(t, string(r.Message), `"response":{"data":"no matched path"}`)

	start := time.Now()
	_, err = w.Request(ctx, "/never", nil)
	require.ErrorIs(t, err, ErrTimeout)
	assert.GreaterOrEqual(t, time.Since(start), 3*time.Second, "the widget waits 3 s by default")

	// A ring: call.from is a string, with fromUserName and the contact matched on authorization.
	require.NoError(t, w.Ring(ctx, "+15551230001", "WIRELESS CALLER"))
	r, err = w.WaitFor(ctx, sentType(bridge.TypeCallRing, ""))
	require.NoError(t, err)
	var call struct {
		From         string `json:"from"`
		FromUserName string `json:"fromUserName"`
		ContactMatch struct {
			Name string `json:"name"`
		} `json:"contactMatch"`
	}
	require.True(t, r.Field("call", &call))
	assert.Equal(t, "+15551230001", call.From)
	assert.Equal(t, "WIRELESS CALLER", call.FromUserName)
	assert.Equal(t, "Ann Example", call.ContactMatch.Name)

	// A reload keeps localStorage and the RingCentral login, not the service's authorized flag.
	require.NoError(t, w.SetStorage(ctx, "e2e-key", "kept"))
	reload, err := w.Reload(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, load.Page, reload.Page)
	assert.Equal(t, "kept", reload.Storage["e2e-key"])
	for k, v := range reload.Storage {
		assert.NotContains(t, k+v, "authorized", "the widget keeps no authorization state in localStorage")
	}
	_, err = w.WaitFor(ctx, All(func(r Report) bool { return r.Page == reload.Page }, sentType(bridge.TypeDialerStatus, `"ready":true`)))
	require.NoError(t, err)
	assert.Equal(t, []string{
		bridge.TypeDialerStatus + ` false`, bridge.TypeAdapterState, bridge.TypeRouteChanged + ` /dialer`,
		bridge.TypeLoginStatus + ` true`, bridge.TypeDialerStatus + ` true`,
	}, sentSummary(w, reload.Page, ""), "a kept login is announced as loggedIn:true at once")

	// Any message with a callbackUri logs in, but a code needs the verifier of a login started
	// on this page.
	_, err = w.Do(ctx, Command{Op: "logout"})
	require.NoError(t, err)
	w.Post(map[string]any{"type": "fakehost-say", "message": map[string]any{"type": "x", "callbackUri": w.RedirectURL() + "?code=c1&state=s"}})
	r, err = w.WaitFor(ctx, All(IsKind(KindIgnored), func(r Report) bool { return strings.Contains(r.Error, "PKCE verifier") }))
	require.NoError(t, err)
	uri, err := w.StartLogin(ctx, "https://login.example/restapi/oauth/authorize")
	require.NoError(t, err)
	popup, err := w.WaitFor(ctx, sentType(bridge.TypeLoginPopup, ""))
	require.NoError(t, err)
	var oAuthURI string
	require.True(t, popup.Field("oAuthUri", &oAuthURI))
	assert.Equal(t, uri, oAuthURI)
	assert.Contains(t, oAuthURI, "code_challenge_method=S256")
	assert.Contains(t, oAuthURI, "redirect_uri="+url.QueryEscape(w.RedirectURL()), "the default redirectUri is next to app.html")
	seq = w.Seq()
	w.Post(map[string]any{"type": "fakehost-say", "message": map[string]any{"type": "not-the-documented-type", "callbackUri": w.RedirectURL() + "?code=c2&state=whatever"}})
	_, err = w.WaitFor(ctx, After(seq, sentType(bridge.TypeLoginStatus, `"loggedIn":true`)))
	require.NoError(t, err)

	// A frame of another origin drives the widget: it accepts messages from anyone.
	seq = w.Seq()
	require.NoError(t, w.ClickAuthorize(ctx))
	_, err = w.WaitFor(ctx, After(seq, IsKind(KindContacts)))
	require.NoError(t, err)
	attack, err := w.Attack(ctx)
	require.NoError(t, err)
	assert.Equal(t, w.AttackerOrigin(), attack.Origin)
	_, err = w.WaitFor(ctx, After(attack.Seq, sentType(bridge.TypeRouteChanged, `/settings`)))
	require.NoError(t, err)
	st, err = w.State(ctx)
	require.NoError(t, err)
	require.NotNil(t, st.Authorized)
	assert.False(t, *st.Authorized, "the foreign frame unauthorized the service")

	// Every registration while authorized fetches the contacts again; a service without
	// authorizationPath counts as authorized.
	register := func(svc map[string]any) {
		seq := w.Seq()
		w.Post(map[string]any{"type": "fakehost-say", "message": map[string]any{"type": bridge.TypeRegisterService, "service": svc}})
		_, err := w.WaitFor(ctx, After(seq, IsKind(KindContacts)))
		require.NoError(t, err, "registration %v fetched no contacts", svc)
	}
	again := map[string]any{"name": "FakeHost", "authorizationPath": "/authorize", "contactsPath": "/contacts", "authorized": true}
	register(again)
	register(again)
	register(map[string]any{"name": "NoAuth", "contactsPath": "/contacts"})
	st, err = w.State(ctx)
	require.NoError(t, err)
	require.NotNil(t, st.Authorized)
	assert.True(t, *st.Authorized)
	assert.Equal(t, "NoAuth", st.Service)

	// The fake host checks origin and source, so the attacker's request got no response.
	for _, r := range w.Reports() {
		assert.False(t, r.Kind == KindUnmatched && r.RequestID == AttackerRequestID, "attacker request answered: %+v", r)
		assert.NotEqual(t, KindError, r.Kind, "page error: %s", r.Error)
	}
	assert.False(t, errors.Is(ctx.Err(), context.DeadlineExceeded))
}

// sentType matches the page's own posts of typ whose message contains substr.
func sentType(typ, substr string) func(Report) bool {
	return func(r Report) bool {
		return r.Kind == KindSent && r.Type == typ && strings.Contains(string(r.Message), substr)
	}
}

// sentSummary lists the page load's own posts of the start-up kinds: type, and for some the
// field that matters.
func sentSummary(w *Widget, page, _ string) []string {
	var out []string
	for _, r := range w.Reports() {
		if r.Page != page || r.Kind != KindSent {
			continue
		}
		switch r.Type {
		case bridge.TypeDialerStatus:
			var on bool
			r.Field("ready", &on)
			out = append(out, fmt.Sprintf("%s %v", r.Type, on))
		case bridge.TypeLoginStatus:
			var on bool
			r.Field("loggedIn", &on)
			out = append(out, fmt.Sprintf("%s %v", r.Type, on))
		case bridge.TypeRouteChanged:
			var path string
			r.Field("path", &path)
			out = append(out, r.Type+" "+path)
		case bridge.TypeAdapterState:
			out = append(out, r.Type)
		}
	}
	return out
}

func contactIDs(cs []Contact) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func requestsTo(rs []Report, path string) []json.RawMessage {
	var out []json.RawMessage
	for _, r := range rs {
		if r.Kind == KindResponse && r.Path == path {
			out = append(out, r.Request)
		}
	}
	return out
}
