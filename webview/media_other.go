//go:build !linux

package webview

// AllowMediaFor makes the window a softphone's for the pages at origin. Only WebKitGTK is
// handled here; WebView2's microphone rule is its own (native_windows.go).
func (w *Window) AllowMediaFor(origin string) {}

// OnAppLink is not built on this platform yet: f is never called.
func (w *Window) OnAppLink(f func(uri string) bool) {}

// NativeWebRTC cannot tell on this platform yet: f hears that it could not say.
func (w *Window) NativeWebRTC(f func(native, ok bool)) { go f(false, false) }
