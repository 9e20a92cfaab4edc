package apppassword

import (
	"crypto/rand"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zalando/go-keyring"

	"github.com/embeddable-tray/embeddable-tray/internal/keyringtest"
)

// TestKeyringStore keeps, restores (a new store: an app restart), forgets and re-forgets a
// password in a real Secret Service, and checks nothing of it lands on disk.
func TestKeyringStore(t *testing.T) {
	keyringtest.NeedSecretService(t)
	home := keyringtest.TempHome(t)

	user := "crm-" + rand.Text() + "/carddav-password"
	t.Cleanup(func() { _ = NewKeyringStore(keyringtest.Service, user).Delete() })
	secret := "app-pw-" + rand.Text()

	s := NewKeyringStore(keyringtest.Service, user)
	_, err := s.Get()
	require.ErrorIs(t, err, ErrNotFound)
	require.NoError(t, s.Set(secret))

	got, err := NewKeyringStore(keyringtest.Service, user).Get()
	require.NoError(t, err)
	assert.Equal(t, secret, got, "a new store (after a restart) reads it")
	pw, err := keyring.Get(keyringtest.Service, user)
	require.NoError(t, err)
	assert.Equal(t, secret, pw, "it is in the keyring itself, not only in memory")

	require.NoError(t, s.Delete())
	_, err = NewKeyringStore(keyringtest.Service, user).Get()
	require.ErrorIs(t, err, ErrNotFound)
	require.NoError(t, s.Delete(), "deleting nothing is fine")

	keyringtest.NoSecretsUnder(t, home, secret)
}

// TestKeyringStoreWithoutKeyring runs in a child process whose session bus does not exist:
// Set keeps the password in memory and says it is not remembered; Get and Delete work.
// (godbus keeps its first session connection for the whole process, hence the child.)
func TestKeyringStoreWithoutKeyring(t *testing.T) {
	if keyringtest.InChildWithoutBus() {
		s := NewKeyringStore(keyringtest.Service, "nobus")
		if err := s.Set("pw"); err == nil {
			t.Fatal("Set without a keyring: no error, want 'lasts this session only'")
		} else {
			t.Logf("fallback: %v", err)
		}
		if pw, err := s.Get(); err != nil || pw != "pw" {
			t.Fatalf("Get from the memory fallback = %q, %v", pw, err)
		}
		_ = s.Delete() // the keyring part fails without a bus; memory must be cleared anyway
		if _, err := s.Get(); err == nil {
			t.Fatal("Get after Delete still has a password")
		}
		return
	}
	assert.Contains(t, keyringtest.RunWithoutBus(t), "lasts this session only")
}
