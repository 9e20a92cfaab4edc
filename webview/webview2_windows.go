package webview

/*
#cgo windows LDFLAGS: -lole32
#include <stdlib.h>
#include "webview2_windows.h"
*/
import "C"

import (
	"fmt"
	"log/slog"
	"reflect"
	"runtime/cgo"
	"unsafe"

	wv "github.com/webview/webview_go"
	"golang.org/x/sys/windows"
)

// The Go half of webview2_windows.c: the WebView2 events of a window, on the UI thread.
//
// webview_go's WebView value keeps its webview_t in an unexported field; reflect reads it
// (no copy of webview_go's layout), and attachWebView2 checks the result against the
// window webview_go reports for it before using it.

// webview2 is one window's handlers; nil methods are safe (no WebView2 view).
type webview2 struct {
	e      *C.et2
	handle cgo.Handle
}

// viewHandle returns v's webview_t.
func viewHandle(v wv.WebView) (unsafe.Pointer, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("webview: unexpected webview_go value %T", v)
	}
	f := rv.Elem().FieldByName("w")
	if !f.IsValid() || f.Kind() != reflect.UnsafePointer {
		return nil, fmt.Errorf("webview: webview_go's %T has no webview_t field", v)
	}
	return unsafe.Pointer(f.Pointer()), nil
}

// attachWebView2 adds the package's handlers to w's view.
func attachWebView2(w *Window, v wv.WebView) (*webview2, error) {
	p, err := viewHandle(v)
	if err != nil {
		return nil, err
	}
	// webview_go's C functions dereference a nil webview_t: check it first.
	if p == nil || v.Window() == nil {
		return nil, fmt.Errorf("webview: webview_go made no WebView2 view")
	}
	h := cgo.NewHandle(w)
	e := C.et2_attach(p, C.uintptr_t(h), C.int(MaxHostMessage))
	if e == nil {
		h.Delete()
		return nil, fmt.Errorf("webview: webview_go's view has no WebView2 controller")
	}
	return &webview2{e: e, handle: h}, nil
}

func (b *webview2) listenHost() bool {
	return b != nil && C.et2_listen_host(b.e) != 0
}

func (b *webview2) addScript(js string) error {
	if b == nil {
		return fmt.Errorf("webview: no WebView2 view")
	}
	return b.call("AddScriptToExecuteOnDocumentCreated", js, func(s *C.uint16_t) C.long { return C.et2_add_script(b.e, s) })
}

func (b *webview2) eval(js string) error {
	if b == nil {
		return fmt.Errorf("webview: no WebView2 view")
	}
	return b.call("ExecuteScript", js, func(s *C.uint16_t) C.long { return C.et2_eval(b.e, s) })
}

func (b *webview2) call(what, js string, f func(*C.uint16_t) C.long) error {
	u, err := windows.UTF16FromString(js)
	if err != nil {
		return fmt.Errorf("webview: %s: %w", what, err)
	}
	p := (*C.uint16_t)(C.malloc(C.size_t(len(u) * 2)))
	defer C.free(unsafe.Pointer(p))
	copy(unsafe.Slice((*uint16)(unsafe.Pointer(p)), len(u)), u)
	if hr := f(p); hr < 0 {
		return fmt.Errorf("webview: %s: HRESULT %#x", what, uint32(hr))
	}
	return nil
}

// userDataFolder is where WebView2 keeps this view's website data.
func (b *webview2) userDataFolder() (string, error) {
	if b == nil {
		return "", fmt.Errorf("webview: no WebView2 view")
	}
	p := C.et2_user_data_folder(b.e)
	if p == nil {
		return "", fmt.Errorf("webview: WebView2 did not say where its user data folder is")
	}
	defer C.et2_free_string(p)
	return windows.UTF16PtrToString((*uint16)(unsafe.Pointer(p))), nil
}

// detach removes the handlers: WebView2 calls nothing of the window after it.
func (b *webview2) detach() {
	if b != nil {
		C.et2_detach(b.e)
	}
}

func (b *webview2) free() {
	if b != nil {
		C.et2_free(b.e)
		b.handle.Delete()
	}
}

func utf16Arg(p *C.uint16_t, n C.int) string {
	if p == nil || n <= 0 {
		return ""
	}
	return windows.UTF16ToString(unsafe.Slice((*uint16)(unsafe.Pointer(p)), int(n)))
}

func webview2Window(h C.uintptr_t) *Window {
	if h == 0 {
		return nil
	}
	return cgo.Handle(h).Value().(*Window)
}

//export etw2HostMessage
func etw2HostMessage(h C.uintptr_t, src *C.uint16_t, srcLen C.int, msg *C.uint16_t, msgLen C.int) {
	w := webview2Window(h)
	if w == nil {
		return
	}
	m := utf16Arg(msg, msgLen)
	if len(m) > MaxHostMessage {
		w.hostDropped(true, len(m))
		return
	}
	if source := utf16Arg(src, srcLen); !fromCommittedOrigin(source, w.committed) {
		slog.Default().Warn("webview: dropped a host message from a document of another origin than the committed page",
			"window", w.opts.Title, "source", redactedURI(source))
		return
	}
	w.hostMessage(m)
}

//export etw2HostDropped
func etw2HostDropped(h C.uintptr_t, isString C.int, size C.int) {
	if w := webview2Window(h); w != nil {
		w.hostDropped(isString != 0, int(size))
	}
}

//export etw2Permission
func etw2Permission(h C.uintptr_t, uri *C.uint16_t, n C.int, kind C.int) C.int {
	w := webview2Window(h)
	if w == nil {
		return C.int(wv2Default)
	}
	return C.int(w.permission(utf16Arg(uri, n), wv2PermissionKind(kind)))
}

//export etw2Navigation
func etw2Navigation(h C.uintptr_t, uri *C.uint16_t, n C.int, frame, user C.int) C.int {
	w := webview2Window(h)
	u := utf16Arg(uri, n)
	if w == nil || appOwnPage(u, frame == 0) || w.webView2Allows(u, frame != 0, user != 0) {
		return 1
	}
	return 0
}

//export etw2Committed
func etw2Committed(h C.uintptr_t, uri *C.uint16_t, n C.int) {
	if w := webview2Window(h); w != nil {
		w.uriChanged(utf16Arg(uri, n), true)
	}
}

//export etw2SourceChanged
func etw2SourceChanged(h C.uintptr_t, uri *C.uint16_t, n C.int) {
	if w := webview2Window(h); w != nil {
		w.uriChanged(utf16Arg(uri, n), false)
	}
}

//export etw2LoadFailed
func etw2LoadFailed(h C.uintptr_t, uri *C.uint16_t, n C.int, status C.int) {
	if w := webview2Window(h); w != nil {
		u := utf16Arg(uri, n)
		w.loadFailed(u, webErrorStatusError(u, int(status)))
	}
}

//export etw2NewWindow
func etw2NewWindow(h C.uintptr_t, uri *C.uint16_t, n C.int, user C.int) {
	if w := webview2Window(h); w != nil {
		u := utf16Arg(uri, n)
		slog.Default().Info("webview: the page asked for a new window; none is opened",
			"window", w.opts.Title, "url", redactedURI(u))
		w.allowLoad(u, stageNewWindow, user != 0) // the user's goes Elsewhere
	}
}
