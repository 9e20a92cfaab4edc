package webview

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The window procedure the package puts in front of webview_go's on every window it makes
// ("subclassing" by GWLP_WNDPROC). What it does with each message is handleWindowMessage's
// (close_policy.go); this file is the Win32 glue.
//
// Threading: Windows calls a window's procedure on the thread that made the window, and
// subclassWindow checks that this is the calling thread, the UI thread (newNative runs
// there). So wndProc, and the Window methods it calls, run on the UI thread, inside
// webview_go's message loop; and subclasses is touched there only. It has no lock on
// purpose: a forwarded message can send nested messages to the same procedure, and a lock
// held across the forwarding would deadlock.

var (
	procCallWindowProcW   = user32.NewProc("CallWindowProcW")
	procDefWindowProcW    = user32.NewProc("DefWindowProcW")
	procSetWindowLongPtrW = user32.NewProc(setWindowLongPtrName())
)

// setWindowLongPtrName: 32-bit user32 has no SetWindowLongPtrW (winuser.h maps the name to
// SetWindowLongW there).
func setWindowLongPtrName() string {
	if unsafe.Sizeof(uintptr(0)) == 4 {
		return "SetWindowLongW"
	}
	return "SetWindowLongPtrW"
}

// gwlpWndProc is GWLP_WNDPROC (-4), as the int argument travels in a register.
const gwlpWndProc = ^uintptr(3)

// wndProcCallback is the one C-callable procedure for every window, which tells windows
// apart by HWND. It is made once: NewCallback's callbacks are never freed and a process
// gets only a couple of thousand. Being a package variable it is never collected, and
// subclasses keeps each registered *Window reachable for as long as Windows can call in
// for it.
var wndProcCallback = windows.NewCallback(wndProc)

// subclasses holds each window whose procedure is ours, by HWND. UI thread only.
var subclasses = map[windows.HWND]*subclass{}

// subclass is one window's registration; it is the msgTarget of its messages.
type subclass struct {
	w        *Window
	hwnd     windows.HWND
	prev     uintptr // webview_go's procedure, which gets every message we do not keep
	detached bool
	// startHidden: the window is being made Hidden and must not be shown (starthidden_windows.go).
	startHidden bool
}

func (s *subclass) closeRequested()   { s.w.closeRequested() }
func (s *subclass) setVisible(v bool) { s.w.setVisible(v) }
func (s *subclass) forget()           { unsubclassWindow(s.hwnd) }

func wndProc(hwnd, msg, wParam, lParam uintptr) uintptr {
	s := subclasses[windows.HWND(hwnd)]
	if s == nil {
		// Not reached while the procedure is installed: the registration outlives it.
		r, _, _ := procDefWindowProcW.Call(hwnd, msg, wParam, lParam)
		return r
	}
	if s.startHidden {
		if r, answered := keepHidden(uint32(msg), wParam, lParam); answered {
			return r
		}
	}
	return handleWindowMessage(s, s.detached, uint32(msg), wParam, lParam, func() uintptr {
		r, _, _ := procCallWindowProcW.Call(s.prev, hwnd, msg, wParam, lParam)
		return r
	})
}

// subclassWindow installs wndProc as hwnd's procedure, for w. UI thread.
func subclassWindow(hwnd windows.HWND, w *Window) error {
	if hwnd == 0 {
		return errors.New("webview: webview_go made no window (is the WebView2 runtime installed?)")
	}
	if _, ok := subclasses[hwnd]; ok {
		return fmt.Errorf("webview: window %#x is already subclassed", uintptr(hwnd))
	}
	owner, err := windows.GetWindowThreadProcessId(hwnd, nil)
	if err != nil {
		return fmt.Errorf("webview: the thread of window %#x: %w", uintptr(hwnd), err)
	}
	if ui := windows.GetCurrentThreadId(); owner != ui {
		return fmt.Errorf("webview: window %#x belongs to thread %d, not to the UI thread %d", uintptr(hwnd), owner, ui)
	}
	// Setting the procedure sends no message, so none can reach wndProc before the
	// registration below knows prev.
	prev, _, err := procSetWindowLongPtrW.Call(uintptr(hwnd), gwlpWndProc, wndProcCallback)
	if prev == 0 {
		return fmt.Errorf("webview: setting the procedure of window %#x: %w", uintptr(hwnd), err)
	}
	subclasses[hwnd] = &subclass{w: w, hwnd: hwnd, prev: prev}
	return nil
}

// detachSubclass silences hwnd's procedure: the close button does nothing and visibility is
// no longer reported. UI thread.
func detachSubclass(hwnd windows.HWND) {
	if s := subclasses[hwnd]; s != nil {
		s.detached = true
	}
}

// unsubclassWindow forgets hwnd. Call it once Windows can no longer call wndProc for it:
// after WM_NCDESTROY, or after webview_go's Destroy, which puts back a procedure of its own
// before it destroys the window. UI thread.
func unsubclassWindow(hwnd windows.HWND) { delete(subclasses, hwnd) }
