package tokenstore

import (
	"crypto/rand"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/embeddable-tray/embeddable-tray/internal/keyringtest"
)

// TestLockedKeyringSignOut reproduces issue 9 point 5: a sign-out while the keyring is
// locked (its unlock prompt dismissed) revoked the token but kept the entry, and the next
// start said "signed in". Now Delete says it was deferred, the next start (a new store)
// finds no sign-in, and once the keyring is unlocked the entry is deleted for good. It runs
// in a child with a keyring of its own, since it locks it.
func TestLockedKeyringSignOut(t *testing.T) {
	if !keyringtest.InPrivateKeyring() {
		out := keyringtest.RunWithPrivateKeyring(t)
		assert.Contains(t, out, "--- PASS: TestLockedKeyringSignOut")
		return
	}
	keyringtest.NeedSecretService(t)
	home := keyringtest.TempHome(t)
	user := "crm-" + rand.Text()
	tok := &oauth2.Token{AccessToken: "access-" + rand.Text(), RefreshToken: "refresh-" + rand.Text(), Expiry: time.Now().Add(time.Hour)}
	s, persistent, err := Open(keyringtest.Service, user)
	require.NoError(t, err)
	require.True(t, persistent)
	require.NoError(t, s.Save(Saved{Token: tok, Account: "ann@example.com"}))

	keyringtest.Lock(t)
	err = s.Delete()
	require.ErrorIs(t, err, ErrDeleteDeferred, "sign-out with a locked keyring")
	_, err = s.Load()
	require.ErrorIs(t, err, ErrNotFound, "this run agrees it is signed out")

	// The next start, keyring still locked: signed out (the memory fallback of Open, or the
	// mark of a keyring store).
	next, _, _ := Open(keyringtest.Service, user)
	_, err = next.Load()
	require.ErrorIs(t, err, ErrNotFound)
	_, err = NewKeyring(keyringtest.Service, user).Load()
	require.ErrorIs(t, err, ErrNotFound)

	// The next start with the keyring unlocked: still signed out, and the entry is deleted.
	keyringtest.Unlock(t)
	_, err = NewKeyring(keyringtest.Service, user).Load()
	require.ErrorIs(t, err, ErrNotFound)
	require.ErrorIs(t, NewKeyring(keyringtest.Service, user).Delete(), ErrNotFound, "the entry was deleted")
	marks, _ := filepath.Glob(filepath.Join(home, ".config", keyringtest.Service, "signed-out", "*"))
	assert.Empty(t, marks, "the mark goes with the entry")

	// A new sign-in is remembered again.
	require.NoError(t, s.Save(Saved{Token: tok, Account: "ann@example.com"}))
	got, err := NewKeyring(keyringtest.Service, user).Load()
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, got.Token.AccessToken)
	require.NoError(t, s.Delete())
	keyringtest.NoSecretsUnder(t, home, tok.AccessToken, tok.RefreshToken)
}
