//go:build windows

package winsmoke

import (
	"runtime"
	"sync"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/windows"
)

// appWindowClass is the window class of webview_go's windows, the app's main window among them.
const appWindowClass = "webview"

var (
	user32                          = windows.NewLazySystemDLL("user32.dll")
	procSetWinEventHook             = user32.NewProc("SetWinEventHook")
	procUnhookWinEvent              = user32.NewProc("UnhookWinEvent")
	procGetClassNameW               = user32.NewProc("GetClassNameW")
	procPeekMessageW                = user32.NewProc("PeekMessageW")
	procTranslateMessage            = user32.NewProc("TranslateMessage")
	procDispatchMessageW            = user32.NewProc("DispatchMessageW")
	procMsgWaitForMultipleObjectsEx = user32.NewProc("MsgWaitForMultipleObjectsEx")
)

// Win32 constants (winuser.h).
const (
	eventObjectShow      = 0x8002
	winEventOutOfContext = 0x0000
	winEventSkipOwnProc  = 0x0002
	objidWindow          = 0
	pmRemove             = 0x0001
	qsAllInput           = 0x04FF
)

// shows is every top-level window other processes showed while the test ran, by class.
type shows struct {
	mu      sync.Mutex
	byClass map[string]int
}

func (s *shows) of(class string) map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := s.byClass[class]; n > 0 {
		return map[string]int{class: n}
	}
	return nil
}

var (
	watching    *shows
	showsHookCb = windows.NewCallback(func(hook, event, hwnd, idObject, idChild, thread, when uintptr) uintptr {
		if idObject != objidWindow || watching == nil {
			return 0
		}
		buf := make([]uint16, 256)
		n, _, _ := procGetClassNameW.Call(hwnd, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
		class := windows.UTF16ToString(buf[:n])
		watching.mu.Lock()
		watching.byClass[class]++
		watching.mu.Unlock()
		return 0
	})
)

// watchShows records EVENT_OBJECT_SHOW of every window of other processes until the test
// ends: an out-of-context WinEvent hook, whose events come to the thread that set it while it
// pumps messages, a thread of its own here.
func watchShows(t *testing.T) *shows {
	t.Helper()
	s := &shows{byClass: map[string]int{}}
	ready, done, ended := make(chan error, 1), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		watching = s
		hook, _, err := procSetWinEventHook.Call(eventObjectShow, eventObjectShow, 0, showsHookCb, 0, 0,
			winEventOutOfContext|winEventSkipOwnProc)
		if hook == 0 {
			ready <- err
			return
		}
		defer procUnhookWinEvent.Call(hook)
		ready <- nil
		var msg [48]byte // MSG
		for {
			select {
			case <-done:
				return
			default:
			}
			for {
				r, _, _ := procPeekMessageW.Call(uintptr(unsafe.Pointer(&msg[0])), 0, 0, 0, pmRemove)
				if r == 0 {
					break
				}
				procTranslateMessage.Call(uintptr(unsafe.Pointer(&msg[0])))
				procDispatchMessageW.Call(uintptr(unsafe.Pointer(&msg[0])))
			}
			// Wait for the next message (an event) or, at most, until done is looked at again.
			procMsgWaitForMultipleObjectsEx.Call(0, 0, 100, qsAllInput, 0)
		}
	}()
	require.NoError(t, <-ready, "SetWinEventHook")
	t.Cleanup(func() { close(done); <-ended })
	return s
}
