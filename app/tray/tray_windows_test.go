//go:build windows

package tray_test

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"fyne.io/systray"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/windows"

	"github.com/embeddable-tray/embeddable-tray/app/phase"
	"github.com/embeddable-tray/embeddable-tray/app/tray"
)

// Runs under Wine in `make test` (in Xvfb) and natively on the Windows runner: the real tray
// (fyne.io/systray's notification-area icon and Win32 menu), read and clicked as Windows
// does it for a user: a right click on the icon opens the menu (TrackPopupMenu), whose items
// are read from the open menu window; a chosen item is a WM_COMMAND to the tray's window.

var (
	user32               = windows.NewLazySystemDLL("user32.dll")
	procFindWindowExW    = user32.NewProc("FindWindowExW")
	procPostMessageW     = user32.NewProc("PostMessageW")
	procSendMessageW     = user32.NewProc("SendMessageW")
	procGetMessageW      = user32.NewProc("GetMessageW")
	procTranslateMessage = user32.NewProc("TranslateMessage")
	procDispatchMessageW = user32.NewProc("DispatchMessageW")
	procGetMenuItemCount = user32.NewProc("GetMenuItemCount")
	procGetMenuItemID    = user32.NewProc("GetMenuItemID")
	procGetMenuStringW   = user32.NewProc("GetMenuStringW")
	procGetMenuState     = user32.NewProc("GetMenuState")
)

// Win32 constants (winuser.h), and systray's callback message (WM_USER+1).
const (
	wmUser        = 0x0400
	wmCommand     = 0x0111
	wmCancelMode  = 0x001F
	wmRButtonUp   = 0x0205
	mnGetHMenu    = 0x01E1
	mfByPosition  = 0x0400
	mfDisabled    = 0x0002
	mfSeparator   = 0x0800
	trayCallback  = wmUser + 1
	trayClassName = "SystrayClass"
)

// actions records the tray's calls on a channel, in order.
type actions chan string

func (a actions) ToggleWindow() { a <- "toggle window" }
func (a actions) SignIn()       { a <- "sign in" }
func (a actions) SignOut()      { a <- "sign out" }
func (a actions) SetStartAtLogin(on bool) {
	a <- map[bool]string{true: "start at login on", false: "start at login off"}[on]
}
func (a actions) Quit()                 { a <- "quit" }
func (a actions) AnswerCall(id string)  { a <- "answer " + id }
func (a actions) DeclineCall(id string) { a <- "decline " + id }

// menuItem is one line of the open menu.
type menuItem struct {
	label   string
	id      uint32
	enabled bool
}

func findWindow(class string) uintptr {
	c, _ := windows.UTF16PtrFromString(class)
	h, _, _ := procFindWindowExW.Call(0, 0, uintptr(unsafe.Pointer(c)), 0)
	return h
}

// poll calls f until it is true or ctx ends.
func poll(ctx context.Context, f func() bool) bool {
	for !f() {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(10 * time.Millisecond):
		}
	}
	return true
}

// openMenu right-clicks the icon and reads the menu it opens, then closes it. The click is
// sent from a thread of its own: SendMessage returns once systray's TrackPopupMenu has (when
// the menu is closed, or at once when no menu could be shown, as while the tray redraws it),
// so a click that showed nothing is told apart and made again, and no two menus open.
func openMenu(ctx context.Context, trayWnd uintptr) ([]menuItem, error) {
	for {
		clicked := make(chan struct{})
		go func() {
			defer close(clicked)
			procSendMessageW.Call(trayWnd, trayCallback, 0, wmRButtonUp)
		}()
		var hmenu uintptr
		over := false
		if !poll(ctx, func() bool {
			if popup := findWindow("#32768"); popup != 0 {
				hmenu, _, _ = procSendMessageW.Call(popup, mnGetHMenu, 0, 0)
			}
			select {
			case <-clicked:
				over = hmenu == 0
			default:
			}
			return hmenu != 0 || over
		}) {
			return nil, fmt.Errorf("the right click opened no menu: %w", ctx.Err())
		}
		if over {
			continue // no menu was shown: click again
		}
		items, ok := readMenu(hmenu)
		procPostMessageW.Call(trayWnd, wmCancelMode, 0, 0) // the tray's DefWindowProc ends the menu
		select {
		case <-clicked:
		case <-ctx.Done():
			return nil, fmt.Errorf("the menu did not close: %w", ctx.Err())
		}
		if ok {
			return items, nil
		}
	}
}

// readMenu reads the open menu's items; false if the menu went meanwhile (a redraw).
func readMenu(hmenu uintptr) ([]menuItem, bool) {
	n, _, _ := procGetMenuItemCount.Call(hmenu)
	if int32(n) < 0 {
		return nil, false
	}
	var items []menuItem
	for i := uintptr(0); i < uintptr(int32(n)); i++ {
		state, _, _ := procGetMenuState.Call(hmenu, i, mfByPosition)
		if int32(state) == -1 {
			return nil, false
		}
		if state&mfSeparator != 0 {
			items = append(items, menuItem{label: "---"})
			continue
		}
		buf := make([]uint16, 256)
		procGetMenuStringW.Call(hmenu, i, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), mfByPosition)
		id, _, _ := procGetMenuItemID.Call(hmenu, i)
		items = append(items, menuItem{label: windows.UTF16ToString(buf), id: uint32(id), enabled: state&mfDisabled == 0})
	}
	return items, true
}

func labels(items []menuItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.label)
	}
	return out
}

// waitMenu opens the menu until its labels are want (the tray draws updates on its own
// goroutine) and returns it.
func waitMenu(t *testing.T, ctx context.Context, trayWnd uintptr, want []string) []menuItem {
	t.Helper()
	for {
		items, err := openMenu(ctx, trayWnd)
		require.NoError(t, err)
		if assert.ObjectsAreEqual(want, labels(items)) {
			return items
		}
		if ctx.Err() != nil {
			t.Fatalf("the menu reads %q, want %q", labels(items), want)
		}
	}
}

// click chooses the item labelled label, as the menu does for a user's click.
func click(t *testing.T, trayWnd uintptr, items []menuItem, label string) {
	t.Helper()
	for _, it := range items {
		if it.label == label {
			require.True(t, it.enabled, "%q is disabled", label)
			procPostMessageW.Call(trayWnd, wmCommand, uintptr(it.id), 0)
			return
		}
	}
	t.Fatalf("no %q in the menu %q", label, labels(items))
}

func (a actions) next(t *testing.T, ctx context.Context) string {
	t.Helper()
	select {
	case s := <-a:
		return s
	case <-ctx.Done():
		t.Fatalf("no tray action arrived: %v", ctx.Err())
		return ""
	}
}

// drawLog is a slog.Handler that tells of each drawing of the menu (the tray logs it).
type drawLog struct{ drawn chan struct{} }

func (d drawLog) Enabled(context.Context, slog.Level) bool { return true }
func (d drawLog) WithAttrs([]slog.Attr) slog.Handler       { return d }
func (d drawLog) WithGroup(string) slog.Handler            { return d }
func (d drawLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "tray menu drawn" {
		d.drawn <- struct{}{}
	}
	return nil
}

func (d drawLog) wait(t *testing.T, ctx context.Context) {
	t.Helper()
	select {
	case <-d.drawn:
	case <-ctx.Done():
		t.Fatal("the tray drew no menu")
	}
}

// TestTrayMenuAnswersOnWindows: while a call rings, the tray's Win32 menu has "Answer call"
// and "Decline call", and choosing one answers or declines the call the menu showed.
// fyne.io/systray keeps global state, so all of it is one test.
func TestTrayMenuAnswersOnWindows(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	acts := make(actions, 16)
	// Each drawing of the menu is waited for before the menu is opened: systray's redraw
	// destroys the menu, and Wine's open menu never ends once its menu is destroyed.
	draws := drawLog{drawn: make(chan struct{}, 16)}
	tr := tray.New("Fallback", tray.Icons{}, acts, slog.New(draws))
	ringing := tray.State{DisplayName: "Acme CRM", Phase: phase.SignedIn, Call: "Incoming call: Ann (+15551230001)", RingingCall: "s-1"}
	tr.Update(ringing)

	// The tray's window and its message loop, on a thread of their own (in the app, the UI
	// thread's loop runs them).
	// OnReady runs once systray is ready for a right click (its menu made): not before.
	loopDone, ready := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(loopDone)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		systray.RunWithExternalLoop(func() { tr.OnReady(); close(ready) }, nil) // registers the window on this thread
		var msg [48]byte                                                        // MSG
		for {
			r, _, _ := procGetMessageW.Call(uintptr(unsafe.Pointer(&msg[0])), 0, 0, 0)
			if int32(r) <= 0 {
				return
			}
			procTranslateMessage.Call(uintptr(unsafe.Pointer(&msg[0])))
			procDispatchMessageW.Call(uintptr(unsafe.Pointer(&msg[0])))
		}
	}()
	var trayWnd uintptr
	require.True(t, poll(ctx, func() bool { trayWnd = findWindow(trayClassName); return trayWnd != 0 }),
		"fyne.io/systray made no window (Wine needs a display: run under xvfb-run)")
	t.Cleanup(func() {
		systray.Quit()
		<-loopDone
	})
	select {
	case <-ready:
	case <-ctx.Done():
		t.Fatal("fyne.io/systray never became ready")
	}

	draws.wait(t, ctx) // OnReady's
	items := waitMenu(t, ctx, trayWnd, []string{"Show window", "Incoming call: Ann (+15551230001)", "Answer call", "Decline call",
		"Signed in to Acme CRM", "Sign out of Acme CRM", "---", "Quit"})
	click(t, trayWnd, items, "Answer call")
	assert.Equal(t, "answer s-1", acts.next(t, ctx))

	ringing.RingingCall, ringing.Call = "s-2", "Incoming call: Bob (+15551230002)"
	tr.Update(ringing)
	draws.wait(t, ctx)
	items = waitMenu(t, ctx, trayWnd, []string{"Show window", "Incoming call: Bob (+15551230002)", "Answer call", "Decline call",
		"Signed in to Acme CRM", "Sign out of Acme CRM", "---", "Quit"})
	click(t, trayWnd, items, "Decline call")
	assert.Equal(t, "decline s-2", acts.next(t, ctx), "the call the menu showed")

	ringing.RingingCall, ringing.Call = "", ""
	tr.Update(ringing)
	draws.wait(t, ctx)
	waitMenu(t, ctx, trayWnd, []string{"Show window", "Signed in to Acme CRM", "Sign out of Acme CRM", "---", "Quit"})

	select {
	case extra := <-acts:
		t.Errorf("unexpected extra action %q", extra)
	default:
	}
}
