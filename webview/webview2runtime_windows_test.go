package webview

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	wv "github.com/webview/webview_go"
	"golang.org/x/sys/windows/registry"
)

// These run under Wine in `make test` (which has no WebView2 Runtime) and on the Windows
// runner (which has one).

// testClientState is where the tests record fake runtimes, instead of EdgeUpdate's key.
const testClientState = `Software\EmbeddableTrayTest\ClientState`

// fakeRuntime records a runtime of version at dir in HKCU, with its DLL when withDLL.
func fakeRuntime(t *testing.T, version string, withDLL bool) webView2Install {
	t.Helper()
	dir, err := os.MkdirTemp("", "wv2")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) }) // Wine cannot remove it the way t.TempDir checks
	runtimeDir := filepath.Join(dir, version)
	if withDLL {
		dllDir := filepath.Join(runtimeDir, "EBWebView", webView2Arch())
		require.NoError(t, os.MkdirAll(dllDir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dllDir, "EmbeddedBrowserWebView.dll"), []byte("MZ"), 0o644))
	}
	k, _, err := registry.CreateKey(registry.CURRENT_USER, testClientState, registry.SET_VALUE|registry.WOW64_32KEY)
	require.NoError(t, err)
	defer k.Close()
	require.NoError(t, k.SetStringValue("EBWebView", runtimeDir))
	t.Cleanup(func() { _ = registry.DeleteKey(registry.CURRENT_USER, testClientState) })
	return webView2Install{registry.CURRENT_USER, testClientState}
}

func TestFindWebView2(t *testing.T) {
	missing := webView2Install{registry.CURRENT_USER, `Software\EmbeddableTrayTest\Nothing`}

	t.Run("installed", func(t *testing.T) {
		in := fakeRuntime(t, "120.0.2210.91", true)
		dir, err := findWebView2([]webView2Install{missing, in})
		require.NoError(t, err)
		assert.Equal(t, "120.0.2210.91", filepath.Base(dir))
	})
	t.Run("not installed", func(t *testing.T) {
		_, err := findWebView2([]webView2Install{missing})
		require.True(t, errors.Is(err, ErrNoWebView2), "%v", err)
	})
	t.Run("older than webview_go needs", func(t *testing.T) {
		in := fakeRuntime(t, "86.0.616.0", true)
		_, err := findWebView2([]webView2Install{in})
		require.True(t, errors.Is(err, ErrNoWebView2))
		assert.Contains(t, err.Error(), "older")
	})
	t.Run("recorded but removed", func(t *testing.T) {
		in := fakeRuntime(t, "120.0.2210.91", false)
		_, err := findWebView2([]webView2Install{in})
		require.True(t, errors.Is(err, ErrNoWebView2))
	})
}

func TestWebView2Build(t *testing.T) {
	for in, want := range map[string]int{"120.0.2210.91": 2210, "1.0.1150": 1150, "120.0": -1, "a.b.c": -1, "": -1} {
		assert.Equal(t, want, webView2Build(in), in)
	}
}

func TestNoWebView2MessageNamesTheFix(t *testing.T) {
	msg := noWebView2Message("Embeddable Tray")
	assert.Contains(t, msg, "WebView2 Runtime")
	assert.Contains(t, msg, "download page")
}

// Without the runtime (Wine), New tells the user and returns ErrNoWebView2: webview_go itself
// would hang or crash there (its view's destructor waits on a message window it never made).
// With it (the Windows runner), webview_go's view is made, the package's handlers attach to it
// through the webview_t reflect reads, and WebView2 keeps its data in the app's directory
// (userdata_windows.go), not in webview_go's %APPDATA%\<exe name>: the one place where that
// is proven.
func TestWebView2RuntimeOrAttach(t *testing.T) {
	runtime.LockOSThread() // a WebView2 view belongs to the thread that made it
	defer runtime.UnlockOSThread()
	if _, err := findWebView2(webView2Installs); err != nil {
		var told []string
		tellNoWebView2 = func(title string) { told = append(told, title) }
		t.Cleanup(func() { tellNoWebView2 = showNoWebView2Box })
		ui, err := New(Options{Title: "no runtime", ProgramName: "Embeddable Tray"})
		require.Nil(t, ui)
		require.True(t, errors.Is(err, ErrNoWebView2), "%v", err)
		assert.Equal(t, []string{"Embeddable Tray"}, told, "the user is told, once")
		return
	}

	localAppData(t)
	want, err := chooseWebView2AppData("embeddable-tray-test")
	require.NoError(t, err)
	var v wv.WebView
	require.NoError(t, withWebView2AppData(func() { v = wv.New(false) }))
	defer v.Destroy()
	p, err := viewHandle(v)
	require.NoError(t, err, "webview_go's value still has its webview_t field")
	require.NotNil(t, p)
	b, err := attachWebView2(&Window{opts: Options{Title: "attach test"}}, v)
	require.NoError(t, err)
	defer b.free()
	dir, err := b.userDataFolder()
	require.NoError(t, err)
	assert.True(t, sameFolder(want, dir), "WebView2 took %s, not %s", dir, want)
	require.NoError(t, b.addScript(webView2Script("window.x = 1;", true)))
	assert.True(t, b.listenHost())
}
