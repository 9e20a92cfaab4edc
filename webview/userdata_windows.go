package webview

/*
#cgo windows LDFLAGS: -lshell32
#include "appdata_windows.h"
*/
import "C"

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
)

// WebView2's user data folder (cookies, localStorage, IndexedDB, caches) under the app's own
// data directory, as WebKit's is under $XDG_DATA_HOME/<program name> on Linux.
//
// webview_go puts it at SHGetFolderPathW(CSIDL_APPDATA)\<exe name> (webview.h, embed) and has
// no option for another. WEBVIEW2_USER_DATA_FOLDER does not move it: that override is applied
// by Microsoft's loader (WebView2Loader.dll, which webview_go uses only if one lies next to the
// exe), and webview_go's built-in loader calls the runtime's
// CreateWebViewEnvironmentWithOptionsInternal directly with its own folder. So the package
// answers webview_go's question instead: while it makes a window, SHGetFolderPathW's
// CSIDL_APPDATA, asked on the UI thread through the program's import of it, is the app's data
// directory (appdata_windows.c), and webview_go's folder becomes
// <LocalAppData>\<program name>\<exe name>.

// appDataDir is what CSIDL_APPDATA answers while a window is made ("" : the real %APPDATA%);
// UI thread.
var appDataDir string

// wantedDataFolder is the user data folder WebView2 is to report, for the check in newNative
// ("" when the package could not choose one); UI thread.
var wantedDataFolder string

// webView2AppData is <LocalAppData>\<program name>: per machine, not roaming (website caches do
// not belong in a roaming profile), beside the app's launch lock.
func webView2AppData(localAppData, prgname string) (string, error) {
	if localAppData == "" || !filepath.IsAbs(localAppData) {
		return "", fmt.Errorf("webview: no local application data directory (%%LocalAppData%% is %q)", localAppData)
	}
	if prgname == "" || prgname != filepath.Base(prgname) || prgname == "." || prgname == ".." {
		return "", fmt.Errorf("webview: %q cannot name a directory", prgname)
	}
	return filepath.Join(localAppData, prgname), nil
}

// webView2FolderIn is the folder webview_go makes of appData: appData\<exe name>.
func webView2FolderIn(appData, exe string) string {
	return filepath.Join(appData, filepath.Base(exe))
}

// chooseWebView2AppData sets appDataDir to webView2AppData and makes it; it returns the user
// data folder WebView2 is then to report.
func chooseWebView2AppData(prgname string) (string, error) {
	local, err := os.UserCacheDir() // %LocalAppData%
	if err != nil {
		return "", fmt.Errorf("webview: no local application data directory: %w", err)
	}
	d, err := webView2AppData(local, prgname)
	if err != nil {
		return "", err
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("webview: the program's name: %w", err)
	}
	if err := os.MkdirAll(d, 0o700); err != nil {
		return "", fmt.Errorf("webview: WebView2's user data folder: %w", err)
	}
	appDataDir = d
	return webView2FolderIn(d, exe), nil
}

// withWebView2AppData runs mk, which makes a webview_go window, with CSIDL_APPDATA answering
// appDataDir on this thread. UI thread.
func withWebView2AppData(mk func()) error {
	if appDataDir == "" {
		mk()
		return nil
	}
	dir, err := windows.UTF16FromString(appDataDir)
	if err != nil || len(dir) > windows.MAX_PATH {
		mk()
		return fmt.Errorf("webview: %q cannot be WebView2's data directory", appDataDir)
	}
	if C.et_appdata_begin((*C.uint16_t)(unsafe.Pointer(&dir[0]))) == 0 {
		mk()
		return fmt.Errorf("webview: SHGetFolderPathW is not imported where the package can answer it")
	}
	defer C.et_appdata_end()
	mk()
	return nil
}

// askAppData asks CSIDL_APPDATA as webview_go does (for the tests).
func askAppData() (string, error) {
	buf := make([]uint16, windows.MAX_PATH)
	if hr := C.et_appdata_ask((*C.uint16_t)(unsafe.Pointer(&buf[0]))); hr < 0 {
		return "", fmt.Errorf("SHGetFolderPathW: HRESULT %#x", uint32(hr))
	}
	return windows.UTF16ToString(buf), nil
}

// sameFolder compares two Windows paths as the file system does (case-insensitively).
func sameFolder(a, b string) bool {
	return a != "" && b != "" && strings.EqualFold(filepath.Clean(a), filepath.Clean(b))
}
