//go:build !linux

package webview

// AllowMediaFor makes the window a softphone's for the pages at origin: on Windows, WebView2
// gives the microphone to those pages only (allowMicrophone); WebKitGTK's rules are in
// media_linux.go.
func (w *Window) AllowMediaFor(origin string) { w.allowMicrophone(origin) }

// OnAppLink is not built on this platform yet: f is never called.
func (w *Window) OnAppLink(f func(uri string) bool) {}

// NativeWebRTC cannot tell on this platform yet: f hears that it could not say.
func (w *Window) NativeWebRTC(f func(native, ok bool)) { go f(false, false) }

// allowMicrophone lets pages at origin (scheme://host[:port]) use the microphone in this
// window where the web engine leaves the answer to the app: WebView2 on Windows, which
// otherwise asks the user. Every other page is refused the microphone, and every page the
// camera. AllowMediaFor calls it off Linux (media_other.go).
func (w *Window) allowMicrophone(origin string) {
	o := originOf(origin)
	w.do(func(n native) {
		if m, ok := n.(interface{ setMicrophoneOrigin(string) }); ok {
			m.setMicrophoneOrigin(o)
		}
	})
}
