package app

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/bridge"
)

func TestMustFallBack(t *testing.T) {
	for _, tt := range []struct {
		native      tri
		unavailable string
		want        bool
	}{
		{unknown, "", false}, // nothing said yet: the engine may serve
		{no, "", false},      // no WebRTC in the page, the engine serves
		{yes, "", false},
		{no, "no sound server: connection refused", true},
		{unknown, "the call engine could not start", true}, // nothing else can call
		{yes, "no sound server", false},                    // WebKit's own WebRTC calls
	} {
		assert.Equal(t, tt.want, mustFallBack(tt.native, tt.unavailable), "native %v, unavailable %q", tt.native, tt.unavailable)
	}
}

// browserOpens records what would open in the system browser.
type browserOpens struct {
	mu   sync.Mutex
	urls []string
}

func (b *browserOpens) open(u string) error {
	b.mu.Lock()
	b.urls = append(b.urls, u)
	b.mu.Unlock()
	return nil
}
func (b *browserOpens) all() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.urls...)
}

func fallbackHarness(t *testing.T) (*harness, *fakeNotifier, *browserOpens) {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	b := &browserOpens{}
	old := openBrowser
	openBrowser = b.open
	t.Cleanup(func() { openBrowser = old })
	h := newHarness(t, nil)
	notes := &fakeNotifier{drain: h.app.notes.drain}
	h.app.opts.Notifier = notes
	return h, notes, b
}

func (w *fakeWidget) callingSettings() []bridge.CallingSettings {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []bridge.CallingSettings
	for _, m := range w.sent {
		if c, ok := m.(bridge.CallingSettings); ok {
			out = append(out, c)
		}
	}
	return out
}

const unavailableEvent = `{"event":"engine.unavailable","reason":"no sound server: dial unix /run/user/1000/pulse/native: connect: no such file or directory"}`

// TestFallbackToRememberedRingOut: with a RingOut number kept from before, the engine's
// engine.unavailable (passed on to the page unchanged) turns calls to RingOut: the user is
// told once in plain words, the tray says how calls go, and the widget gets
// rc-calling-settings-update at its login, again after a reload.
func TestFallbackToRememberedRingOut(t *testing.T) {
	h, notes, _ := fallbackHarness(t)
	require.NoError(t, saveMyLocation("+15551230000"))
	var toPage []string
	send := h.app.RTCToPage(func(b []byte) { toPage = append(toPage, string(b)) })

	h.app.Notify(bridge.PageLoad{Href: "http://127.0.0.1:9/app.html"})
	send([]byte(`{"id":1,"result":{}}`))
	assert.Empty(t, notes.all(), "an engine that answers is no reason")
	send([]byte(unavailableEvent))
	send([]byte(unavailableEvent))
	assert.Equal(t, []string{`{"id":1,"result":{}}`, unavailableEvent, unavailableEvent}, toPage, "the page gets everything")

	require.Len(t, notes.all(), 1, "told once")
	assert.Contains(t, notes.all()[0], "sound system is not running")
	assert.Contains(t, notes.all()[0], "+15551230000")
	assert.NotContains(t, notes.all()[0], "/run/user", "plain words, not the engine's error")
	assert.Equal(t, "Calls ring +15551230000 first (RingOut)", h.app.Snapshot().CallingNote)
	assert.Empty(t, h.widget.callingSettings(), "the widget ignores settings before its login")

	h.app.Notify(bridge.LoginStatus{LoggedIn: true})
	want := bridge.CallingSettings{CallWith: "ringout", MyLocation: "+15551230000", RingoutPrompt: true}
	assert.Equal(t, []bridge.CallingSettings{want}, h.widget.callingSettings())

	h.app.Notify(bridge.CallingSettingsNotify{CallWith: "ringout", CallingMode: "ringout"})
	assert.Len(t, h.widget.callingSettings(), 1, "it took it")

	h.app.Notify(bridge.PageLoad{Href: "http://127.0.0.1:9/app.html"})
	h.app.Notify(bridge.LoginStatus{LoggedIn: false})
	h.app.Notify(bridge.LoginStatus{LoggedIn: true})
	assert.Equal(t, []bridge.CallingSettings{want, want}, h.widget.callingSettings(), "a new page is told again")
	// Its calling settings were not ready at the login: when they are, it is told once more.
	h.app.Notify(bridge.CallingSettingsNotify{CallWith: "browser", CallingMode: "webphone"})
	h.app.Notify(bridge.CallingSettingsNotify{CallWith: "browser", CallingMode: "webphone"}) // the user chose so
	assert.Equal(t, []bridge.CallingSettings{want, want, want}, h.widget.callingSettings())
	assert.Len(t, notes.all(), 1)
}

// TestNoFallbackWithNativeWebRTC: a page with WebKit's own WebRTC calls whatever the engine.
func TestNoFallbackWithNativeWebRTC(t *testing.T) {
	h, notes, _ := fallbackHarness(t)
	h.app.PageWebRTC(true)
	h.app.CallingUnavailable("the call engine could not start")
	assert.Empty(t, notes.all())
	assert.Empty(t, h.app.Snapshot().CallingNote)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// promptURL waits for the RingOut prompt's window and returns its page's URL.
func promptURL(t *testing.T, h *harness) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		h.ui.mu.Lock()
		var ws []*fakeWindow
		ws = append(ws, h.ui.windows...)
		h.ui.mu.Unlock()
		for _, w := range ws {
			w.mu.Lock()
			urls := append([]string(nil), w.urls...)
			w.mu.Unlock()
			if len(urls) > 0 {
				return urls[0]
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the RingOut prompt did not open")
	return ""
}

func postForm(t *testing.T, pageURL string, values url.Values) (int, string) {
	t.Helper()
	resp, err := http.Get(pageURL)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRE.FindSubmatch(body)
	require.NotNil(t, m, "no form: %s", body)
	values.Set("csrf", string(m[1]))
	resp, err = http.PostForm(pageURL, values)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ = io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func eventuallyTrue(t *testing.T, what string, f func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for !f() {
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %v", what, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestFallbackAsksMyLocationOnce: without a kept number the app asks for it once on a local
// page; a bad number is asked again on the page; the number given is kept in the config
// directory, used for RingOut, and not asked again on the next run.
func TestFallbackAsksMyLocationOnce(t *testing.T) {
	h, notes, _ := fallbackHarness(t)
	h.app.Notify(bridge.LoginStatus{LoggedIn: true})
	h.app.CallingUnavailable("no sound server: connection refused")
	page := promptURL(t, h)

	status, body := postForm(t, page, url.Values{"action": {"save"}, "number": {"call me"}})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, body, "country code")
	status, _ = postForm(t, page, url.Values{"action": {"save"}, "number": {"+1 (555) 123-0000"}})
	assert.Equal(t, http.StatusOK, status)

	eventuallyTrue(t, "the widget is switched to RingOut", func() bool { return len(h.widget.callingSettings()) == 1 })
	assert.Equal(t, bridge.CallingSettings{CallWith: "ringout", MyLocation: "+15551230000", RingoutPrompt: true}, h.widget.callingSettings()[0])
	assert.Len(t, notes.all(), 1)
	p, err := callingFile()
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "embeddable-tray", "calling.json"), p)
	loc, err := loadMyLocation()
	require.NoError(t, err)
	assert.Equal(t, "+15551230000", loc)
	_, err = http.Get(page)
	assert.Error(t, err, "the page's listener is closed once answered")

	next := newHarness(t, nil) // the next run
	next.app.opts.Notifier = &fakeNotifier{drain: next.app.notes.drain}
	next.app.Notify(bridge.LoginStatus{LoggedIn: true})
	next.app.CallingUnavailable("no sound server")
	assert.Len(t, next.widget.callingSettings(), 1)
	next.ui.mu.Lock()
	assert.Empty(t, next.ui.windows, "not asked again")
	next.ui.mu.Unlock()
}

// TestFallbackToWebApp: a user who gives no number gets calls from tel: links in the
// RingCentral web app in the browser; rcapp:// links always go there.
func TestFallbackToWebApp(t *testing.T) {
	h, notes, browser := fallbackHarness(t)
	assert.True(t, h.app.OpenCallLink("rcapp://r/call?number=%2B15551234567"))
	assert.False(t, h.app.OpenCallLink("https://apps.ringcentral.com/x"))
	assert.True(t, h.app.OpenCallLink("rcapp://r/call?number=+15550000003")) // as the widget writes it
	eventuallyTrue(t, "the web app opens", func() bool { return len(browser.all()) == 2 })
	assert.ElementsMatch(t, []string{"https://app.ringcentral.com/r/call?number=%2B15551234567",
		"https://app.ringcentral.com/r/call?number=%2B15550000003"}, browser.all())

	h.app.Notify(bridge.LoginStatus{LoggedIn: true})
	h.app.CallingUnavailable("no sound server")
	page := promptURL(t, h)
	status, _ := postForm(t, page, url.Values{"action": {"cancel"}})
	assert.Equal(t, http.StatusOK, status)
	eventuallyTrue(t, "the tray says calls open in the web app", func() bool {
		return h.app.Snapshot().CallingNote == "Calls open in the RingCentral web app"
	})
	require.Len(t, notes.all(), 1)
	assert.True(t, strings.HasPrefix(notes.all()[0], "Calls open in your browser"))

	h.app.Dial("+15559870000")
	assert.Equal(t, "https://app.ringcentral.com/r/call?number=%2B15559870000", browser.all()[2])
	assert.Empty(t, h.widget.newCalls(), "the widget cannot call: the number went to the web app")
	assert.Empty(t, h.widget.callingSettings())
}

func TestMyLocationNumber(t *testing.T) {
	for in, want := range map[string]string{
		"+1 (555) 123-0000":  "+15551230000",
		"  +44 20 7946 0000": "+442079460000",
		"5551230000":         "5551230000",
		"123":                "",
		"*67 555 123 0000":   "",
		"call me":            "",
		"+1234567890123456":  "",
	} {
		got, ok := myLocationNumber(in)
		assert.Equal(t, want, got, in)
		assert.Equal(t, want != "", ok, in)
	}
}

// nativeWindow is a main window that can tell whether its page has WebKit's own WebRTC.
type nativeWindow struct {
	*fakeWindow
	native bool
}

func (w nativeWindow) NativeWebRTC(f func(native, ok bool)) { f(w.native, true) }

// TestFallbackAsksTheWindow: an engine that cannot start while the page has WebKit's own
// WebRTC (the window says so at the page's start) changes nothing; without it, calls go
// another way.
func TestFallbackAsksTheWindow(t *testing.T) {
	for _, native := range []bool{true, false} {
		h, notes, _ := fallbackHarness(t)
		require.NoError(t, saveMyLocation("+15551230000"))
		h.app.opts.Main = nativeWindow{h.main, native}
		h.app.Notify(bridge.PageLoad{Href: "http://127.0.0.1:9/app.html"})
		eventuallyTrue(t, "the window's answer arrives", func() bool {
			h.app.fallback.mu.Lock()
			defer h.app.fallback.mu.Unlock()
			return h.app.fallback.native != unknown
		})
		h.app.CallingUnavailable("the call engine could not start")
		if native {
			assert.Empty(t, notes.all())
		} else {
			assert.Len(t, notes.all(), 1)
		}
	}
}

// TestLocationPromptRefuses: the RingOut prompt takes one POST, with the page's token, its own
// Host and Origin; anything else is refused and leaves the prompt waiting.
func TestLocationPromptRefuses(t *testing.T) {
	urls := make(chan string, 1)
	closed := make(chan struct{})
	open := func(title, u string) (<-chan struct{}, func(), error) { urls <- u; return closed, func() {}, nil }
	type outcome struct {
		n   string
		err error
	}
	done := make(chan outcome, 1)
	go func() { n, err := promptMyLocation(context.Background(), open, "why"); done <- outcome{n, err} }()
	page := <-urls
	u, _ := url.Parse(page)

	resp, err := http.Get(page)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csrf := string(csrfRE.FindSubmatch(body)[1])
	good := url.Values{"csrf": {csrf}, "action": {"save"}, "number": {"+15551230000"}}

	do := func(target string, form url.Values, header http.Header, host string) int {
		req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range header {
			req.Header[k] = v
		}
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	bad := url.Values{"csrf": {"guess"}, "action": {"save"}, "number": {"+15551230000"}}
	assert.Equal(t, http.StatusForbidden, do(page, bad, nil, ""), "wrong token")
	assert.Equal(t, http.StatusForbidden, do(page, good, http.Header{"Origin": {"http://evil.example"}}, ""), "other origin")
	assert.Equal(t, http.StatusBadRequest, do(page, good, nil, "evil.example:80"), "other host (DNS rebinding)")
	assert.Equal(t, http.StatusNotFound, do("http://"+u.Host+"/guess", good, nil, ""), "other path")
	select {
	case o := <-done:
		t.Fatalf("the prompt ended on a refused post: %v %v", o.n, o.err)
	default:
	}
	assert.Equal(t, http.StatusOK, do(page, good, http.Header{"Origin": {"http://" + u.Host}}, ""))
	o := <-done
	require.NoError(t, o.err)
	assert.Equal(t, "+15551230000", o.n)
}
