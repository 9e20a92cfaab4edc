package apppassword

import (
	"crypto/rand"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zalando/go-keyring"
)

// testService keeps the tests' entries apart from the app's own.
const testService = "embeddable-tray-test"

// needSecretService skips (or, with CI set, fails) a test that needs a real Secret
// Service. Run it as:
//
//	xvfb-run -a dbus-run-session -- sh -c 'eval $(echo -n pw | gnome-keyring-daemon --unlock --components=secrets); go test ./app/apppassword/...'
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
	if _, err := keyring.Get(testService, "probe"); err != nil && !errors.Is(err, keyring.ErrNotFound) {
		missing("no Secret Service answers on the session bus: " + err.Error())
	}
}

// TestKeyringStore keeps, restores (a new store: an app restart), forgets and re-forgets a
// password in a real Secret Service, and checks nothing of it lands on disk.
func TestKeyringStore(t *testing.T) {
	needSecretService(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, ".local", "share"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, ".cache"))

	user := "crm-" + rand.Text() + "/carddav-password"
	t.Cleanup(func() { _ = NewKeyringStore(testService, user).Delete() })
	secret := "app-pw-" + rand.Text()

	s := NewKeyringStore(testService, user)
	_, err := s.Get()
	require.ErrorIs(t, err, ErrNotFound)
	require.NoError(t, s.Set(secret))

	got, err := NewKeyringStore(testService, user).Get()
	require.NoError(t, err)
	assert.Equal(t, secret, got, "a new store (after a restart) reads it")
	pw, err := keyring.Get(testService, user)
	require.NoError(t, err)
	assert.Equal(t, secret, pw, "it is in the keyring itself, not only in memory")

	require.NoError(t, s.Delete())
	_, err = NewKeyringStore(testService, user).Get()
	require.ErrorIs(t, err, ErrNotFound)
	require.NoError(t, s.Delete(), "deleting nothing is fine")

	err = filepath.WalkDir(home, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		assert.NotContains(t, string(b), secret, "password found in %s", path)
		return nil
	})
	require.NoError(t, err)
}

// TestKeyringStoreWithoutKeyring runs in a child process whose session bus does not exist:
// Set keeps the password in memory and says it is not remembered; Get and Delete work.
// (godbus keeps its first session connection for the whole process, hence the child.)
func TestKeyringStoreWithoutKeyring(t *testing.T) {
	if os.Getenv("APPPASSWORD_CHILD") == "1" {
		s := NewKeyringStore(testService, "nobus")
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
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "-test.run=^TestKeyringStoreWithoutKeyring$", "-test.v")
	cmd.Env = append(os.Environ(), "APPPASSWORD_CHILD=1",
		"DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(t.TempDir(), "no-bus"))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "child: %s", out)
	assert.Contains(t, string(out), "lasts this session only")
}
