//go:build linux

package autostart

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/embeddable-tray/embeddable-tray/internal/realpart"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// xdgHome points XDG_CONFIG_HOME and XDG_CONFIG_DIRS at temporary
// directories and returns the user and system autostart entry paths.
func xdgHome(t *testing.T) (user, system string) {
	t.Helper()
	home, sys := t.TempDir(), t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("XDG_CONFIG_DIRS", sys)
	return filepath.Join(home, "autostart", "embeddable-tray.desktop"),
		filepath.Join(sys, "autostart", "embeddable-tray.desktop")
}

func enabled(t *testing.T) bool {
	t.Helper()
	on, err := Enabled()
	require.NoError(t, err)
	return on
}

func TestXDGEnableDisable(t *testing.T) {
	user, _ := xdgHome(t)
	require.True(t, Supported())
	assert.False(t, enabled(t), "nothing written yet")

	exe := "/opt/Embeddable Tray/embeddable-tray"
	require.NoError(t, Enable(exe))
	assert.True(t, enabled(t))
	data, err := os.ReadFile(user)
	require.NoError(t, err)
	assert.Contains(t, string(data), `Exec="/opt/Embeddable Tray/embeddable-tray"`+"\n")
	assert.Contains(t, string(data), "X-GNOME-Autostart-enabled=true\n")

	t.Run("the entry is valid", func(t *testing.T) {
		validate, err := exec.LookPath("desktop-file-validate")
		if err != nil {
			missing(t, "desktop-file-validate not found (apt-get install desktop-file-utils)")
		}
		out, err := exec.Command(validate, user).CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Empty(t, string(out), "no warnings either")
	})

	require.NoError(t, Enable(exe, "--hidden"), "enabling twice rewrites the entry")
	data, err = os.ReadFile(user)
	require.NoError(t, err)
	assert.Contains(t, string(data), `Exec="/opt/Embeddable Tray/embeddable-tray" --hidden`+"\n")

	require.NoError(t, Disable())
	assert.False(t, enabled(t))
	assert.NoFileExists(t, user)
	require.NoError(t, Disable(), "disabling twice is fine")
}

func TestXDGRespectsTheUsersSwitch(t *testing.T) {
	user, _ := xdgHome(t)
	require.NoError(t, os.MkdirAll(filepath.Dir(user), 0o755))
	require.NoError(t, os.WriteFile(user, []byte("[Desktop Entry]\nType=Application\nName=x\nExec=/x\nX-GNOME-Autostart-enabled=false\n"), 0o644))
	assert.False(t, enabled(t), "turned off in the desktop's settings")
}

func TestXDGSystemEntry(t *testing.T) {
	user, system := xdgHome(t)
	require.NoError(t, os.MkdirAll(filepath.Dir(system), 0o755))
	require.NoError(t, os.WriteFile(system, []byte(mustEntry(t)), 0o644))
	assert.True(t, enabled(t), "a packaged system-wide entry starts the app")

	require.NoError(t, Disable())
	assert.False(t, enabled(t), "the user's Hidden=true overrides it")
	data, err := os.ReadFile(user)
	require.NoError(t, err)
	assert.Contains(t, string(data), "Hidden=true")

	require.NoError(t, Enable("/usr/bin/embeddable-tray"))
	assert.True(t, enabled(t))
}

func TestXDGRefusesRelativeExe(t *testing.T) {
	user, _ := xdgHome(t)
	require.Error(t, Enable("embeddable-tray"))
	assert.NoFileExists(t, user)
}

// missing is realpart.Missing: a skip locally, a failure under CI.
func missing(t *testing.T, reason string) {
	t.Helper()
	realpart.Missing(t, reason)
}
