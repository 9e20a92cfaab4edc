package tokenstore

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func TestMemory(t *testing.T) {
	s := NewMemory()

	_, err := s.Load()
	require.ErrorIs(t, err, ErrNotFound)
	require.ErrorIs(t, s.Delete(), ErrNotFound)

	tok := &oauth2.Token{AccessToken: "a1", RefreshToken: "r1", Expiry: time.Now().Add(time.Hour)}
	require.NoError(t, s.Save(Saved{Token: tok, Account: "ann@example.com"}))
	tok.AccessToken = "changed by the caller afterwards"

	got, err := s.Load()
	require.NoError(t, err)
	assert.Equal(t, "a1", got.Token.AccessToken, "the store keeps its own copy")
	assert.Equal(t, "ann@example.com", got.Account)

	require.NoError(t, s.Save(Saved{Token: &oauth2.Token{AccessToken: "a2"}, Account: "bob@example.com"}))
	got, err = s.Load()
	require.NoError(t, err)
	assert.Equal(t, "a2", got.Token.AccessToken)
	assert.Equal(t, "bob@example.com", got.Account)

	require.NoError(t, s.Delete())
	_, err = s.Load()
	require.ErrorIs(t, err, ErrNotFound)
}
