// Package keyringtest is the shared setup of tests that use the real OS keyring (Secret
// Service on Linux): a service name apart from the app's own, a check that a keyring
// answers, a HOME that is checked for leaked secrets, and a child process without a
// session bus for the no-keyring fallback.
//
// Run such tests with a fresh, unlocked keyring:
//
//	xvfb-run -a dbus-run-session -- sh -c 'export XDG_DATA_HOME=$(mktemp -d); eval $(echo -n pw | gnome-keyring-daemon --unlock --components=secrets); go test ./app/tokenstore/...'
package keyringtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/internal/realpart"
	"github.com/embeddable-tray/embeddable-tray/internal/secret"
)

// Service keeps the tests' keyring entries apart from the app's own.
const Service = "embeddable-tray-test"

// NeedSecretService skips (or, with CI set, fails) a test when no Secret Service answers
// on the session bus: gnome-keyring-daemon missing, no bus, or the keyring not running.
func NeedSecretService(t testing.TB) {
	t.Helper()
	const how = "; run under dbus-run-session with gnome-keyring-daemon --unlock --components=secrets"
	if _, err := exec.LookPath("gnome-keyring-daemon"); err != nil {
		realpart.Missing(t, "gnome-keyring-daemon is not installed"+how)
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		realpart.Missing(t, "DBUS_SESSION_BUS_ADDRESS is unset: no session bus"+how)
	}
	// A read that tolerates "not found" proves the keyring works without writing.
	if err := (secret.Entry{Service: Service, User: "probe"}).Probe(); err != nil {
		realpart.Missing(t, "no Secret Service answers on the session bus: "+err.Error()+how)
	}
}

// TempHome points HOME and the XDG directories at a new temporary directory for this
// test and returns it, so NoSecretsUnder can prove nothing was written to disk.
func TempHome(t testing.TB) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, ".local", "share"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, ".cache"))
	return home
}

// NoSecretsUnder fails the test when any file under dir holds one of secrets: keyring
// secrets must never land in a plain file.
func NoSecretsUnder(t testing.TB, dir string, secrets ...string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, secret := range secrets {
			assert.NotContains(t, string(b), secret, "a secret was found in %s", path)
		}
		return nil
	})
	require.NoError(t, err)
}

// childEnv marks the child process RunWithoutBus starts.
const childEnv = "KEYRINGTEST_NO_BUS_CHILD"

// InChildWithoutBus reports whether this process is the child RunWithoutBus started: the
// test then does its no-keyring checks (failing with t.Fatal) and returns.
func InChildWithoutBus() bool { return os.Getenv(childEnv) == "1" }

// RunWithoutBus runs the calling top-level test again in a child process whose session
// bus does not exist, requires it to pass and returns its verbose output. A child is
// needed because godbus keeps its first session connection for the whole process.
func RunWithoutBus(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"=1",
		"DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(t.TempDir(), "no-bus"))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "child: %s", out)
	return string(out)
}
