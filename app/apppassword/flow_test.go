package apppassword

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFlow puts the parts together as the app does: two address-book requests need the
// password at once, one window opens, the user (an http client) types it, both requests
// go through with it, it is kept in the store, and a later 401 asks again.
func TestFlow(t *testing.T) {
	dav := &davServer{good: "typed-pw"}
	srv := httptest.NewServer(dav)
	defer srv.Close()

	var windows []*fakeWindow
	var mu sync.Mutex
	opened := make(chan *fakeWindow, 4)
	open := func(u string) (<-chan struct{}, func(), error) {
		w := newFakeWindow()
		mu.Lock()
		windows = append(windows, w)
		mu.Unlock()
		closed, dismiss, err := w.open(u)
		opened <- w
		return closed, dismiss, err
	}
	store := &memStore{}
	source := NewSource(store, func(ctx context.Context) (string, error) {
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		return Prompt(ctx, open, "Acme app password", "ann", srv.URL)
	})
	client := &http.Client{Transport: &Transport{User: func() string { return "ann" }, Source: source, Server: srv.URL}}

	typeInto := func(w *fakeWindow, pw string) {
		pageURL := <-w.urls
		csrf, page := getForm(t, pageURL)
		assert.Contains(t, page, "ann")
		require.Equal(t, http.StatusOK, post(t, pageURL, url.Values{"csrf": {csrf}, "action": {"save"}, "password": {pw}}, nil))
	}

	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], _ = get(t, client, srv.URL+"/book/")
		}()
	}
	w := <-opened
	typeInto(w, "typed-pw")
	wg.Wait()
	assert.Equal(t, []int{http.StatusOK, http.StatusOK}, statuses)
	assert.Len(t, windows, 1, "one window for both requests")
	assert.Equal(t, "typed-pw", store.stored())

	// The user changes the password at the server: the next request is refused, the
	// password forgotten, and the one after asks again.
	dav.mu.Lock()
	dav.good = "new-pw"
	dav.mu.Unlock()
	status, err := get(t, client, srv.URL+"/book/")
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Empty(t, store.stored())

	done := make(chan int, 1)
	go func() { s, _ := get(t, client, srv.URL+"/book/"); done <- s }()
	typeInto(<-opened, "new-pw")
	assert.Equal(t, http.StatusOK, <-done)
	assert.Len(t, windows, 2)
}
