package webview

import (
	"syscall"
	"unsafe"
)

var (
	user32            = syscall.NewLazyDLL("user32.dll")
	procShowWindow    = user32.NewProc("ShowWindow")
	procSetForeground = user32.NewProc("SetForegroundWindow")
	procIsIconic      = user32.NewProc("IsIconic")
	swHide, swShow    = uintptr(0), uintptr(5)
	swRestore         = uintptr(9)
)

// showNative shows the HWND, restores it if minimised, and asks for the foreground.
// Windows may refuse the foreground to a background process; the taskbar then flashes.
func showNative(hwnd unsafe.Pointer) {
	h := uintptr(hwnd)
	if h == 0 {
		return
	}
	if iconic, _, _ := procIsIconic.Call(h); iconic != 0 {
		procShowWindow.Call(h, swRestore)
	} else {
		procShowWindow.Call(h, swShow)
	}
	procSetForeground.Call(h)
}

func hideNative(hwnd unsafe.Pointer) {
	if hwnd != nil {
		procShowWindow.Call(uintptr(hwnd), swHide)
	}
}
