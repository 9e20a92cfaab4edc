package webview

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These run under Wine in `make test`; that WebView2 itself takes the folder is checked by
// TestWebView2RuntimeOrAttach on the Windows runner only.

func TestWebView2DataFolder(t *testing.T) {
	for _, c := range []struct {
		local, prg, want string
	}{
		{`C:\Users\ann\AppData\Local`, "embeddable-tray", `C:\Users\ann\AppData\Local\embeddable-tray\WebView2`},
		{`C:\Users\ann\AppData\Local\`, "embeddable-tray", `C:\Users\ann\AppData\Local\embeddable-tray\WebView2`},
		{"", "embeddable-tray", ""},
		{`relative\dir`, "embeddable-tray", ""},
		{`C:\Local`, "", ""},
		{`C:\Local`, `..\elsewhere`, ""},
		{`C:\Local`, "..", ""},
	} {
		got, err := webView2DataFolder(c.local, c.prg)
		if c.want == "" {
			assert.Error(t, err, "%q %q", c.local, c.prg)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, c.want, got)
	}
}

// localAppData points os.UserCacheDir at a fresh directory and clears WEBVIEW2_USER_DATA_FOLDER.
func localAppData(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "localappdata")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) }) // Wine cannot remove it the way t.TempDir checks
	t.Setenv("LocalAppData", dir)
	t.Setenv(userDataEnv, "")
	return dir
}

func TestChooseWebView2DataFolder(t *testing.T) {
	t.Run("the app's folder, made and handed to WebView2", func(t *testing.T) {
		local := localAppData(t)
		d, err := chooseWebView2DataFolder("embeddable-tray")
		require.NoError(t, err)
		assert.Equal(t, filepath.Join(local, "embeddable-tray", "WebView2"), d)
		assert.Equal(t, d, os.Getenv(userDataEnv))
		fi, err := os.Stat(d)
		require.NoError(t, err)
		assert.True(t, fi.IsDir())
	})
	t.Run("an administrator's choice stands", func(t *testing.T) {
		localAppData(t)
		t.Setenv(userDataEnv, `D:\Profiles\webview`)
		d, err := chooseWebView2DataFolder("embeddable-tray")
		require.NoError(t, err)
		assert.Equal(t, `D:\Profiles\webview`, d)
		assert.Equal(t, `D:\Profiles\webview`, os.Getenv(userDataEnv))
	})
	t.Run("no place for it: WebView2 keeps webview_go's folder", func(t *testing.T) {
		localAppData(t)
		t.Setenv("LocalAppData", "")
		_, err := chooseWebView2DataFolder("embeddable-tray")
		require.Error(t, err)
		assert.Empty(t, os.Getenv(userDataEnv))
	})
}

func TestSameFolder(t *testing.T) {
	assert.True(t, sameFolder(`C:\Users\Ann\AppData\Local\x\WebView2`, `c:\users\ann\appdata\local\x\WebView2\`))
	assert.False(t, sameFolder(`C:\a\WebView2`, `C:\b\WebView2`))
	assert.False(t, sameFolder("", ""))
}
