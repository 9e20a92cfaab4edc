package webview

/*
#cgo linux pkg-config: gtk+-3.0 webkit2gtk-4.0
#include <stdlib.h>
#include "native_linux.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"runtime/cgo"
	"unsafe"

	wv "github.com/webview/webview_go"
)

// On Linux the package makes each GtkWindow itself and hands it to webview_go, which then
// only adds its WebKitWebView. A window webview_go does not own is not counted by it and
// gets none of its "destroy" handling, so destroying one never ends the loop, and the
// title-bar close button is ours to handle ("delete-event"). It also lets New report a
// failed gtk_init_check as an error instead of webview_go's broken view.

func platformInit(prgname string) error {
	cs := C.CString(prgname)
	defer C.free(unsafe.Pointer(cs))
	if C.et_init(cs) == 0 {
		return fmt.Errorf("webview: cannot open the display (DISPLAY=%q WAYLAND_DISPLAY=%q): GTK could not start", os.Getenv("DISPLAY"), os.Getenv("WAYLAND_DISPLAY"))
	}
	return nil
}

func platformRun()  { C.et_main() }
func platformQuit() { C.et_main_quit() }

func platformDispatch(f func()) {
	C.et_dispatch(C.uintptr_t(cgo.NewHandle(f)))
}

//export etIdle
func etIdle(h C.uintptr_t) {
	hh := cgo.Handle(h)
	f := hh.Value().(func())
	hh.Delete()
	f()
}

type gtkWindow struct {
	win       *C.GtkWidget
	wv        wv.WebView
	handle    cgo.Handle        // of the *Window, the data of every signal handler
	listening bool              // the host message handler is registered
	media     string            // the origin that may call (AllowMediaFor); "" none
	appLink   func(string) bool // OnAppLink's function
}

func newNative(w *Window) native {
	title := C.CString(w.opts.Title)
	defer C.free(unsafe.Pointer(title))
	resizable := C.int(0)
	if w.opts.Resizable {
		resizable = 1
	}
	win := C.et_window_new(title, C.int(w.opts.Width), C.int(w.opts.Height), resizable)
	g := &gtkWindow{win: win, wv: wv.NewWindow(w.opts.Debug, unsafe.Pointer(win)), handle: cgo.NewHandle(w)}
	C.et_configure_view(win)
	g.connectAppLinks() // before the navigation policy (media_linux.go)
	C.et_drop_bindings(win)
	C.et_connect(win, C.uintptr_t(g.handle))
	return g
}

func (g *gtkWindow) view() wv.WebView { return g.wv }
func (g *gtkWindow) show()            { C.et_present(g.win) }
func (g *gtkWindow) hide()            { C.et_hide(g.win) }
func (g *gtkWindow) detach()          { C.et_detach(g.win, C.uintptr_t(g.handle)) }

func (g *gtkWindow) destroy() {
	g.wv.Destroy() // the view only: webview_go does not own the window
	C.et_destroy(g.win)
	g.handle.Delete()
}

func (g *gtkWindow) addScript(js string, host bool) {
	cs := C.CString(js)
	defer C.free(unsafe.Pointer(cs))
	h := C.int(0)
	if host {
		h = 1
	}
	C.et_add_script(g.win, cs, h)
}

func (g *gtkWindow) listenHost() {
	if g.listening {
		return
	}
	g.listening = true
	C.et_listen_host(g.win, C.uintptr_t(g.handle))
}

func (g *gtkWindow) evalHost(js string) {
	cs := C.CString(js)
	defer C.free(unsafe.Pointer(cs))
	C.et_eval_host(g.win, cs)
}

// requestClose does what the title-bar close button does; UI thread. For tests.
func (g *gtkWindow) requestClose() { C.et_request_close(g.win) }

func windowOf(h C.uintptr_t) *Window { return cgo.Handle(h).Value().(*Window) }

//export etDeleteEvent
func etDeleteEvent(h C.uintptr_t) C.gboolean {
	windowOf(h).closeRequested()
	return C.TRUE // handled: GTK must not destroy the window behind our back
}

//export etVisibleChanged
func etVisibleChanged(h C.uintptr_t, visible C.gboolean) {
	windowOf(h).setVisible(visible != 0)
}

//export etURIChanged
func etURIChanged(h C.uintptr_t, uri *C.char, committed C.int) {
	if uri == nil {
		return
	}
	windowOf(h).uriChanged(C.GoString(uri), committed != 0)
}

//export etLoadFailed
func etLoadFailed(h C.uintptr_t, uri, domain *C.char, code C.int, message *C.char) C.gboolean {
	e := &LoadError{URI: C.GoString(uri), Domain: C.GoString(domain), Code: int(code), Message: C.GoString(message)}
	if windowOf(h).loadFailed(e.URI, e) {
		return C.TRUE
	}
	return C.FALSE
}

//export etHostMessage
func etHostMessage(h C.uintptr_t, msg *C.char, n C.size_t) {
	windowOf(h).hostMessage(C.GoStringN(msg, C.int(n)))
}

//export etHostDropped
func etHostDropped(h C.uintptr_t, isString C.int, size C.size_t) {
	windowOf(h).hostDropped(isString != 0, int(size))
}

//export etAllowLoad
func etAllowLoad(h C.uintptr_t, uri *C.char, stage, gesture C.int) C.gboolean {
	if windowOf(h).allowLoad(C.GoString(uri), loadStage(stage), gesture != 0) {
		return C.TRUE
	}
	return C.FALSE
}

// The helpers below answer questions about the WebKit set-up; UI thread.

// DataDir returns where WebKit keeps the website data of every window (localStorage,
// IndexedDB, cookies): $XDG_DATA_HOME/<program name>, kept across runs. Call it on the UI
// thread (in a Dispatch, or between New and Run).
func (u *UI) DataDir() (string, error) {
	if C.et_ephemeral() != 0 {
		return "", errors.New("webview: WebKit's website data is ephemeral: nothing survives a restart")
	}
	d := C.et_data_dir()
	defer C.g_free(C.gpointer(d))
	return C.GoString(d), nil
}

// hostNative is the C side's world, handler name and size cap, for a test.
func hostNative() (world, handler string, max int) {
	return C.ET_WORLD, C.ET_HANDLER, int(C.ET_MAX_HOST_MESSAGE)
}

func programName() string { return C.GoString(C.et_prgname()) }

func (g *gtkWindow) hardwareAccelerationNever() bool {
	return C.et_hardware_acceleration_never(g.win) != 0
}

func (g *gtkWindow) xid() uint64 { return uint64(C.et_xid(g.win)) }
