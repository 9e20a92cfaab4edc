package webview

// What the Windows window procedure (subclass_windows.go) does with a message, kept free of
// Win32 calls and build tags so that it is tested on every OS.

// Win32 message numbers (winuser.h) the procedure acts on.
const (
	wmClose      = 0x0010
	wmShowWindow = 0x0018
	wmNCDestroy  = 0x0082
)

// msgTarget is the window a message is for, as the procedure sees it.
type msgTarget interface {
	// closeRequested handles the title-bar close button, as Window.closeRequested does.
	closeRequested()
	// setVisible reports that the window was shown or hidden, as Window.setVisible does.
	setVisible(visible bool)
	// forget drops the window's registration; it gets no message after this one.
	forget()
}

// handleWindowMessage is the procedure put in front of webview_go's: forward hands the message
// on to webview_go's procedure and returns its result. detached says the window has been
// silenced (native.detach) and awaits its destruction.
//
//   - WM_CLOSE (the title-bar button, Alt+F4 and the taskbar's "Close window" all end as this
//     message) never reaches webview_go, whose answer is DestroyWindow and, once its last
//     window is gone, the end of the loop. The Window decides instead, as on Linux: the main
//     window hides or calls OnClose, a secondary one is destroyed by the package and then
//     calls OnClose, so a sign-in waiting on it can cancel. A detached window ignores it.
//   - WM_SHOWWINDOW sent by ShowWindow (lParam 0) reports the new visibility, as GTK's
//     notify::visible does on Linux; the ones sent because an owner window is minimised or
//     restored (lParam != 0) change nothing. A detached window reports nothing.
//   - WM_NCDESTROY, the last message a window gets, ends its registration so that a reused
//     HWND is never taken for it.
//
// Every other message goes to webview_go unchanged.
func handleWindowMessage(t msgTarget, detached bool, msg uint32, wParam, lParam uintptr, forward func() uintptr) uintptr {
	switch msg {
	case wmClose:
		if !detached {
			t.closeRequested()
		}
		return 0 // "an application should return zero if it processes this message"
	case wmShowWindow:
		r := forward()
		if !detached && lParam == 0 {
			t.setVisible(wParam != 0)
		}
		return r
	case wmNCDestroy:
		r := forward()
		t.forget()
		return r
	}
	return forward()
}
