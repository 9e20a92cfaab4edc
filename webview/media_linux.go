package webview

/*
#cgo linux pkg-config: gtk+-3.0 webkit2gtk-4.0
#include "media_linux.h"
*/
import "C"

import (
	"log/slog"
	"runtime/cgo"
)

// permission is what a page asks WebKit for, as media_linux.c sorts it.
type permission int

const (
	permissionOther         permission = C.ET_PERMISSION_OTHER
	permissionMicrophone    permission = C.ET_PERMISSION_MICROPHONE // audio capture alone
	permissionNotifications permission = C.ET_PERMISSION_NOTIFICATIONS
	permissionDeviceInfo    permission = C.ET_PERMISSION_DEVICE_INFO // device ids and labels
)

func (p permission) String() string {
	switch p {
	case permissionMicrophone:
		return "microphone"
	case permissionNotifications:
		return "notifications"
	case permissionDeviceInfo:
		return "device info"
	}
	return "other (camera, screen, location, ...)"
}

// AllowMediaFor makes the window a softphone's for the pages at origin (scheme://host[:port],
// the widget's): WebKit's media stream and WebRTC are on (where the build has WebRTC), those
// pages get the microphone alone, desktop notifications and the device list with labels (the
// web phone counts a microphone only when it has a label), and play sound without a user
// gesture (ringtones). Every other permission request, and every request of a page at another
// origin, is refused. Call it before the first Navigate; a later call changes the origin.
//
// WebKitGTK does not say which frame asks: the top page's URI decides. A frame of another
// origin is kept out by WebKit itself, whose Permissions Policy gives the microphone to a
// cross-origin frame only with allow="microphone" from the page (TestMediaPermissions), and by
// the window's navigation policy.
func (w *Window) AllowMediaFor(origin string) {
	o := originOf(origin)
	w.do(func(n native) {
		g, ok := n.(*gtkWindow)
		if !ok || o == "" {
			return
		}
		if g.media == "" {
			C.et_media_enable(g.win, C.uintptr_t(g.handle))
		}
		g.media = o
	})
}

// allowPermission decides a permission request of the page at pageURI.
func allowPermission(p permission, pageURI, mediaOrigin string) bool {
	if mediaOrigin == "" || originOf(pageURI) != mediaOrigin {
		return false
	}
	switch p {
	case permissionMicrophone, permissionNotifications, permissionDeviceInfo:
		return true
	}
	return false
}

// mediaOrigin is the origin that may call; UI thread.
func (w *Window) mediaOrigin() string {
	if g, ok := w.nat.(*gtkWindow); ok {
		return g.media
	}
	return ""
}

//export etPermission
func etPermission(h C.uintptr_t, kind C.int, uri *C.char) C.gboolean {
	w := windowOf(h)
	p, page := permission(kind), C.GoString(uri)
	if allowPermission(p, page, w.mediaOrigin()) {
		slog.Default().Debug("webview: allowed a permission", "window", w.opts.Title, "permission", p.String())
		return C.TRUE
	}
	slog.Default().Info("webview: refused a permission", "window", w.opts.Title, "permission", p.String(), "origin", originOf(page))
	return C.FALSE
}

//export etAutoplay
func etAutoplay(h C.uintptr_t, uri *C.char) C.gboolean {
	o := windowOf(h).mediaOrigin()
	if o != "" && originOf(C.GoString(uri)) == o {
		return C.TRUE
	}
	return C.FALSE
}

// OnAppLink sets the function told of every navigation of the page or of one of its frames,
// and of every new window, to a URI of a scheme the view does not load itself (rcapp:, tel:,
// mailto:, ...: another app's links). It is asked before the navigation policy, which would
// refuse such a link. When f returns true the link is taken as handled and nothing is loaded;
// otherwise the navigation policy and WebKit decide. f runs on the UI thread: keep it short.
// One function; a later call replaces it.
func (w *Window) OnAppLink(f func(uri string) bool) {
	w.do(func(n native) {
		if g, ok := n.(*gtkWindow); ok {
			g.appLink = f
		}
	})
}

//export etAppLink
func etAppLink(h C.uintptr_t, uri *C.char) C.gboolean {
	g, ok := windowOf(h).nat.(*gtkWindow)
	if ok && g.appLink != nil && g.appLink(C.GoString(uri)) {
		return C.TRUE
	}
	return C.FALSE
}

// NativeWebRTC asks whether the page now in the window has WebKit's own WebRTC
// (RTCPeerConnection); f gets the answer on the UI thread, ok false when the view could not
// say. The question is asked in the app's isolated world: a page script cannot fake the
// answer, and the app's calling shim, which lives in the page's world, does not count.
func (w *Window) NativeWebRTC(f func(native, ok bool)) {
	w.do(func(n native) {
		g, ok := n.(*gtkWindow)
		if !ok {
			f(false, false)
			return
		}
		C.et_native_webrtc(g.win, C.uintptr_t(cgo.NewHandle(f)))
	})
}

//export etNativeWebRTC
func etNativeWebRTC(callback C.uintptr_t, answer C.int) {
	h := cgo.Handle(callback)
	f := h.Value().(func(bool, bool))
	h.Delete()
	f(answer == 1, answer >= 0)
}

// connectAppLinks connects the view's app-link handler; newNative calls it before the
// navigation policy's handler, which would refuse such links first.
func (g *gtkWindow) connectAppLinks() { C.et_links_enable(g.win, C.uintptr_t(g.handle)) }
