// Package tokenstore keeps the one remembered sign-in (OAuth token and account) of the
// app: in the OS keyring when there is one, else in memory for the session only.
//
// Tokens are secrets: they are never written to a plain file or a log. The keyring holds
// at most one entry per service, replaced as a whole, so a crash between two writes can
// never leave a token and an account that do not belong together.
package tokenstore

import (
	"errors"

	"golang.org/x/oauth2"
)

// ErrNotFound is returned by Load when no sign-in is remembered.
var ErrNotFound = errors.New("tokenstore: no sign-in is remembered")

// ErrDeleteDeferred is returned by Delete when the keyring would not delete the sign-in
// (locked, its unlock prompt dismissed): the store has marked it signed out instead.
// Load then finds no sign-in, in this run and the next, and deletes it from the keyring
// as soon as the keyring lets it; the next Save clears the mark.
var ErrDeleteDeferred = errors.New("tokenstore: the keyring is locked; the sign-in is marked signed out and will be deleted from it at the next start")

// Saved is one remembered sign-in.
type Saved struct {
	Token   *oauth2.Token `json:"token"`
	Account string        `json:"account"`
}

// Store keeps at most one Saved. Implementations are safe for concurrent use.
type Store interface {
	// Load returns the remembered sign-in, or ErrNotFound.
	Load() (Saved, error)
	// Save replaces the remembered sign-in.
	Save(Saved) error
	// Delete forgets the sign-in; ErrNotFound when there was none.
	Delete() error
}

// copyToken keeps a stored token apart from the caller's, so a later change by the
// caller (x/oauth2 sets fields on tokens it hands out) cannot alter what is stored.
func copyToken(t *oauth2.Token) *oauth2.Token {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}
