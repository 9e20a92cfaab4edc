package app

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/embeddable-tray/embeddable-tray/app/tokenstore"
	"github.com/embeddable-tray/embeddable-tray/internal/keyringtest"
)

// TestSignOutWithLockedKeyring reproduces issue 9 point 5 with the app and a real keyring:
// signed in, the keyring locks, the user signs out. The app is signed out, says why, and
// the next start (a new app on the same keyring, still locked) agrees. It runs in a child
// with a keyring of its own, since it locks it.
func TestSignOutWithLockedKeyring(t *testing.T) {
	if !keyringtest.InPrivateKeyring() {
		assert.Contains(t, keyringtest.RunWithPrivateKeyring(t), "--- PASS: TestSignOutWithLockedKeyring")
		return
	}
	keyringtest.NeedSecretService(t)
	keyringtest.TempHome(t)
	user := "crm-" + rand.Text()
	store := tokenstore.NewKeyring(keyringtest.Service, user)
	tok := &oauth2.Token{AccessToken: "at", RefreshToken: "rt", Expiry: time.Now().Add(time.Hour)}
	require.NoError(t, store.Save(tokenstore.Saved{Token: tok, Account: "ann@example.com"}))
	h := newHarness(t, store)
	require.Equal(t, SignedIn, h.app.Snapshot().Phase)

	keyringtest.Lock(t)
	wait(t, h.app.SignOut())
	snap := h.app.Snapshot()
	assert.Equal(t, SignedOut, snap.Phase)
	assert.Contains(t, snap.Problem, "keyring is locked", "the user is told why the keyring still holds it")
	assert.Equal(t, "at", (<-h.auth.revoked).AccessToken, "revoked all the same")

	next := newHarness(t, tokenstore.NewKeyring(keyringtest.Service, user))
	assert.Equal(t, SignedOut, next.app.Snapshot().Phase, "the next start agrees")
	assert.False(t, next.app.Registration().Authorized)
}
