package apppassword

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
)

// Source gives the app password: from memory, else from the Store, else by asking the
// user. One lookup runs at a time; concurrent callers wait for the same one, so the user
// sees one prompt however many requests need the password.
//
// The prompt belongs to no single caller: a caller whose context ends stops waiting, but
// the prompt stays open for the next one (a widget request gives up after 30 s, a person
// may take longer). Forget closes it.
//
// A cancelled prompt is remembered until Forget: the app does not pop the window up again
// at every request (an incoming call, a search) once the user said no.
type Source struct {
	store Store
	ask   func(ctx context.Context) (string, error)

	// Logger hears that the keyring could not keep the password; nil means slog.Default().
	Logger *slog.Logger

	mu        sync.Mutex // also held across Store.Set and Store.Delete: a Forget is never undone
	password  string     // known good so far, "" when none
	lookup    *lookup    // under way, nil if none
	cancelled bool
}

// lookup is one store read and, failing that, one prompt.
type lookup struct {
	done     chan struct{}
	cancel   context.CancelFunc
	password string
	err      error
}

// NewSource returns a Source that keeps the password in store and asks for it with ask.
// ask gets a context that ends on Forget; it should bound its own wait.
func NewSource(store Store, ask func(ctx context.Context) (string, error)) *Source {
	return &Source{store: store, ask: ask}
}

// Password returns the app password, asking for it when neither memory nor the store has
// it. It returns ErrCancelled (wrapped) when the user declined, and ctx's error when ctx
// ends first.
func (s *Source) Password(ctx context.Context) (string, error) {
	s.mu.Lock()
	if s.password != "" {
		pw := s.password
		s.mu.Unlock()
		return pw, nil
	}
	if s.cancelled {
		s.mu.Unlock()
		return "", fmt.Errorf("%w; sign out and in again to be asked again", ErrCancelled)
	}
	l := s.lookup
	if l == nil {
		lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		l = &lookup{done: make(chan struct{}), cancel: cancel}
		s.lookup = l
		go s.run(lctx, l)
	}
	s.mu.Unlock()

	select {
	case <-l.done:
		return l.password, l.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// run reads the store, else asks, and publishes the outcome unless Forget came first.
func (s *Source) run(ctx context.Context, l *lookup) {
	defer close(l.done)
	defer l.cancel()
	pw, err := s.store.Get()
	fromStore := err == nil && pw != ""
	if !fromStore {
		if err != nil && !errors.Is(err, ErrNotFound) {
			s.logger().Warn("cannot read the app password from the keyring; asking for it", "err", err)
		}
		pw, err = s.ask(ctx)
		if err == nil && pw == "" {
			err = errors.New("apppassword: the app password is empty")
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lookup != l { // forgotten meanwhile: keep nothing
		l.err = fmt.Errorf("apppassword: the app password was forgotten while it was asked for: %w", context.Canceled)
		return
	}
	s.lookup = nil
	if err != nil {
		l.err = err
		s.cancelled = errors.Is(err, ErrCancelled)
		return
	}
	if !fromStore {
		if serr := s.store.Set(pw); serr != nil {
			s.logger().Warn("the app password is not remembered after the app quits", "err", serr)
		}
	}
	s.password, l.password = pw, pw
}

// Forget drops the password from memory and the store and closes a prompt under way: on
// sign-out, or when the server refused it. The next Password asks again.
func (s *Source) Forget() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forgetLocked()
	return s.store.Delete()
}

// forgetRefused forgets the password only if it is still the one the server refused: a
// request that was sent before the user typed a new one must not forget the new one.
func (s *Source) forgetRefused(refused string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.password != refused {
		return nil
	}
	s.forgetLocked()
	return s.store.Delete()
}

func (s *Source) forgetLocked() {
	s.password, s.cancelled = "", false
	if s.lookup != nil {
		s.lookup.cancel()
		s.lookup = nil
	}
}

func (s *Source) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}
