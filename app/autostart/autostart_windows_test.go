//go:build windows

package autostart

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// testValueName is the Run value these tests write, beside the app's own (left alone).
const testValueName = "EmbeddableTrayTest"

func TestRunValueRoundTrip(t *testing.T) {
	t.Cleanup(func() { _ = disableValue(testValueName) })
	require.NoError(t, disableValue(testValueName))
	on, err := enabledValue(testValueName)
	require.NoError(t, err)
	require.False(t, on)

	exe := `C:\Program Files\Embeddable Tray\embeddable-tray.exe`
	require.NoError(t, enableValue(testValueName, exe, []string{"--hidden"}))
	on, err = enabledValue(testValueName)
	require.NoError(t, err)
	assert.True(t, on)

	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	require.NoError(t, err)
	defer k.Close()
	line, typ, err := k.GetStringValue(testValueName)
	require.NoError(t, err)
	assert.Equal(t, uint32(registry.SZ), typ)
	// What Windows runs at sign-in is the value split by its own rules.
	argv, err := windows.DecomposeCommandLine(line)
	require.NoError(t, err)
	assert.Equal(t, []string{exe, "--hidden"}, argv)

	require.NoError(t, disableValue(testValueName))
	on, err = enabledValue(testValueName)
	require.NoError(t, err)
	assert.False(t, on)
	require.NoError(t, disableValue(testValueName), "disabling twice is fine")
}

func TestEnableRefuses(t *testing.T) {
	t.Cleanup(func() { _ = disableValue(testValueName) })
	assert.Error(t, enableValue(testValueName, `embeddable-tray.exe`, nil), "a relative path")
	assert.Error(t, enableValue(testValueName, `C:\x\embeddable-tray.exe`, []string{"a\nb"}), "a control character")
	on, err := enabledValue(testValueName)
	require.NoError(t, err)
	assert.False(t, on, "nothing written")
}

// The command lines windowsCommandLine makes split back into the same argv with Windows'
// own CommandLineToArgvW (under Wine or on Windows).
func TestWindowsCommandLineSplitsBack(t *testing.T) {
	for _, argv := range [][]string{
		{`C:\Program Files\App\app.exe`, "--hidden"},
		{`C:\a b\app.exe`, `with "quotes"`, `trailing\`, `C:\dir with space\`},
		{`C:\app.exe`, ""},
	} {
		line, err := windowsCommandLine(argv)
		require.NoError(t, err)
		got, err := windows.DecomposeCommandLine(line)
		require.NoError(t, err)
		assert.Equal(t, argv, got, line)
	}
}
