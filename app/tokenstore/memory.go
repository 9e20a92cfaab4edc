package tokenstore

import "sync"

// memory is the Store used when no keyring is available: the sign-in lasts as long as
// the process.
type memory struct {
	mu    sync.Mutex
	saved *Saved
}

// NewMemory returns a Store that keeps the sign-in in memory only.
func NewMemory() Store { return &memory{} }

func (m *memory) Load() (Saved, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.saved == nil {
		return Saved{}, ErrNotFound
	}
	return Saved{Token: copyToken(m.saved.Token), Account: m.saved.Account}, nil
}

func (m *memory) Save(s Saved) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.saved = &Saved{Token: copyToken(s.Token), Account: s.Account}
	return nil
}

func (m *memory) Delete() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.saved == nil {
		return ErrNotFound
	}
	m.saved = nil
	return nil
}
