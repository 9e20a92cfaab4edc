//go:build windows

package notify

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"unsafe"

	"github.com/godbus/dbus/v5"
	"golang.org/x/sys/windows"
)

// On Windows a notification is a balloon of the app's own notification-area icon: the one
// fyne.io/systray (v1.12.2) puts there, from its hidden window of class "SystrayClass" with
// icon ID 100 and callback message WM_USER+1. Windows 10 and 11 show such a balloon as a
// toast in the Action Center. A click on it comes back to that window as the callback message
// with NIN_BALLOONUSERCLICK, which systray ignores; the Notifier puts its own procedure in
// front of systray's to catch it, and hands every other message on unchanged.

// systray's icon, as its systray_windows.go makes it.
const (
	systrayClass    = "SystrayClass"
	systrayIconID   = 100
	systrayCallback = wmUser + 1
)

// Win32 constants (winuser.h, shellapi.h).
const (
	wmUser              = 0x0400
	ninBalloonUserClick = wmUser + 5
	nimModify           = 0x01
	nifInfo             = 0x10
	niifInfo            = 0x01
	niifRespectQuietTim = 0x80 // no balloon in presentation mode or the first hour after sign-up
	gwlpWndProc         = ^uintptr(3)
	maxTitle            = 64  // NOTIFYICONDATAW.szInfoTitle, with its NUL
	maxBody             = 256 // NOTIFYICONDATAW.szInfo, with its NUL
)

// notifyIconData is NOTIFYICONDATAW (Vista and later), as systray declares it.
type notifyIconData struct {
	Size                       uint32
	Wnd                        windows.HWND
	ID, Flags, CallbackMessage uint32
	Icon                       windows.Handle
	Tip                        [128]uint16
	State, StateMask           uint32
	Info                       [maxBody]uint16
	Timeout, Version           uint32
	InfoTitle                  [maxTitle]uint16
	InfoFlags                  uint32
	GUIDItem                   windows.GUID
	BalloonIcon                windows.Handle
}

var (
	user32                = windows.NewLazySystemDLL("user32.dll")
	shell32               = windows.NewLazySystemDLL("shell32.dll")
	procFindWindowExW     = user32.NewProc("FindWindowExW")
	procCallWindowProcW   = user32.NewProc("CallWindowProcW")
	procSetWindowLongPtrW = user32.NewProc("SetWindowLongPtrW")
	procShellNotifyIconW  = shell32.NewProc("Shell_NotifyIconW")
)

// Notifier shows balloon notifications from the app's tray icon and runs the last one's
// onClick when the user clicks it.
type Notifier struct {
	log *slog.Logger

	mu   sync.Mutex
	hwnd windows.HWND // systray's window, once found
	prev uintptr      // systray's procedure, once ours is in front
	// onClick is the newest balloon's: the icon shows one balloon at a time, each replacing
	// the last, so a click is always on the newest. It runs once.
	onClick func()
	closed  bool
}

// The one procedure put in front of systray's; there is one tray icon per process.
var (
	current      *Notifier
	currentMu    sync.Mutex
	wndProcEntry = windows.NewCallback(wndProc)
)

// ErrNoTrayIcon is returned by Notify while the app shows no tray icon to notify from.
var ErrNoTrayIcon = errors.New("notify: no tray icon of this app to show a notification from")

// New returns a Notifier. conn is not used on Windows (nil is fine); the tray icon need not
// exist yet: Notify finds it.
func New(conn *dbus.Conn, appName string, logger *slog.Logger) (*Notifier, error) {
	if logger == nil {
		logger = slog.Default()
	}
	return &Notifier{log: logger}, nil
}

// Notify shows title and body (plain text, cut to what a balloon holds) as a balloon of the
// tray icon. onClick, if not nil, runs on a goroutine of its own when the user clicks it.
//
// The lock is not held across Shell_NotifyIcon: the shell may send the icon's window a
// message meanwhile, which the UI thread hands to wndProc, which takes the lock.
func (n *Notifier) Notify(title, body string, onClick func()) error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return errors.New("notify: the notifier is closed")
	}
	if err := n.attach(); err != nil {
		n.mu.Unlock()
		return err
	}
	n.onClick = onClick
	nid := balloon(n.hwnd, title, body)
	n.mu.Unlock()
	if r, _, err := procShellNotifyIconW.Call(nimModify, uintptr(unsafe.Pointer(&nid))); r == 0 {
		return fmt.Errorf("notify: Shell_NotifyIcon: %w", err)
	}
	n.log.Debug("notification shown")
	return nil
}

// attach finds systray's window of this process and puts the Notifier's procedure in front
// of its own. n.mu is held.
func (n *Notifier) attach() error {
	if n.prev != 0 {
		return nil
	}
	hwnd := ownWindowOfClass(systrayClass)
	if hwnd == 0 {
		return ErrNoTrayIcon
	}
	currentMu.Lock()
	defer currentMu.Unlock()
	if current != nil && current != n {
		return errors.New("notify: another Notifier already shows this app's notifications")
	}
	prev, _, err := procSetWindowLongPtrW.Call(uintptr(hwnd), gwlpWndProc, wndProcEntry)
	if prev == 0 {
		return fmt.Errorf("notify: hooking the tray icon's window: %w", err)
	}
	n.hwnd, n.prev, current = hwnd, prev, n
	return nil
}

// ownWindowOfClass returns a window of class in this process, or 0.
func ownWindowOfClass(class string) windows.HWND {
	name, err := windows.UTF16PtrFromString(class)
	if err != nil {
		return 0
	}
	self := windows.GetCurrentProcessId()
	var hwnd uintptr
	for {
		hwnd, _, _ = procFindWindowExW.Call(0, hwnd, uintptr(unsafe.Pointer(name)), 0)
		if hwnd == 0 {
			return 0
		}
		var pid uint32
		if _, err := windows.GetWindowThreadProcessId(windows.HWND(hwnd), &pid); err == nil && pid == self {
			return windows.HWND(hwnd)
		}
	}
}

// balloon is the NOTIFYICONDATAW that shows title and body on systray's icon of hwnd.
func balloon(hwnd windows.HWND, title, body string) notifyIconData {
	nid := notifyIconData{Wnd: hwnd, ID: systrayIconID, Flags: nifInfo, InfoFlags: niifInfo | niifRespectQuietTim}
	nid.Size = uint32(unsafe.Sizeof(nid))
	copyUTF16(nid.InfoTitle[:], title)
	copyUTF16(nid.Info[:], body)
	if nid.Info[0] == 0 {
		// A balloon with no text is not shown at all.
		copyUTF16(nid.Info[:], " ")
	}
	return nid
}

// copyUTF16 writes s into dst as UTF-16, cut (never inside a surrogate pair) to leave room
// for the NUL. NULs inside s end it there, as Windows would read it anyway.
func copyUTF16(dst []uint16, s string) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	u, _ := windows.UTF16FromString(s) // ends with its NUL; s has no other NUL now
	if len(u) > len(dst) {
		u = u[:len(dst)-1]
		if last := u[len(u)-1]; last >= 0xd800 && last < 0xdc00 {
			u = u[:len(u)-1] // a high surrogate without its pair
		}
		u = append(u, 0)
	}
	copy(dst, u)
}

// balloonClicked tells whether a message to the tray icon's window is a click on its balloon
// (systray sets no NOTIFYICON_VERSION, so lParam is the event itself).
func balloonClicked(msg uint32, lParam uintptr) bool {
	return msg == systrayCallback && uint32(lParam) == ninBalloonUserClick
}

func wndProc(hwnd, msg, wParam, lParam uintptr) uintptr {
	currentMu.Lock()
	n := current
	currentMu.Unlock()
	if n == nil {
		return 0 // not reached: the procedure stays systray's until ours is installed
	}
	if balloonClicked(uint32(msg), lParam) {
		n.mu.Lock()
		f := n.onClick
		n.onClick = nil
		n.mu.Unlock()
		if f != nil {
			go f()
		}
	}
	r, _, _ := procCallWindowProcW.Call(n.prev, hwnd, msg, wParam, lParam)
	return r
}

// Close forgets the pending click. systray's window keeps the Notifier's procedure, which
// hands everything on: it goes with the window when the app ends.
func (n *Notifier) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.closed = true
	n.onClick = nil
	return nil
}

// Action is a button on a notification. A balloon has none: Windows shows no Action, and the
// Notifier has no NotifyUrgent, so the app shows a call as a plain notification.
type Action struct {
	Key, Label string
	Do         func()
}
