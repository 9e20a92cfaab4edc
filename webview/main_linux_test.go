package webview

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// GTK must run on the main thread: TestMain (on the main goroutine, locked to the main
// thread by init) runs the UI loop, and the tests run on another goroutine, reaching the UI
// thread through Dispatch, as the app does.

var (
	testUI      *UI
	noUIReason  string
	testDataDir string // XDG_DATA_HOME of the test run
)

func TestMain(m *testing.M) {
	if err := CheckDisplay(); err != nil {
		if os.Getenv("CI") == "true" {
			fmt.Fprintln(os.Stderr, "webview tests need a display under CI:", err)
			os.Exit(1)
		}
		noUIReason = err.Error() + "; run under xvfb-run -a dbus-run-session -- go test ./webview/..."
		os.Exit(m.Run())
	}
	tmp, err := os.MkdirTemp("", "webview-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Keep WebKit's data (localStorage, caches) out of the user's home.
	testDataDir = filepath.Join(tmp, "data")
	os.Setenv("XDG_DATA_HOME", testDataDir)
	os.Setenv("XDG_CACHE_HOME", filepath.Join(tmp, "cache"))
	os.Setenv("XDG_CONFIG_HOME", filepath.Join(tmp, "config"))

	ui, err := New(Options{Title: "webview test", Width: 400, Height: 300, Resizable: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "webview.New:", err)
		os.RemoveAll(tmp)
		os.Exit(1)
	}
	testUI = ui
	done := make(chan int, 1)
	go func() {
		done <- m.Run()
		ui.Quit()
	}()
	ui.Run()
	code := <-done
	os.RemoveAll(tmp)
	os.Exit(code)
}

func needUI(t *testing.T) *UI {
	t.Helper()
	if testUI == nil {
		t.Skip("no display: " + noUIReason)
	}
	return testUI
}

// onUI runs f on the UI thread and waits for it.
func onUI(t *testing.T, f func()) {
	t.Helper()
	done := make(chan struct{})
	testUI.Dispatch(func() {
		defer close(done)
		f()
	})
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the UI loop did not run a dispatched function within 10 s")
	}
}

// receive waits for a value on ch.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(15 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// send returns a callback that hands its value to ch without ever blocking the UI thread.
func send[T any](ch chan T) func(T) {
	return func(v T) {
		select {
		case ch <- v:
		default:
		}
	}
}

func gtkOf(w *Window) *gtkWindow {
	if w.nat == nil {
		return nil
	}
	return w.nat.(*gtkWindow)
}
