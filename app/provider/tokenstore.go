package provider

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/go-oauth2/oauth2/v4"
	"github.com/go-oauth2/oauth2/v4/models"
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
}

func newMemoryTokenStore() *memoryTokenStore {
	return &memoryTokenStore{
		byCode:  map[string][]byte{},
		byAcc:   map[string][]byte{},
		byRef:   map[string][]byte{},
		expires: map[string]time.Time{},
		now:     time.Now,
	}
}

var _ oauth2.TokenStore = (*memoryTokenStore)(nil)

// Create stores info under its code, or under its access and refresh tokens.
func (s *memoryTokenStore) Create(_ context.Context, info oauth2.TokenInfo) error {
	b, err := json.Marshal(info)
	if err != nil {
		return err
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
	return s.remove(s.byAcc, "a:", access)
}

// RemoveByRefresh deletes a refresh token.
func (s *memoryTokenStore) RemoveByRefresh(_ context.Context, refresh string) error {
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
