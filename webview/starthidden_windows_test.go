package webview

import (
	"runtime"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/windows"
)

// Runs under Wine in `make test` and on the Windows runner: real windows, made the way
// webview_go's constructor makes and shows its own (webview.h: CreateWindowW, ShowWindow
// SW_SHOW, UpdateWindow, SetFocus), of a class of the test's own.

var (
	procRegisterClassExW = user32.NewProc("RegisterClassExW")
	procCreateWindowExW  = user32.NewProc("CreateWindowExW")
	procDestroyWindow    = user32.NewProc("DestroyWindow")
	procUpdateWindow     = user32.NewProc("UpdateWindow")
	procSetFocus         = user32.NewProc("SetFocus")
	procIsWindowVisible  = user32.NewProc("IsWindowVisible")
	procGetActiveWindow  = user32.NewProc("GetActiveWindow")
)

// wndClassEx is WNDCLASSEXW.
type wndClassEx struct {
	Size, Style                   uint32
	WndProc                       uintptr
	ClsExtra, WndExtra            int32
	Instance, Icon, Cursor, Brush uintptr
	MenuName, ClassName           *uint16
	IconSm                        uintptr
}

const testViewClass = "embeddable-tray-test-view"

func registerTestViewClass(t *testing.T) {
	t.Helper()
	name, err := windows.UTF16PtrFromString(testViewClass)
	require.NoError(t, err)
	wc := wndClassEx{WndProc: procDefWindowProcW.Addr(), ClassName: name}
	wc.Size = uint32(unsafe.Sizeof(wc))
	// A second registration fails (ERROR_CLASS_ALREADY_EXISTS), which is fine.
	procRegisterClassExW.Call(uintptr(unsafe.Pointer(&wc)))
	old := viewClass
	viewClass = testViewClass
	t.Cleanup(func() { viewClass = old })
}

// makeLikeWebviewGo makes and shows a top-level window, with a child as webview_go's widget.
func makeLikeWebviewGo(t *testing.T) windows.HWND {
	t.Helper()
	class, _ := windows.UTF16PtrFromString(testViewClass)
	const wsOverlappedWindow, wsChild, cwUseDefault = 0x00CF0000, 0x40000000, 0x80000000
	h, _, err := procCreateWindowExW.Call(0, uintptr(unsafe.Pointer(class)), 0, wsOverlappedWindow,
		cwUseDefault, cwUseDefault, 640, 480, 0, 0, 0, 0)
	require.NotZero(t, h, "CreateWindowExW: %v", err)
	child, _, err := procCreateWindowExW.Call(0, uintptr(unsafe.Pointer(class)), 0, wsChild, 0, 0, 0, 0, h, 0, 0, 0)
	require.NotZero(t, child, "CreateWindowExW (child): %v", err)
	procShowWindow.Call(h, swShow)
	procUpdateWindow.Call(h)
	procSetFocus.Call(h)
	return windows.HWND(h)
}

func isVisible(hwnd windows.HWND) bool {
	r, _, _ := procIsWindowVisible.Call(uintptr(hwnd))
	return r != 0
}

func TestHiddenWindowIsNeverShownWhileMade(t *testing.T) {
	runtime.LockOSThread() // windows, hooks and subclasses belong to the thread
	defer runtime.UnlockOSThread()
	registerTestViewClass(t)

	for _, hidden := range []bool{true, false} {
		w := &Window{opts: Options{Title: "start", Hidden: hidden}}
		var hwnd windows.HWND
		var shown []bool
		w.onVisible = func(v bool) { shown = append(shown, v) }
		caught, err := makeSubclassed(w, func() { hwnd = makeLikeWebviewGo(t) })
		require.NoError(t, err)
		require.Equal(t, hwnd, caught, "the hook catches the top-level window, not its child")
		require.NotNil(t, subclasses[hwnd], "subclassed as it was made")

		if hidden {
			assert.False(t, isVisible(hwnd), "a Hidden window is not shown by its maker")
			active, _, _ := procGetActiveWindow.Call()
			assert.NotEqual(t, uintptr(hwnd), active, "nor activated")
			assert.Empty(t, shown, "nor reported shown")
		} else {
			assert.True(t, isVisible(hwnd))
			assert.Equal(t, []bool{true}, shown)
		}

		startShown(hwnd)
		showNative(hwnd) // Show, later
		assert.True(t, isVisible(hwnd), "hidden=%v: shown when asked", hidden)
		assert.Equal(t, []bool{true}, shown)

		procDestroyWindow.Call(uintptr(hwnd))
		assert.Nil(t, subclasses[hwnd], "forgotten at WM_NCDESTROY")
	}
}

// A window made while another is being made (a Dispatch run by webview_go's pump) is caught by
// its own call, and the outer call still reports its own window.
func TestWindowsMadeInsideAMakeAreCaughtEach(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	registerTestViewClass(t)

	outerW := &Window{opts: Options{Title: "outer", Hidden: true}}
	innerW := &Window{opts: Options{Title: "inner"}}
	var outer, inner, innerCaught windows.HWND
	var innerErr error
	outerCaught, err := makeSubclassed(outerW, func() {
		outer = makeLikeWebviewGo(t)
		innerCaught, innerErr = makeSubclassed(innerW, func() { inner = makeLikeWebviewGo(t) })
	})
	require.NoError(t, err)
	require.NoError(t, innerErr)
	assert.Equal(t, outer, outerCaught)
	assert.Equal(t, inner, innerCaught)
	require.NotNil(t, subclasses[outer])
	require.NotNil(t, subclasses[inner])
	assert.Same(t, outerW, subclasses[outer].w)
	assert.Same(t, innerW, subclasses[inner].w)
	assert.False(t, isVisible(outer), "the outer window, Hidden, stays hidden")
	assert.True(t, isVisible(inner))
	for _, h := range []windows.HWND{outer, inner} {
		startShown(h)
		procDestroyWindow.Call(uintptr(h))
	}
}
