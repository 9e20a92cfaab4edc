package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/embeddable-tray/embeddable-tray/app/config"
)

// TestContactsUseTheCurrentSignIn: signing out and in again gives a new token, and the
// address book must be read with it, not with the first sign-in's (revoked) one, which the
// server refuses (seen with the real widget: the second sign-in was signed out at once).
func TestContactsUseTheCurrentSignIn(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	dav := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		http.Error(w, "no address book here", http.StatusNotFound)
	}))
	defer dav.Close()

	current := &oauth2.Token{AccessToken: "first-sign-in", TokenType: "Bearer"}
	tokens := tokenFunc(func() (*oauth2.Token, error) {
		mu.Lock()
		defer mu.Unlock()
		return current, nil
	})
	s := &service{carddavURL: dav.URL + "/book/"}
	s.withContacts(config.Config{Service: config.Service{Name: "TestCRM"}}, tokens, slog.New(slog.DiscardHandler))
	require.NotNil(t, s.contacts)

	read := func() string {
		mu.Lock()
		seen = nil
		mu.Unlock()
		_, _ = s.contacts.HandleContacts(context.Background(), json.RawMessage(`{"page":1}`))
		mu.Lock()
		defer mu.Unlock()
		require.NotEmpty(t, seen, "the address book was not asked")
		return seen[len(seen)-1]
	}
	assert.Equal(t, "Bearer first-sign-in", read())

	mu.Lock()
	current = &oauth2.Token{AccessToken: "second-sign-in", TokenType: "Bearer"} // signed out and in again
	mu.Unlock()
	assert.Equal(t, "Bearer second-sign-in", read())
}
