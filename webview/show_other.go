//go:build !linux && !windows

package webview

import (
	"unsafe"

	wv "github.com/webview/webview_go"
)

// showNative and hideNative are not implemented here yet (macOS would send
// makeKeyAndOrderFront:/orderOut: to the NSWindow): the window stays as it is.
func showNative(unsafe.Pointer) {}
func hideNative(unsafe.Pointer) {}

// checkRuntime has nothing to check here: WKWebView is part of macOS.
func checkRuntime(string) error { return nil }

// On macOS there is no isolated world yet: a host script runs in the page's world, and nothing
// reaches OnHostMessage. The app's bridge is then not connected, rather than connected through
// webview_go's injectable bindings. (Windows has its own channel: native_windows.go.)

func plainAddScript(v wv.WebView, js string) { v.Init(js) }
func plainEvalHost(v wv.WebView, js string)  { v.Eval(js) }
