package webview

import "golang.org/x/sys/windows"

// user32 is loaded from System32 only, never from the exe's directory or the PATH.
var (
	user32            = windows.NewLazySystemDLL("user32.dll")
	procShowWindow    = user32.NewProc("ShowWindow")
	procSetForeground = user32.NewProc("SetForegroundWindow")
	procIsIconic      = user32.NewProc("IsIconic")
	swHide, swShow    = uintptr(0), uintptr(5)
	swRestore         = uintptr(9)
)

// showNative shows the HWND, restores it if minimised, and asks for the foreground.
// Windows may refuse the foreground to a background process; the taskbar then flashes.
func showNative(hwnd windows.HWND) {
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

func hideNative(hwnd windows.HWND) {
	if hwnd != 0 {
		procShowWindow.Call(uintptr(hwnd), swHide)
	}
}
