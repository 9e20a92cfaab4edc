package tokenstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/embeddable-tray/embeddable-tray/internal/secret"
)

// keyringStore keeps the sign-in as ONE keyring secret: the JSON of Saved under
// (service, user). One Set replaces it whole, so there is never more than one token
// and token and account always belong together.
type keyringStore struct {
	entry secret.Entry
	mark  signedOutMark
	mu    sync.Mutex // one keyring conversation at a time: Save then Load sees the Save
}

// NewKeyring returns a Store in the OS keyring (Secret Service on Linux, Keychain on
// macOS, Credential Manager on Windows) under service and user, for example
// "embeddable-tray" and the third-party service's name.
func NewKeyring(service, user string) Store {
	return &keyringStore{entry: secret.Entry{Service: service, User: user}, mark: newSignedOutMark(service, user)}
}

func (k *keyringStore) Load() (Saved, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.mark.set() {
		// A sign-out whose delete the keyring refused: signed out all the same. Try the
		// delete again; the mark goes once it has worked.
		if err := k.entry.Delete(); err == nil || errors.Is(err, secret.ErrNotFound) {
			_ = k.mark.clear()
		}
		return Saved{}, ErrNotFound
	}
	text, err := k.entry.Get()
	if errors.Is(err, secret.ErrNotFound) {
		return Saved{}, ErrNotFound
	}
	if err != nil {
		return Saved{}, fmt.Errorf("cannot read the sign-in for %q from the keyring: %w", k.entry.User, err)
	}
	var s Saved
	if err := json.Unmarshal([]byte(text), &s); err != nil {
		// The error of json names offsets and types only, never the secret's text.
		return Saved{}, fmt.Errorf("the sign-in for %q in the keyring is unreadable (sign in again): %w", k.entry.User, err)
	}
	return s, nil
}

func (k *keyringStore) Save(s Saved) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("cannot encode the sign-in for %q: %w", k.entry.User, err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.entry.Set(string(b)); err != nil {
		if errors.Is(err, secret.ErrTooBig) {
			return fmt.Errorf("cannot keep the sign-in for %q: the token (%d bytes) is too big for this keyring: %w", k.entry.User, len(b), err)
		}
		return fmt.Errorf("cannot keep the sign-in for %q in the keyring: %w", k.entry.User, err)
	}
	if err := k.mark.clear(); err != nil {
		return fmt.Errorf("cannot keep the sign-in for %q: %w", k.entry.User, err)
	}
	return nil
}

func (k *keyringStore) Delete() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	err := k.entry.Delete()
	if errors.Is(err, secret.ErrNotFound) {
		_ = k.mark.clear()
		return ErrNotFound
	}
	if err != nil {
		if merr := k.mark.write(); merr != nil {
			return fmt.Errorf("cannot delete the sign-in for %q from the keyring (%w), nor mark it signed out: %v", k.entry.User, err, merr)
		}
		return fmt.Errorf("%w (%q: %v)", ErrDeleteDeferred, k.entry.User, err)
	}
	_ = k.mark.clear()
	return nil
}

// Open returns the keyring Store for (service, user) when the keyring answers, and
// persistent=true. It probes with a read that tolerates "not found". When no keyring is
// available (no Secret Service on the session bus, no session bus, ...) it returns a
// memory Store, persistent=false and the probe's error, so the app keeps working and
// can tell the user the sign-in will not be remembered.
//
// The probe may wait for the user when the keyring asks to be unlocked.
func Open(service, user string) (s Store, persistent bool, err error) {
	// A raw probe, not Load: an unreadable entry still proves the keyring works.
	if err := (secret.Entry{Service: service, User: user}).Probe(); err != nil {
		return NewMemory(), false, fmt.Errorf("no usable keyring, the sign-in will not be remembered: %w", err)
	}
	return NewKeyring(service, user), true, nil
}
