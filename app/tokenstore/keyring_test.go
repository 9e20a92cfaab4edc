package tokenstore

import (
	"bytes"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// testService keeps the tests' entries apart from the app's own.
const testService = "embeddable-tray-test"

// needSecretService skips (or, with CI set, fails) a test that needs a real Secret
// Service. Run it as:
//
//	xvfb-run -a dbus-run-session -- sh -c 'eval $(echo -n pw | gnome-keyring-daemon --unlock --components=secrets); go test ./app/tokenstore/...'
func needSecretService(t *testing.T) {
	t.Helper()
	missing := func(why string) {
		t.Helper()
		if os.Getenv("CI") != "" {
			t.Fatalf("%s (CI is set, so this is a failure)", why)
		}
		t.Skipf("%s; run under dbus-run-session with gnome-keyring-daemon --unlock --components=secrets", why)
	}
	if _, err := exec.LookPath("gnome-keyring-daemon"); err != nil {
		missing("gnome-keyring-daemon is not installed")
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		missing("DBUS_SESSION_BUS_ADDRESS is unset: no session bus")
	}
	if _, persistent, err := Open(testService, "probe"); !persistent {
		missing("no Secret Service answers on the session bus: " + err.Error())
	}
}

// entries counts the keyring items for (testService, user) as another program sees them.
func entries(t *testing.T, user string) int {
	t.Helper()
	if _, err := exec.LookPath("secret-tool"); err != nil {
		t.Skip("secret-tool (libsecret-tools) is not installed")
	}
	var out bytes.Buffer
	cmd := exec.Command("secret-tool", "search", "--all", "service", testService, "username", user)
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
	needSecretService(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, ".local", "share"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, ".cache"))

	user := "crm-" + rand.Text()
	t.Cleanup(func() { _ = NewKeyring(testService, user).Delete() })

	first := &oauth2.Token{AccessToken: "access-" + rand.Text(), RefreshToken: "refresh-" + rand.Text(),
		TokenType: "Bearer", Expiry: time.Now().Add(time.Hour).Round(time.Second)}
	s, persistent, err := Open(testService, user)
	require.NoError(t, err)
	require.True(t, persistent)
	_, err = s.Load()
	require.ErrorIs(t, err, ErrNotFound)
	require.NoError(t, s.Save(Saved{Token: first, Account: "ann@example.com"}))
	assert.Equal(t, 1, entries(t, user))

	// Restart: a new store instance reads what the old one saved.
	got, err := NewKeyring(testService, user).Load()
	require.NoError(t, err)
	requireSameToken(t, first, got.Token)
	assert.Equal(t, "ann@example.com", got.Account)

	// Replace: still one entry, holding the new sign-in.
	second := &oauth2.Token{AccessToken: "access-" + rand.Text(), RefreshToken: "refresh-" + rand.Text(),
		TokenType: "Bearer", Expiry: time.Now().Add(2 * time.Hour).Round(time.Second)}
	require.NoError(t, s.Save(Saved{Token: second, Account: "bob@example.com"}))
	assert.Equal(t, 1, entries(t, user), "at most one entry per service")
	got, err = NewKeyring(testService, user).Load()
	require.NoError(t, err)
	requireSameToken(t, second, got.Token)
	assert.Equal(t, "bob@example.com", got.Account)

	// Delete (sign out): gone for every store.
	require.NoError(t, s.Delete())
	assert.Equal(t, 0, entries(t, user))
	_, err = NewKeyring(testService, user).Load()
	require.ErrorIs(t, err, ErrNotFound)
	require.ErrorIs(t, s.Delete(), ErrNotFound)

	// Nothing about the tokens was written under HOME or the XDG directories.
	err = filepath.WalkDir(home, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, secret := range []string{first.AccessToken, first.RefreshToken, second.AccessToken, second.RefreshToken} {
			assert.NotContains(t, string(b), secret, "token found in %s", path)
		}
		return nil
	})
	require.NoError(t, err)
}

// TestOpenWithoutKeyring runs Open in a child process whose session bus does not exist:
// it must fall back to memory, say so, and still work. (godbus keeps its first session
// connection for the whole process, hence the child.)
func TestOpenWithoutKeyring(t *testing.T) {
	if os.Getenv("TOKENSTORE_CHILD") == "1" {
		s, persistent, err := Open(testService, "nobus")
		if persistent || err == nil {
			t.Fatalf("Open without a bus: persistent=%v err=%v, want false and an error", persistent, err)
		}
		if err := s.Save(Saved{Token: &oauth2.Token{AccessToken: "x"}, Account: "a"}); err != nil {
			t.Fatalf("memory fallback cannot save: %v", err)
		}
		t.Logf("fallback reason: %v", err)
		return
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "-test.run=^TestOpenWithoutKeyring$", "-test.v")
	cmd.Env = append(os.Environ(), "TOKENSTORE_CHILD=1",
		"DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(t.TempDir(), "no-bus"))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "child: %s", out)
	assert.Contains(t, string(out), "will not be remembered")
}
