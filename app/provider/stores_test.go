package provider

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/go-oauth2/oauth2/v4/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clock is a settable now() for the stores.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestPendingStore(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	s := newPendingStore()
	s.now = c.now
	params := url.Values{"state": {"x"}}

	tok, err := s.add(params)
	require.NoError(t, err)
	got, ok := s.take(tok)
	require.True(t, ok)
	assert.Equal(t, params, got)
	_, ok = s.take(tok)
	assert.False(t, ok, "single use")

	tok, err = s.add(params)
	require.NoError(t, err)
	c.t = c.t.Add(pendingTTL)
	_, ok = s.take(tok)
	assert.False(t, ok, "expired")

	// Issue 9 point 5: 255 GETs from one client blocked every sign-in for pendingTTL. A
	// flood from one client keeps only its newest forms; another client's form survives it.
	user, err := s.add(url.Values{"redirect_uri": {"http://127.0.0.1:4000/callback"}, "state": {"user"}})
	require.NoError(t, err)
	var flood []string
	for range 300 {
		tok, err := s.add(url.Values{"redirect_uri": {"http://127.0.0.1:5000/callback"}})
		require.NoError(t, err)
		flood = append(flood, tok)
	}
	for i, tok := range flood[:len(flood)-maxPendingPerClient] {
		_, ok := s.take(tok)
		assert.False(t, ok, "flood form %d was kept", i)
	}
	for _, tok := range flood[len(flood)-maxPendingPerClient:] {
		_, ok := s.take(tok)
		assert.True(t, ok, "the flood's newest forms are kept")
	}
	got, ok = s.take(user)
	require.True(t, ok, "the user's form survives another client's flood")
	assert.Equal(t, "user", got.Get("state"))

	// Many clients: the store stays bounded, and a new form always gets in.
	for i := range maxPending + 10 {
		_, err := s.add(url.Values{"redirect_uri": {fmt.Sprintf("http://127.0.0.1:%d/callback", 6000+i)}})
		require.NoError(t, err)
	}
	assert.Len(t, s.reqs, maxPending)
}

func TestMemoryTokenStore(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	s := newMemoryTokenStore()
	s.now = c.now

	code := models.NewToken()
	code.SetCode("code-1")
	code.SetCodeCreateAt(c.t)
	code.SetCodeExpiresIn(time.Minute)
	require.NoError(t, s.Create(ctx, code))

	grant := models.NewToken()
	grant.SetUserID("demo@example.com")
	grant.SetAccess("acc-1")
	grant.SetAccessCreateAt(c.t)
	grant.SetAccessExpiresIn(time.Hour)
	grant.SetRefresh("ref-1")
	grant.SetRefreshCreateAt(c.t)
	grant.SetRefreshExpiresIn(24 * time.Hour)
	require.NoError(t, s.Create(ctx, grant))

	for _, tc := range []struct {
		name string
		get  func() (string, error)
		want string
	}{
		{"by code", func() (string, error) { ti, err := s.GetByCode(ctx, "code-1"); return ti.GetCode(), err }, "code-1"},
		{"by access", func() (string, error) { ti, err := s.GetByAccess(ctx, "acc-1"); return ti.GetRefresh(), err }, "ref-1"},
		{"by refresh", func() (string, error) { ti, err := s.GetByRefresh(ctx, "ref-1"); return ti.GetAccess(), err }, "acc-1"},
	} {
		got, err := tc.get()
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.want, got, tc.name)
	}

	t.Run("copies, not shared values", func(t *testing.T) {
		ti, err := s.GetByAccess(ctx, "acc-1")
		require.NoError(t, err)
		ti.SetAccess("changed")
		again, err := s.GetByAccess(ctx, "acc-1")
		require.NoError(t, err)
		assert.Equal(t, "acc-1", again.GetAccess())
	})

	t.Run("unknown is nil, nil", func(t *testing.T) {
		ti, err := s.GetByRefresh(ctx, "nope")
		assert.NoError(t, err)
		assert.Nil(t, ti)
	})

	t.Run("expired entries are swept on the next write", func(t *testing.T) {
		c.t = c.t.Add(25 * time.Hour)
		other := models.NewToken()
		other.SetAccess("acc-2")
		other.SetAccessCreateAt(c.t)
		other.SetAccessExpiresIn(time.Hour)
		require.NoError(t, s.Create(ctx, other))
		for _, get := range []func() (any, error){
			func() (any, error) { return s.GetByCode(ctx, "code-1") },
			func() (any, error) { return s.GetByAccess(ctx, "acc-1") },
			func() (any, error) { return s.GetByRefresh(ctx, "ref-1") },
		} {
			ti, err := get()
			assert.NoError(t, err)
			assert.Nil(t, ti)
		}
	})

	t.Run("remove", func(t *testing.T) {
		require.NoError(t, s.RemoveByAccess(ctx, "acc-2"))
		ti, err := s.GetByAccess(ctx, "acc-2")
		assert.NoError(t, err)
		assert.Nil(t, ti)
	})
}
