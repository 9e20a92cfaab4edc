// Package secret is the app's one caller of the OS keyring (Secret Service on Linux,
// Keychain on macOS, Credential Manager on Windows): one string secret under (service,
// user). The stores of the sign-in (app/tokenstore) and of the app password
// (app/apppassword) are built on it; each keeps its own lock and its own fallback.
package secret

import (
	"errors"

	"github.com/zalando/go-keyring"
)

// ErrNotFound is returned by Get and Delete when the keyring holds no such secret.
var ErrNotFound = keyring.ErrNotFound

// ErrTooBig is returned (wrapped) by Set when the keyring cannot hold a secret that long.
var ErrTooBig = keyring.ErrSetDataTooBig

// Entry names one secret in the keyring.
type Entry struct {
	Service, User string
}

// Get returns the secret, or ErrNotFound.
func (e Entry) Get() (string, error) { return keyring.Get(e.Service, e.User) }

// Set replaces the secret whole.
func (e Entry) Set(secret string) error { return keyring.Set(e.Service, e.User, secret) }

// Delete removes the secret; ErrNotFound when there was none.
func (e Entry) Delete() error { return keyring.Delete(e.Service, e.User) }

// Probe reports whether a keyring answers, with a read that tolerates "not found": it
// proves the keyring works without writing (an unreadable entry proves it too). It may
// wait for the user when the keyring asks to be unlocked.
func (e Entry) Probe() error {
	if _, err := e.Get(); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}
