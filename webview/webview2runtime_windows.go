package webview

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// ErrNoWebView2 means the Microsoft Edge WebView2 Runtime, which shows the app's pages on
// Windows, is not installed (or too old for webview_go).
var ErrNoWebView2 = errors.New("webview: the Microsoft Edge WebView2 Runtime is not installed")

// WebView2DownloadURL is Microsoft's download page for the runtime.
const WebView2DownloadURL = "https://developer.microsoft.com/microsoft-edge/webview2/"

// Where the WebView2 Runtime records its installation, per machine (HKLM) or per user (HKCU):
// the stable channel's EdgeUpdate client state, whose EBWebView value is the runtime's
// versioned directory. webview_go looks in the same place (webview.h, find_installed_client)
// and, finding nothing, makes no window and returns a view whose every use crashes.
const (
	webView2ClientState = `SOFTWARE\Microsoft\EdgeUpdate\ClientState\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}`
	// webView2MinBuild is webview_go's minimum: the third part of the runtime's version.
	webView2MinBuild = 1150
)

// webView2Install is one place a runtime may be recorded.
type webView2Install struct {
	root registry.Key
	path string
}

var webView2Installs = []webView2Install{
	{registry.LOCAL_MACHINE, webView2ClientState},
	{registry.CURRENT_USER, webView2ClientState},
}

// findWebView2 returns the directory of an installed runtime that webview_go can use.
func findWebView2(installs []webView2Install) (string, error) {
	var reasons []string
	for _, in := range installs {
		dir, err := webView2At(in)
		if err == nil {
			return dir, nil
		}
		reasons = append(reasons, err.Error())
	}
	return "", fmt.Errorf("%w (%s)", ErrNoWebView2, strings.Join(reasons, "; "))
}

func webView2At(in webView2Install) (string, error) {
	// The EdgeUpdate keys live in the 32-bit registry view, as webview_go reads them.
	k, err := registry.OpenKey(in.root, in.path, registry.QUERY_VALUE|registry.WOW64_32KEY)
	if err != nil {
		return "", fmt.Errorf("%s: %w", in.path, err)
	}
	defer k.Close()
	dir, _, err := k.GetStringValue("EBWebView")
	if err != nil {
		return "", fmt.Errorf("%s\\EBWebView: %w", in.path, err)
	}
	if b := webView2Build(filepath.Base(dir)); b < webView2MinBuild {
		return "", fmt.Errorf("runtime %s is older than build %d", filepath.Base(dir), webView2MinBuild)
	}
	dll := filepath.Join(dir, "EBWebView", webView2Arch(), "EmbeddedBrowserWebView.dll")
	if _, err := os.Stat(dll); err != nil {
		return "", fmt.Errorf("runtime without its DLL: %w", err)
	}
	return dir, nil
}

// webView2Arch names the runtime's directory for this build's architecture.
func webView2Arch() string {
	switch runtime.GOARCH {
	case "386":
		return "x86"
	case "arm64":
		return "arm64"
	}
	return "x64"
}

// webView2Build returns the third part of a version such as 120.0.2210.91, or -1.
func webView2Build(version string) int {
	parts := strings.Split(version, ".")
	if len(parts) < 3 {
		return -1
	}
	n, err := strconv.Atoi(parts[2])
	if err != nil {
		return -1
	}
	return n
}

// checkWebView2 is the Windows part of New: without the runtime it tells the user what to
// install, offers the download page, and returns ErrNoWebView2 instead of crashing.
func checkWebView2(title string) error {
	_, err := findWebView2(webView2Installs)
	if err != nil {
		tellNoWebView2(title)
	}
	return err
}

// tellNoWebView2 shows the message; a variable for the tests, which must not block on a box.
var tellNoWebView2 = showNoWebView2Box

var (
	procMessageBoxW = user32.NewProc("MessageBoxW")
	shell32         = windows.NewLazySystemDLL("shell32.dll")
	procShellExecW  = shell32.NewProc("ShellExecuteW")
)

const (
	mbOKCancel      = 0x01
	mbIconError     = 0x10
	mbSetForeground = 0x10000
	idOK            = 1
	swShowNormal    = 1
)

// noWebView2Message is what the user reads when the runtime is missing.
func noWebView2Message(title string) string {
	return title + " needs the Microsoft Edge WebView2 Runtime to show its window, and it is " +
		"not installed on this computer.\n\nChoose OK to open Microsoft's download page. " +
		"Install the \"Evergreen Bootstrapper\", then start " + title + " again."
}

func showNoWebView2Box(title string) {
	text, err1 := windows.UTF16PtrFromString(noWebView2Message(title))
	caption, err2 := windows.UTF16PtrFromString(title)
	if err1 != nil || err2 != nil {
		return
	}
	r, _, _ := procMessageBoxW.Call(0, uintptr(unsafe.Pointer(text)), uintptr(unsafe.Pointer(caption)), mbOKCancel|mbIconError|mbSetForeground)
	if r != idOK {
		return
	}
	verb, _ := windows.UTF16PtrFromString("open")
	url, _ := windows.UTF16PtrFromString(WebView2DownloadURL)
	procShellExecW.Call(0, uintptr(unsafe.Pointer(verb)), uintptr(unsafe.Pointer(url)), 0, 0, swShowNormal)
}
