package webview

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

// webview_go's constructor shows its window (ShowWindow, SetFocus) before it returns, so a
// window made Hidden (the app started at login, to the tray) would flash on the screen and
// take the focus before the package could hide it. Instead the package catches the window the
// moment it exists: a WH_CBT hook of the UI thread only, set for the constructor's duration,
// sees its creation (HCBT_CREATEWND, before WM_NCCREATE: MFC subclasses its windows the same
// way) and puts the package's procedure in front at once. For a Hidden window the procedure
// then takes SWP_SHOWWINDOW out of the constructor's show (WM_WINDOWPOSCHANGING) and the hook
// refuses its activation (HCBT_ACTIVATE), until newNative is done; Show shows it later as
// any window.

var (
	procSetWindowsHookExW   = user32.NewProc("SetWindowsHookExW")
	procUnhookWindowsHookEx = user32.NewProc("UnhookWindowsHookEx")
	procCallNextHookEx      = user32.NewProc("CallNextHookEx")
)

// Win32 constants (winuser.h).
const (
	whCBT               = 5
	hcbtCreateWnd       = 3
	hcbtActivate        = 5
	wmWindowPosChanging = 0x0046
	swpShowWindow       = 0x0040
)

// createStruct is CREATESTRUCTW; cbtCreateWnd is CBT_CREATEWNDW; windowPos is WINDOWPOS.
type createStruct struct {
	CreateParams, Instance, Menu, Parent uintptr
	Cy, Cx, Y, X                         int32
	Style                                int32
	Name, Class                          *uint16
	ExStyle                              uint32
}

type cbtCreateWnd struct {
	CS          *createStruct
	InsertAfter uintptr
}

type windowPos struct {
	Hwnd, InsertAfter uintptr
	X, Y, Cx, Cy      int32
	Flags             uint32
}

// viewClass is the window class of webview_go's top-level windows (webview.h); a variable so
// that a test can make windows of a class of its own (registering "webview" itself would take
// the name from webview_go).
var viewClass = "webview"

// cbtCallback is the hook's one C-callable procedure (see wndProcCallback).
var cbtCallback = windows.NewCallback(cbtProc)

// making is the window being made under the hook; UI thread only (the hook is the thread's).
var making struct {
	w    *Window
	hwnd windows.HWND
	err  error
}

// makeSubclassed runs mk, which makes w's webview_go window, with the hook: it returns the
// window it caught, subclassed (hwnd 0 if it caught none, with the reason). UI thread.
//
// Calls nest: webview_go's constructor pumps messages while WebView2 starts, and a queued
// Dispatch may make another window meanwhile. The inner call catches its own window (the
// outer one's was made before the pump) and puts the outer one's state back when it is done.
func makeSubclassed(w *Window, mk func()) (hwnd windows.HWND, err error) {
	hook, _, herr := procSetWindowsHookExW.Call(whCBT, cbtCallback, 0, uintptr(windows.GetCurrentThreadId()))
	if hook == 0 {
		mk()
		return 0, herr
	}
	outer := making
	making.w, making.hwnd, making.err = w, 0, nil
	defer func() {
		procUnhookWindowsHookEx.Call(hook)
		hwnd, err = making.hwnd, making.err
		making = outer
	}()
	mk()
	return
}

func cbtProc(code, wParam, lParam uintptr) uintptr {
	switch code {
	case hcbtCreateWnd:
		if making.w != nil && making.hwnd == 0 {
			cs := (*(**cbtCreateWnd)(unsafe.Pointer(&lParam))).CS // lParam is a CBT_CREATEWNDW* here
			if cs.Parent == 0 && className(cs.Class) == viewClass {
				hwnd := windows.HWND(wParam)
				making.hwnd = hwnd
				if making.err = subclassWindow(hwnd, making.w); making.err == nil {
					subclasses[hwnd].startHidden = making.w.opts.Hidden
				}
			}
		}
	case hcbtActivate:
		if s := subclasses[windows.HWND(wParam)]; s != nil && s.startHidden {
			return 1 // refused: the window stays out of sight and away from the focus
		}
	}
	r, _, _ := procCallNextHookEx.Call(0, code, wParam, lParam)
	return r
}

// className reads CREATESTRUCTW's lpszClass: a string, or an atom (a value below 0x10000).
func className(p *uint16) string {
	if uintptr(unsafe.Pointer(p)) < 0x10000 {
		return ""
	}
	return windows.UTF16PtrToString(p)
}

// keepHidden is the procedure's part for a window that starts hidden: a show takes nothing
// from it. It reports whether it answered msg itself (with r).
func keepHidden(msg uint32, wParam, lParam uintptr) (r uintptr, answered bool) {
	switch msg {
	case wmWindowPosChanging:
		(*(**windowPos)(unsafe.Pointer(&lParam))).Flags &^= swpShowWindow // lParam is a WINDOWPOS*
	case wmShowWindow:
		if wParam != 0 {
			return 0, true // not shown: neither webview_go nor the Window hears of it
		}
	}
	return 0, false
}

// startShown ends hwnd's start: from now on it is shown and activated as any window. UI thread.
func startShown(hwnd windows.HWND) {
	if s := subclasses[hwnd]; s != nil {
		s.startHidden = false
	}
}
