package apppassword

import "sync"

// memStore is a Store in memory that counts its calls, for the Source and Transport tests.
type memStore struct {
	mu                 sync.Mutex
	pw                 string
	gets, sets, delete int
}

func (m *memStore) Get() (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gets++
	if m.pw == "" {
		return "", ErrNotFound
	}
	return m.pw, nil
}

func (m *memStore) Set(pw string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sets++
	m.pw = pw
	return nil
}

func (m *memStore) Delete() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.delete++
	m.pw = ""
	return nil
}

func (m *memStore) stored() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pw
}
