package apppassword

import (
	"errors"
	"fmt"
	"sync"

	"github.com/embeddable-tray/embeddable-tray/internal/secret"
)

// Store keeps one app password. Get answers ErrNotFound when there is none; Delete of a
// missing password is not an error. Safe for concurrent use.
type Store interface {
	Get() (string, error)
	Set(password string) error
	Delete() error
}

// keyringStore keeps the password under (service, user) in the OS keyring. When the
// keyring cannot take it (no Secret Service, locked, too big) it keeps it in memory for
// this session and Set says why, so the caller can tell the user it is not remembered.
type keyringStore struct {
	entry secret.Entry

	mu  sync.Mutex // one keyring conversation at a time: Set then Get sees the Set
	mem string     // the fallback copy, "" when none
}

// NewKeyringStore returns a Store in the OS keyring (Secret Service on Linux, Keychain on
// macOS, Credential Manager on Windows), for example service "embeddable-tray" and user
// "<service name>/carddav-password", with a memory fallback.
func NewKeyringStore(service, user string) Store {
	return &keyringStore{entry: secret.Entry{Service: service, User: user}}
}

func (k *keyringStore) Get() (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	pw, err := k.entry.Get()
	switch {
	case err == nil:
		return pw, nil
	case k.mem != "":
		return k.mem, nil
	case errors.Is(err, secret.ErrNotFound):
		return "", ErrNotFound
	}
	return "", fmt.Errorf("apppassword: cannot read %q from the keyring: %w", k.entry.User, err)
}

func (k *keyringStore) Set(password string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.entry.Set(password); err != nil {
		k.mem = password
		return fmt.Errorf("apppassword: the keyring cannot keep %q, it lasts this session only: %w", k.entry.User, err)
	}
	k.mem = ""
	return nil
}

func (k *keyringStore) Delete() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.mem = ""
	if err := k.entry.Delete(); err != nil && !errors.Is(err, secret.ErrNotFound) {
		return fmt.Errorf("apppassword: cannot delete %q from the keyring: %w", k.entry.User, err)
	}
	return nil
}
