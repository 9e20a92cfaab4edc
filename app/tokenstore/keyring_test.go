package tokenstore

import (
	"bytes"
	"crypto/rand"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/embeddable-tray/embeddable-tray/internal/keyringtest"
	"github.com/embeddable-tray/embeddable-tray/internal/realpart"
)

// entries counts the keyring items for (keyringtest.Service, user) as another program sees them.
func entries(t *testing.T, user string) int {
	t.Helper()
	if _, err := exec.LookPath("secret-tool"); err != nil {
		realpart.Missing(t, "secret-tool is not installed (apt-get install libsecret-tools)")
	}
	var out bytes.Buffer
	cmd := exec.Command("secret-tool", "search", "--all", "service", keyringtest.Service, "username", user)
	cmd.Stdout = &out
	// secret-tool exits 1 when nothing matches; the count below is what matters.
	_ = cmd.Run()
	n := 0
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "[/") {
			n++
		}
	}
	return n
}

func requireSameToken(t *testing.T, want, got *oauth2.Token) {
	t.Helper()
	require.NotNil(t, got)
	assert.Equal(t, want.AccessToken, got.AccessToken)
	assert.Equal(t, want.RefreshToken, got.RefreshToken)
	assert.Equal(t, want.TokenType, got.TokenType)
	assert.True(t, want.Expiry.Equal(got.Expiry), "expiry %v, want %v", got.Expiry, want.Expiry)
}

// TestKeyringLifecycle stores, restores with a new store (an app restart), replaces and
// deletes a sign-in in a real Secret Service, and checks nothing lands on disk.
func TestKeyringLifecycle(t *testing.T) {
	keyringtest.NeedSecretService(t)
	home := keyringtest.TempHome(t)

	user := "crm-" + rand.Text()
	t.Cleanup(func() { _ = NewKeyring(keyringtest.Service, user).Delete() })

	first := &oauth2.Token{AccessToken: "access-" + rand.Text(), RefreshToken: "refresh-" + rand.Text(),
		TokenType: "Bearer", Expiry: time.Now().Add(time.Hour).Round(time.Second)}
	s, persistent, err := Open(keyringtest.Service, user)
	require.NoError(t, err)
	require.True(t, persistent)
	_, err = s.Load()
	require.ErrorIs(t, err, ErrNotFound)
	require.NoError(t, s.Save(Saved{Token: first, Account: "ann@example.com"}))
	assert.Equal(t, 1, entries(t, user))

	// Restart: a new store instance reads what the old one saved.
	got, err := NewKeyring(keyringtest.Service, user).Load()
	require.NoError(t, err)
	requireSameToken(t, first, got.Token)
	assert.Equal(t, "ann@example.com", got.Account)

	// Replace: still one entry, holding the new sign-in.
	second := &oauth2.Token{AccessToken: "access-" + rand.Text(), RefreshToken: "refresh-" + rand.Text(),
		TokenType: "Bearer", Expiry: time.Now().Add(2 * time.Hour).Round(time.Second)}
	require.NoError(t, s.Save(Saved{Token: second, Account: "bob@example.com"}))
	assert.Equal(t, 1, entries(t, user), "at most one entry per service")
	got, err = NewKeyring(keyringtest.Service, user).Load()
	require.NoError(t, err)
	requireSameToken(t, second, got.Token)
	assert.Equal(t, "bob@example.com", got.Account)

	// Delete (sign out): gone for every store.
	require.NoError(t, s.Delete())
	assert.Equal(t, 0, entries(t, user))
	_, err = NewKeyring(keyringtest.Service, user).Load()
	require.ErrorIs(t, err, ErrNotFound)
	require.ErrorIs(t, s.Delete(), ErrNotFound)

	// Nothing about the tokens was written under HOME or the XDG directories.
	keyringtest.NoSecretsUnder(t, home, first.AccessToken, first.RefreshToken, second.AccessToken, second.RefreshToken)
}

// TestOpenWithoutKeyring runs Open in a child process whose session bus does not exist:
// it must fall back to memory, say so, and still work. (godbus keeps its first session
// connection for the whole process, hence the child.)
func TestOpenWithoutKeyring(t *testing.T) {
	if keyringtest.InChildWithoutBus() {
		s, persistent, err := Open(keyringtest.Service, "nobus")
		if persistent || err == nil {
			t.Fatalf("Open without a bus: persistent=%v err=%v, want false and an error", persistent, err)
		}
		if err := s.Save(Saved{Token: &oauth2.Token{AccessToken: "x"}, Account: "a"}); err != nil {
			t.Fatalf("memory fallback cannot save: %v", err)
		}
		t.Logf("fallback reason: %v", err)
		return
	}
	assert.Contains(t, keyringtest.RunWithoutBus(t), "will not be remembered")
}
