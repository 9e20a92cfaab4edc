package webview

import (
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These run under Wine in `make test`: that webview_go's SHGetFolderPathW gets the app's
// directory while a window is made. That WebView2 then keeps its data there is checked by
// TestWebView2RuntimeOrAttach on the Windows runner only.

func TestWebView2AppData(t *testing.T) {
	for _, c := range []struct {
		local, prg, want string
	}{
		{`C:\Users\ann\AppData\Local`, "embeddable-tray", `C:\Users\ann\AppData\Local\embeddable-tray`},
		{`C:\Users\ann\AppData\Local\`, "embeddable-tray", `C:\Users\ann\AppData\Local\embeddable-tray`},
		{"", "embeddable-tray", ""},
		{`relative\dir`, "embeddable-tray", ""},
		{`C:\Local`, "", ""},
		{`C:\Local`, `..\elsewhere`, ""},
		{`C:\Local`, "..", ""},
	} {
		got, err := webView2AppData(c.local, c.prg)
		if c.want == "" {
			assert.Error(t, err, "%q %q", c.local, c.prg)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, c.want, got)
	}
	assert.Equal(t, `C:\Local\embeddable-tray\embeddable-tray.exe`,
		webView2FolderIn(`C:\Local\embeddable-tray`, `C:\Program Files\Embeddable Tray\embeddable-tray.exe`))
}

// localAppData points os.UserCacheDir at a fresh directory, and puts appDataDir back after.
func localAppData(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "localappdata")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) }) // Wine cannot remove it the way t.TempDir checks
	t.Setenv("LocalAppData", dir)
	old, oldWanted := appDataDir, wantedDataFolder
	t.Cleanup(func() { appDataDir, wantedDataFolder = old, oldWanted })
	return dir
}

func TestWebView2AppDataWhileAWindowIsMade(t *testing.T) {
	runtime.LockOSThread() // the answer is the UI thread's
	defer runtime.UnlockOSThread()
	real, err := askAppData()
	require.NoError(t, err)
	require.NotEmpty(t, real)

	local := localAppData(t)
	want, err := chooseWebView2AppData("embeddable-tray")
	require.NoError(t, err)
	exe, err := os.Executable()
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(local, "embeddable-tray", filepath.Base(exe)), want)
	fi, err := os.Stat(filepath.Join(local, "embeddable-tray"))
	require.NoError(t, err, "the directory is made")
	assert.True(t, fi.IsDir())

	var during, elsewhere string
	var wg sync.WaitGroup
	require.NoError(t, withWebView2AppData(func() {
		during, err = askAppData()
		require.NoError(t, err)
		wg.Add(1)
		go func() { // another thread, meanwhile
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			elsewhere, _ = askAppData()
		}()
		wg.Wait()
	}))
	assert.Equal(t, filepath.Join(local, "embeddable-tray"), during, "webview_go's question gets the app's directory")
	assert.Equal(t, want, webView2FolderIn(during, exe), "so its folder is the app's")
	assert.Equal(t, real, elsewhere, "another thread gets the real one")
	after, err := askAppData()
	require.NoError(t, err)
	assert.Equal(t, real, after, "and so does everyone once the window is made")
}

func TestSameFolder(t *testing.T) {
	assert.True(t, sameFolder(`C:\Users\Ann\AppData\Local\x\WebView2`, `c:\users\ann\appdata\local\x\WebView2\`))
	assert.False(t, sameFolder(`C:\a\WebView2`, `C:\b\WebView2`))
	assert.False(t, sameFolder("", ""))
}
