package apppassword

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeWindow plays the native window: Prompt hands it the page URL, the test closes it
// by hand or sees it dismissed.
type fakeWindow struct {
	urls      chan string
	closed    chan struct{}
	dismissed atomic.Bool
}

func newFakeWindow() *fakeWindow {
	return &fakeWindow{urls: make(chan string, 1), closed: make(chan struct{})}
}

func (w *fakeWindow) open(u string) (<-chan struct{}, func(), error) {
	w.urls <- u
	return w.closed, func() { w.dismissed.Store(true) }, nil
}

// prompted runs Prompt in the background and returns the page URL and its outcome.
// result is what Prompt returned.
type result struct {
	password string
	err      error
}

func prompted(t *testing.T, ctx context.Context, w *fakeWindow) (string, <-chan result) {
	t.Helper()
	out := make(chan result, 1)
	go func() {
		pw, err := Prompt(ctx, w.open, "Embeddable Tray", "ann@example.com", "https://dav.example.com/addressbooks/ann/")
		out <- result{pw, err}
	}()
	select {
	case u := <-w.urls:
		return u, out
	case <-time.After(10 * time.Second):
		t.Fatal("Prompt opened no window")
		return "", nil
	}
}

func outcome(t *testing.T, out <-chan result) result {
	t.Helper()
	select {
	case r := <-out:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("Prompt did not return")
		return result{}
	}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// getForm loads the page as the window would and returns its CSRF token.
func getForm(t *testing.T, pageURL string) (string, string) {
	t.Helper()
	resp, err := http.Get(pageURL)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	m := csrfRE.FindSubmatch(body)
	require.NotNil(t, m, "no CSRF token in the page")
	return string(m[1]), string(body)
}

func post(t *testing.T, pageURL string, form url.Values, header http.Header) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, pageURL, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	if h := header.Get("Host"); h != "" {
		req.Host = h
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestPromptSave(t *testing.T) {
	w := newFakeWindow()
	pageURL, out := prompted(t, context.Background(), w)
	u, err := url.Parse(pageURL)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", u.Hostname())
	assert.GreaterOrEqual(t, len(u.Path), 20, "the path must be unguessable")

	csrf, page := getForm(t, pageURL)
	assert.Contains(t, page, "App password for dav.example.com")
	assert.Contains(t, page, "ann@example.com")
	assert.Contains(t, page, "system keyring")
	assert.Contains(t, page, `type="password"`)
	assert.NotContains(t, pageURL, "secret-pw")

	status := post(t, pageURL, url.Values{"csrf": {csrf}, "action": {"save"}, "password": {"secret-pw"}}, nil)
	assert.Equal(t, http.StatusOK, status)
	r := outcome(t, out)
	require.NoError(t, r.err)
	assert.Equal(t, "secret-pw", r.password)
	assert.True(t, w.dismissed.Load(), "the window is dismissed")

	// The listener is closed once Prompt returned.
	_, err = http.Get(pageURL)
	assert.Error(t, err)
}

func TestPromptCancelled(t *testing.T) {
	tests := []struct {
		name string
		do   func(t *testing.T, w *fakeWindow, pageURL string)
	}{
		{"cancel button", func(t *testing.T, _ *fakeWindow, pageURL string) {
			csrf, _ := getForm(t, pageURL)
			assert.Equal(t, http.StatusOK, post(t, pageURL, url.Values{"csrf": {csrf}, "action": {"cancel"}}, nil))
		}},
		{"window closed by hand", func(t *testing.T, w *fakeWindow, _ string) {
			close(w.closed)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newFakeWindow()
			pageURL, out := prompted(t, context.Background(), w)
			tt.do(t, w, pageURL)
			r := outcome(t, out)
			require.ErrorIs(t, r.err, ErrCancelled)
			assert.Empty(t, r.password)
			assert.True(t, w.dismissed.Load())
		})
	}
}

func TestPromptContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	w := newFakeWindow()
	_, out := prompted(t, ctx, w)
	cancel()
	r := outcome(t, out)
	require.ErrorIs(t, r.err, context.Canceled)
	assert.True(t, w.dismissed.Load(), "the window goes with the prompt")
}

// TestPromptRefuses checks each request the form must refuse, and that none of them
// ends the prompt: the right POST afterwards still gives the password.
func TestPromptRefuses(t *testing.T) {
	w := newFakeWindow()
	pageURL, out := prompted(t, context.Background(), w)
	csrf, _ := getForm(t, pageURL)
	u, _ := url.Parse(pageURL)
	good := url.Values{"csrf": {csrf}, "action": {"save"}, "password": {"pw"}}

	tests := []struct {
		name   string
		url    string
		form   url.Values
		header http.Header
		want   int
	}{
		{"wrong CSRF token", pageURL, url.Values{"csrf": {"guess"}, "action": {"save"}, "password": {"pw"}}, nil, http.StatusForbidden},
		{"no CSRF token", pageURL, url.Values{"action": {"save"}, "password": {"pw"}}, nil, http.StatusForbidden},
		{"other Host (DNS rebinding)", pageURL, good, http.Header{"Host": {"evil.example:" + u.Port()}}, http.StatusBadRequest},
		{"localhost Host", pageURL, good, http.Header{"Host": {"localhost:" + u.Port()}}, http.StatusBadRequest},
		{"foreign Origin", pageURL, good, http.Header{"Origin": {"http://evil.example"}}, http.StatusForbidden},
		{"other path", "http://" + u.Host + "/", good, nil, http.StatusNotFound},
		{"empty password", pageURL, url.Values{"csrf": {csrf}, "action": {"save"}}, nil, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, post(t, tt.url, tt.form, tt.header))
		})
	}
	t.Run("PUT", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPut, pageURL, nil)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	})
	select {
	case r := <-out:
		t.Fatalf("a refused request ended the prompt: %v", r.err)
	default:
	}

	require.Equal(t, http.StatusOK, post(t, pageURL, good, http.Header{"Origin": {"http://" + u.Host}}))
	r := outcome(t, out)
	require.NoError(t, r.err)
	assert.Equal(t, "pw", r.password)
}
