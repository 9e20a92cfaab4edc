package webview

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// WebView2's user data folder (cookies, localStorage, IndexedDB, caches) under the app's own
// data directory, as WebKit's is under $XDG_DATA_HOME/<program name> on Linux.
//
// webview_go passes a folder of its own to WebView2 (%APPDATA%\<exe name>, webview.h's
// embed) and has no option for another. What moves it is WEBVIEW2_USER_DATA_FOLDER, which
// Microsoft documents for CreateCoreWebView2EnvironmentWithOptions as overriding the folder
// the app passes. webview_go does not go through Microsoft's WebView2Loader.dll (only when
// one lies next to the exe): its built-in loader calls the runtime's
// CreateWebViewEnvironmentWithOptionsInternal itself. The runtime reads the WEBVIEW2_*
// variables there too (it is the runtime's EmbeddedBrowserWebView.dll that parses
// WEBVIEW2_ADDITIONAL_BROWSER_ARGUMENTS, MicrosoftEdge/WebView2Feedback#5571), but that is
// observed, not documented: so the package asks WebView2 which folder it took (DataDir) and
// says so when it is not this one, and TestWebView2RuntimeOrAttach checks it on the Windows
// runner.

// userDataEnv is the variable WebView2 takes its user data folder from.
const userDataEnv = "WEBVIEW2_USER_DATA_FOLDER"

// wantedDataFolder is the folder chooseWebView2DataFolder chose; UI thread.
var wantedDataFolder string

// webView2DataFolder is <LocalAppData>\<program name>\WebView2: per machine, not roaming
// (website caches do not belong in a roaming profile), beside the app's launch lock.
func webView2DataFolder(localAppData, prgname string) (string, error) {
	if localAppData == "" || !filepath.IsAbs(localAppData) {
		return "", fmt.Errorf("webview: no local application data directory (%%LocalAppData%% is %q)", localAppData)
	}
	if prgname == "" || prgname != filepath.Base(prgname) || prgname == "." || prgname == ".." {
		return "", fmt.Errorf("webview: %q cannot name a directory", prgname)
	}
	return filepath.Join(localAppData, prgname, "WebView2"), nil
}

// chooseWebView2DataFolder points WebView2 at webView2DataFolder for every view this process
// makes, before the first one: unless WEBVIEW2_USER_DATA_FOLDER is set already (by an
// administrator, or a test), which then stands. It returns the folder WebView2 is to use.
func chooseWebView2DataFolder(prgname string) (string, error) {
	if d := os.Getenv(userDataEnv); d != "" {
		return d, nil
	}
	local, err := os.UserCacheDir() // %LocalAppData%
	if err != nil {
		return "", fmt.Errorf("webview: no local application data directory: %w", err)
	}
	d, err := webView2DataFolder(local, prgname)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(d, 0o700); err != nil {
		return "", fmt.Errorf("webview: WebView2's user data folder: %w", err)
	}
	if err := os.Setenv(userDataEnv, d); err != nil {
		return "", fmt.Errorf("webview: setting %s: %w", userDataEnv, err)
	}
	return d, nil
}

// sameFolder compares two Windows paths as the file system does (case-insensitively).
func sameFolder(a, b string) bool {
	return a != "" && b != "" && strings.EqualFold(filepath.Clean(a), filepath.Clean(b))
}
