package apppassword

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gatedAsk is an ask that counts its calls and answers when the test says so.
type gatedAsk struct {
	calls   atomic.Int32
	started chan struct{} // one value per call
	answer  chan result
}

func newGatedAsk() *gatedAsk {
	return &gatedAsk{started: make(chan struct{}, 16), answer: make(chan result, 1)}
}

func (g *gatedAsk) ask(ctx context.Context) (string, error) {
	g.calls.Add(1)
	g.started <- struct{}{}
	select {
	case r := <-g.answer:
		return r.password, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func waitStarted(t *testing.T, g *gatedAsk) {
	t.Helper()
	select {
	case <-g.started:
	case <-time.After(10 * time.Second):
		t.Fatal("ask was not called")
	}
}

func TestSourceAsksOnceForConcurrentCallers(t *testing.T) {
	store := &memStore{}
	g := newGatedAsk()
	s := NewSource(store, g.ask)

	const callers = 8
	var wg sync.WaitGroup
	got := make([]string, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = s.Password(context.Background())
		}()
	}
	waitStarted(t, g)
	g.answer <- result{password: "typed"}
	wg.Wait()
	for i := range callers {
		require.NoError(t, errs[i])
		assert.Equal(t, "typed", got[i])
	}
	assert.EqualValues(t, 1, g.calls.Load(), "one prompt for every caller")
	assert.Equal(t, "typed", store.stored(), "kept in the store")

	// Later calls use memory: no prompt, no store read.
	gets := store.gets
	pw, err := s.Password(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "typed", pw)
	assert.EqualValues(t, 1, g.calls.Load())
	assert.Equal(t, gets, store.gets)
}

func TestSourceUsesStoreFirst(t *testing.T) {
	store := &memStore{pw: "remembered"}
	s := NewSource(store, func(context.Context) (string, error) {
		t.Error("asked although the store had the password")
		return "", errors.New("no")
	})
	pw, err := s.Password(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "remembered", pw)
	assert.Equal(t, 0, store.sets, "a password read from the store is not written back")
}

// TestSourceCallerGivesUp: a caller's deadline ends its wait, not the prompt; the next
// caller gets the same prompt's answer.
func TestSourceCallerGivesUp(t *testing.T) {
	g := newGatedAsk()
	s := NewSource(&memStore{}, g.ask)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := s.Password(ctx); errc <- err }()
	waitStarted(t, g)
	cancel()
	require.ErrorIs(t, <-errc, context.Canceled)

	done := make(chan string, 1)
	go func() { pw, _ := s.Password(context.Background()); done <- pw }()
	g.answer <- result{password: "late"}
	assert.Equal(t, "late", <-done)
	assert.EqualValues(t, 1, g.calls.Load())
}

func TestSourceCancelIsRememberedUntilForget(t *testing.T) {
	store := &memStore{}
	g := newGatedAsk()
	s := NewSource(store, g.ask)

	g.answer <- result{err: ErrCancelled}
	_, err := s.Password(context.Background())
	require.ErrorIs(t, err, ErrCancelled)
	<-g.started
	_, err = s.Password(context.Background())
	require.ErrorIs(t, err, ErrCancelled)
	assert.EqualValues(t, 1, g.calls.Load(), "no new prompt after the user said no")

	require.NoError(t, s.Forget())
	g.answer <- result{password: "now"}
	pw, err := s.Password(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "now", pw)
	assert.EqualValues(t, 2, g.calls.Load())
}

func TestSourceOtherErrorsAskAgain(t *testing.T) {
	g := newGatedAsk()
	s := NewSource(&memStore{}, g.ask)
	g.answer <- result{err: errors.New("no window")}
	_, err := s.Password(context.Background())
	require.ErrorContains(t, err, "no window")
	g.answer <- result{password: "pw"}
	pw, err := s.Password(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "pw", pw)
}

func TestSourceForget(t *testing.T) {
	store := &memStore{pw: "old"}
	g := newGatedAsk()
	s := NewSource(store, g.ask)
	pw, err := s.Password(context.Background())
	require.NoError(t, err)
	require.Equal(t, "old", pw)

	require.NoError(t, s.Forget())
	assert.Empty(t, store.stored(), "deleted from the store")

	// Forget during a prompt closes it and keeps nothing it might still give.
	errc := make(chan error, 1)
	go func() { _, err := s.Password(context.Background()); errc <- err }()
	waitStarted(t, g)
	require.NoError(t, s.Forget())
	require.ErrorIs(t, <-errc, context.Canceled)
	assert.Empty(t, store.stored())
}

func TestSourceForgetRefusedKeepsANewerPassword(t *testing.T) {
	store := &memStore{pw: "new"}
	s := NewSource(store, func(context.Context) (string, error) { return "", errors.New("unexpected ask") })
	_, err := s.Password(context.Background())
	require.NoError(t, err)
	require.NoError(t, s.forgetRefused("old"))
	assert.Equal(t, "new", store.stored())
	require.NoError(t, s.forgetRefused("new"))
	assert.Empty(t, store.stored())
}
