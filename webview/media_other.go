//go:build !linux

package webview

// AllowMediaFor makes the window a softphone's for the pages at origin. Only WebKitGTK is
// handled here; WebView2's microphone rule is its own (native_windows.go).
func (w *Window) AllowMediaFor(origin string) {}
