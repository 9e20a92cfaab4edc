package provider

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/go-oauth2/oauth2/v4"
	"github.com/go-oauth2/oauth2/v4/models"

	"github.com/embeddable-tray/embeddable-tray/internal/secret"
)

// memoryTokenStore is an oauth2.TokenStore in a map. The library's own memory store
// (store.NewMemoryTokenStore) runs on buntdb, whose background goroutine cannot be stopped
// through the store; a provider that starts and stops many times (tests, the app) must not
// leak it. Values are stored as JSON copies, as the library's store does, because the
// manager mutates the TokenInfo it loaded before saving it again under new keys.
type memoryTokenStore struct {
	mu      sync.Mutex
	byCode  map[string][]byte
	byAcc   map[string][]byte
	byRef   map[string][]byte
	expires map[string]time.Time // key (prefixed by kind) -> when it may be dropped
	now     func() time.Time

	// keep, when set, holds the issued tokens between runs; keepMu orders its writes so
	// the last one written is the newest state.
	keep   Keeper
	keepMu sync.Mutex
	log    *slog.Logger
}

// Keeper keeps the provider's issued tokens between runs. The app passes an entry of its
// keyring: the app restores its sign-in from the keyring after a restart, and a provider
// that forgot the tokens it issued would refuse that sign-in at the first request. Get
// returns secret.ErrNotFound when nothing is kept (secret.Entry is a Keeper).
type Keeper interface {
	Get() (string, error)
	Set(string) error
}

// keptTokens is what a Keeper holds: the access and refresh records and their expiries.
// Authorization codes live seconds and are never kept.
type keptTokens struct {
	Access  map[string]json.RawMessage `json:"access"`
	Refresh map[string]json.RawMessage `json:"refresh"`
	Expires map[string]time.Time       `json:"expires"`
}

func newMemoryTokenStore() *memoryTokenStore {
	return &memoryTokenStore{
		byCode:  map[string][]byte{},
		byAcc:   map[string][]byte{},
		byRef:   map[string][]byte{},
		expires: map[string]time.Time{},
		now:     time.Now,
		log:     slog.Default(),
	}
}

// restore reads what keep holds. Nothing kept, or a keeper that cannot be read, starts
// empty: the demo then asks the user to sign in again, as it did before it kept anything.
func (s *memoryTokenStore) restore(keep Keeper) {
	s.keep = keep
	raw, err := keep.Get()
	if err != nil {
		if !errors.Is(err, secret.ErrNotFound) {
			s.log.Warn("provider: cannot read the tokens issued before; earlier sign-ins are refused", "err", err)
		}
		return
	}
	var k keptTokens
	if err := json.Unmarshal([]byte(raw), &k); err != nil {
		s.log.Warn("provider: the tokens kept from before are unreadable; earlier sign-ins are refused", "err", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for a, b := range k.Access {
		s.byAcc[a] = b
	}
	for r, b := range k.Refresh {
		s.byRef[r] = b
	}
	for key, t := range k.Expires {
		if len(key) > 2 && (key[:2] == "a:" || key[:2] == "r:") {
			s.expires[key] = t
		}
	}
	s.sweep()
}

// persist writes the current access and refresh records to keep. A keeper that fails
// costs only the next run's memory of them, never this sign-in: it is logged, not returned.
func (s *memoryTokenStore) persist() {
	if s.keep == nil {
		return
	}
	s.keepMu.Lock()
	defer s.keepMu.Unlock()
	s.mu.Lock()
	s.sweep()
	k := keptTokens{Access: map[string]json.RawMessage{}, Refresh: map[string]json.RawMessage{}, Expires: map[string]time.Time{}}
	for a, b := range s.byAcc {
		k.Access[a] = b
	}
	for r, b := range s.byRef {
		k.Refresh[r] = b
	}
	for key, t := range s.expires {
		if key[:2] != "c:" {
			k.Expires[key] = t
		}
	}
	s.mu.Unlock()
	b, err := json.Marshal(k)
	if err == nil {
		err = s.keep.Set(string(b))
	}
	if err != nil {
		s.log.Warn("provider: cannot keep the issued tokens; this sign-in will be refused after a restart", "err", err)
	}
}

var _ oauth2.TokenStore = (*memoryTokenStore)(nil)

// Create stores info under its code, or under its access and refresh tokens.
func (s *memoryTokenStore) Create(_ context.Context, info oauth2.TokenInfo) error {
	b, err := json.Marshal(info)
	if err != nil {
		return err
	}
	if info.GetCode() == "" {
		defer s.persist() // after the lock below is released
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	if code := info.GetCode(); code != "" {
		s.byCode[code] = b
		s.expireAt("c:"+code, info.GetCodeCreateAt(), info.GetCodeExpiresIn())
		return nil
	}
	s.byAcc[info.GetAccess()] = b
	if r := info.GetRefresh(); r != "" {
		s.byRef[r] = b
		s.expireAt("r:"+r, info.GetRefreshCreateAt(), info.GetRefreshExpiresIn())
		// The access record outlives its own expiry until the refresh goes: revoking
		// a refresh token looks its access token up, and the manager still reports
		// an expired access token as expired rather than unknown.
		s.expireAt("a:"+info.GetAccess(), info.GetRefreshCreateAt(), info.GetRefreshExpiresIn())
		return nil
	}
	s.expireAt("a:"+info.GetAccess(), info.GetAccessCreateAt(), info.GetAccessExpiresIn())
	return nil
}

// expireAt notes when a key may be swept; a zero lifetime means never.
func (s *memoryTokenStore) expireAt(key string, created time.Time, life time.Duration) {
	if life > 0 {
		s.expires[key] = created.Add(life)
	}
}

// sweep drops what has expired, so a long-running demo does not grow without bound.
func (s *memoryTokenStore) sweep() {
	now := s.now()
	for k, t := range s.expires {
		if now.Before(t) {
			continue
		}
		delete(s.expires, k)
		switch k[:2] {
		case "c:":
			delete(s.byCode, k[2:])
		case "a:":
			delete(s.byAcc, k[2:])
		case "r:":
			delete(s.byRef, k[2:])
		}
	}
}

func (s *memoryTokenStore) remove(m map[string][]byte, prefix, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(m, key)
	delete(s.expires, prefix+key)
	return nil
}

// RemoveByCode deletes an authorization code (the manager does so on its first use).
func (s *memoryTokenStore) RemoveByCode(_ context.Context, code string) error {
	return s.remove(s.byCode, "c:", code)
}

// RemoveByAccess deletes an access token.
func (s *memoryTokenStore) RemoveByAccess(_ context.Context, access string) error {
	defer s.persist()
	return s.remove(s.byAcc, "a:", access)
}

// RemoveByRefresh deletes a refresh token.
func (s *memoryTokenStore) RemoveByRefresh(_ context.Context, refresh string) error {
	defer s.persist()
	return s.remove(s.byRef, "r:", refresh)
}

// get returns a fresh copy, or nil, nil when the key is unknown (what the manager expects).
func (s *memoryTokenStore) get(m map[string][]byte, key string) (oauth2.TokenInfo, error) {
	s.mu.Lock()
	b, ok := m[key]
	s.mu.Unlock()
	if !ok {
		return nil, nil
	}
	var t models.Token
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// GetByCode looks an authorization code up.
func (s *memoryTokenStore) GetByCode(_ context.Context, code string) (oauth2.TokenInfo, error) {
	return s.get(s.byCode, code)
}

// GetByAccess looks an access token up.
func (s *memoryTokenStore) GetByAccess(_ context.Context, access string) (oauth2.TokenInfo, error) {
	return s.get(s.byAcc, access)
}

// GetByRefresh looks a refresh token up.
func (s *memoryTokenStore) GetByRefresh(_ context.Context, refresh string) (oauth2.TokenInfo, error) {
	return s.get(s.byRef, refresh)
}
