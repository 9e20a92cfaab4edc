//go:build !linux && !windows

package webview

import "unsafe"

// showNative and hideNative are not implemented here yet (macOS would send
// makeKeyAndOrderFront:/orderOut: to the NSWindow): the window stays as it is.
func showNative(unsafe.Pointer) {}
func hideNative(unsafe.Pointer) {}

// checkRuntime has nothing to check here: WKWebView is part of macOS.
func checkRuntime(string) error { return nil }
