package keyringtest

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/internal/realpart"
)

// privateEnv marks the child process RunWithPrivateKeyring starts.
const privateEnv = "KEYRINGTEST_PRIVATE_CHILD"

// PrivatePassword is the password of the keyring RunWithPrivateKeyring starts.
const PrivatePassword = "keyringtest"

// InPrivateKeyring reports whether this process is the child RunWithPrivateKeyring
// started: the test then does its checks (Lock and Unlock may be used) and returns.
func InPrivateKeyring() bool { return os.Getenv(privateEnv) == "1" }

// RunWithPrivateKeyring runs the calling top-level test again in a child process with a
// session bus and a gnome-keyring of its own (password PrivatePassword), so that locking
// that keyring disturbs no other test. env is added to the child's environment. It
// requires the child to pass and returns its output.
func RunWithPrivateKeyring(t *testing.T, env ...string) string {
	t.Helper()
	for _, tool := range []string{"dbus-run-session", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			realpart.Missing(t, tool+" is not installed (apt-get install dbus gnome-keyring)")
		}
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	script := `eval "$(printf %s ` + PrivatePassword + ` | gnome-keyring-daemon --unlock --components=secrets)" && exec "$0" "$@"`
	cmd := exec.Command("dbus-run-session", "--", "sh", "-c", script, exe, "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.v")
	var childEnv []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "DBUS_SESSION_BUS_ADDRESS", "XDG_DATA_HOME", "XDG_RUNTIME_DIR":
			continue
		}
		childEnv = append(childEnv, kv)
	}
	cmd.Env = append(append(childEnv, privateEnv+"=1", "XDG_DATA_HOME="+t.TempDir(), "XDG_RUNTIME_DIR="+t.TempDir()), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "child: %s", out)
	return string(out)
}

const (
	secretsName = "org.freedesktop.secrets"
	secretsPath = dbus.ObjectPath("/org/freedesktop/secrets")
	loginPath   = dbus.ObjectPath("/org/freedesktop/secrets/collection/login")
)

// Lock locks the login keyring, as a screen lock or an idle timeout does, and makes its
// unlock prompt fail at once (no display for the prompter this bus starts) instead of
// waiting for a user: as if the user dismissed it. Only in the child of
// RunWithPrivateKeyring.
func Lock(t testing.TB) {
	t.Helper()
	require.True(t, InPrivateKeyring(), "Lock outside RunWithPrivateKeyring would lock the session's keyring")
	conn, err := dbus.SessionBus()
	require.NoError(t, err)
	require.NoError(t, conn.BusObject().Call("org.freedesktop.DBus.UpdateActivationEnvironment", 0,
		map[string]string{"DISPLAY": "", "WAYLAND_DISPLAY": ""}).Err)
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	require.NoError(t, conn.Object(secretsName, secretsPath).Call("org.freedesktop.Secret.Service.Lock", 0,
		[]dbus.ObjectPath{loginPath}).Store(&locked, &prompt))
	require.Equal(t, []dbus.ObjectPath{loginPath}, locked)
}

// Unlock unlocks the login keyring with PrivatePassword, without a prompt (gnome-keyring's
// own interface, as its PAM module does). Only in the child of RunWithPrivateKeyring.
func Unlock(t testing.TB) {
	t.Helper()
	require.True(t, InPrivateKeyring())
	conn, err := dbus.SessionBus()
	require.NoError(t, err)
	var out dbus.Variant
	var session dbus.ObjectPath
	require.NoError(t, conn.Object(secretsName, secretsPath).Call("org.freedesktop.Secret.Service.OpenSession", 0,
		"plain", dbus.MakeVariant("")).Store(&out, &session))
	secret := struct {
		Session     dbus.ObjectPath
		Parameters  []byte
		Value       []byte
		ContentType string
	}{session, []byte{}, []byte(PrivatePassword), "text/plain"}
	require.NoError(t, conn.Object(secretsName, secretsPath).Call(
		"org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface.UnlockWithMasterPassword", 0, loginPath, secret).Err)
}
