// Package shimtest runs the calling shim (assets/calling.js) in the real WebKitGTK of this
// machine, which has no WebRTC: injected with AddPageScript as the app injects it, handed
// its port by a host script in the isolated world (the shape of CONTRACTS.md §3), answered
// by a small fake engine in Go. It proves what node cannot: WebKit's own HTMLMediaElement,
// MediaDevices and MessageEvent with the shim.
package shimtest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/embeddable-tray/embeddable-tray/webview"
)

var (
	testUI    *webview.UI
	noDisplay error
)

// TestMain runs the GTK loop on the main thread (locked there by package webview's init);
// the tests run on another goroutine, as in package webview's own tests.
func TestMain(m *testing.M) {
	if noDisplay = webview.CheckDisplay(); noDisplay != nil {
		os.Exit(m.Run()) // each test reports the missing display through realpart
	}
	tmp, err := os.MkdirTemp("", "shimtest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("XDG_DATA_HOME", filepath.Join(tmp, "data"))
	os.Setenv("XDG_CACHE_HOME", filepath.Join(tmp, "cache"))
	os.Setenv("XDG_CONFIG_HOME", filepath.Join(tmp, "config"))
	ui, err := webview.New(webview.Options{Title: "shim test", Width: 400, Height: 300})
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
