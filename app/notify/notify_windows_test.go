//go:build windows

package notify

import (
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/windows"
)

// These run under Wine in `make test` (inside Xvfb: Wine needs a display for windows and
// notification-area icons) and natively on the Windows CI runner.

var (
	procRegisterClassExW = user32.NewProc("RegisterClassExW")
	procCreateWindowExW  = user32.NewProc("CreateWindowExW")
	procDestroyWindow    = user32.NewProc("DestroyWindow")
	procSendMessageW     = user32.NewProc("SendMessageW")
	procDefWindowProcW   = user32.NewProc("DefWindowProcW")
)

const wmLButtonUp = 0x0202

// fakeTray is a window of systray's class with an icon of systray's ID, as fyne.io/systray
// makes them; its procedure records the callback messages it gets.
type fakeTray struct {
	hwnd windows.HWND
	got  []uintptr // lParam of each callback message that reached systray's procedure
}

var trayUnderTest *fakeTray

func trayProc(hwnd, msg, wParam, lParam uintptr) uintptr {
	if msg == systrayCallback && trayUnderTest != nil {
		trayUnderTest.got = append(trayUnderTest.got, lParam)
		return 0
	}
	r, _, _ := procDefWindowProcW.Call(hwnd, msg, wParam, lParam)
	return r
}

func newFakeTray(t *testing.T) *fakeTray {
	t.Helper()
	class, _ := windows.UTF16PtrFromString(systrayClass)
	wc := struct {
		Size, Style                        uint32
		WndProc                            uintptr
		ClsExtra, WndExtra                 int32
		Instance, Icon, Cursor, Background windows.Handle
		MenuName, ClassName                *uint16
		IconSm                             windows.Handle
	}{WndProc: windows.NewCallback(trayProc), ClassName: class}
	wc.Size = uint32(unsafe.Sizeof(wc))
	r, _, err := procRegisterClassExW.Call(uintptr(unsafe.Pointer(&wc)))
	require.NotZero(t, r, "RegisterClassEx: %v", err)
	h, _, err := procCreateWindowExW.Call(0, uintptr(unsafe.Pointer(class)), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	require.NotZero(t, h, "CreateWindowEx: %v (Wine needs a display: run under xvfb-run)", err)
	f := &fakeTray{hwnd: windows.HWND(h)}
	t.Cleanup(func() { procDestroyWindow.Call(h) })

	const nimAdd, nifMessage = 0x00, 0x01
	nid := notifyIconData{Wnd: f.hwnd, ID: systrayIconID, Flags: nifMessage, CallbackMessage: systrayCallback}
	nid.Size = uint32(unsafe.Sizeof(nid))
	r, _, err = procShellNotifyIconW.Call(nimAdd, uintptr(unsafe.Pointer(&nid)))
	require.NotZero(t, r, "Shell_NotifyIcon(NIM_ADD): %v", err)
	trayUnderTest = f
	return f
}

func TestNotifyBalloonAndClick(t *testing.T) {
	// The window's procedure runs on the thread that made it; SendMessage from that thread
	// calls it directly, so the test needs no message loop.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	n, err := New(nil, "Embeddable Tray", nil)
	require.NoError(t, err)
	require.ErrorIs(t, n.Notify("Incoming call", "+1 555", nil), ErrNoTrayIcon, "no tray icon yet")

	tray := newFakeTray(t)
	clicked := make(chan string, 2)
	require.NoError(t, n.Notify("Missed call", "first", func() { clicked <- "first" }))
	require.NoError(t, n.Notify("Incoming call", "+1 555 123 4567", func() { clicked <- "second" }))

	procSendMessageW.Call(uintptr(tray.hwnd), systrayCallback, systrayIconID, wmLButtonUp)
	assert.Equal(t, []uintptr{wmLButtonUp}, tray.got, "systray still gets its own messages")

	procSendMessageW.Call(uintptr(tray.hwnd), systrayCallback, systrayIconID, ninBalloonUserClick)
	select {
	case got := <-clicked:
		assert.Equal(t, "second", got, "a click is on the newest balloon")
	case <-time.After(10 * time.Second):
		t.Fatal("the click did not run onClick")
	}
	procSendMessageW.Call(uintptr(tray.hwnd), systrayCallback, systrayIconID, ninBalloonUserClick)
	require.NoError(t, n.Close())
	assert.Empty(t, clicked, "onClick runs once")
	assert.Error(t, n.Notify("x", "y", nil), "closed")
}

func TestBalloonText(t *testing.T) {
	long := strings.Repeat("é", 300)
	nid := balloon(1, long, long)
	assert.Equal(t, strings.Repeat("é", maxTitle-1), windows.UTF16ToString(nid.InfoTitle[:]))
	assert.Equal(t, strings.Repeat("é", maxBody-1), windows.UTF16ToString(nid.Info[:]))
	assert.Equal(t, uint32(nifInfo), nid.Flags, "only the balloon changes, not the icon or its tip")
	assert.Equal(t, uint32(systrayIconID), nid.ID)

	// An emoji is a surrogate pair: never cut in half.
	nid = balloon(1, strings.Repeat("a", maxTitle-2)+"😀", "")
	assert.Equal(t, strings.Repeat("a", maxTitle-2), windows.UTF16ToString(nid.InfoTitle[:]))
	assert.Equal(t, " ", windows.UTF16ToString(nid.Info[:]), "an empty balloon would not be shown")

	nid = balloon(1, "<b>Jane</b> & co", "a\x00b")
	assert.Equal(t, "<b>Jane</b> & co", windows.UTF16ToString(nid.InfoTitle[:]), "balloons are plain text: nothing to escape")
	assert.Equal(t, "a", windows.UTF16ToString(nid.Info[:]))
}

func TestBalloonClicked(t *testing.T) {
	assert.True(t, balloonClicked(systrayCallback, ninBalloonUserClick))
	assert.False(t, balloonClicked(systrayCallback, wmLButtonUp))
	assert.False(t, balloonClicked(wmUser+2, ninBalloonUserClick))
}
