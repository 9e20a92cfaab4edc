package webview

import (
	"errors"
	"os"
	"runtime"
)

// ErrNoDisplay means there is no graphical session to open a window in.
var ErrNoDisplay = errors.New("webview: no display: neither DISPLAY nor WAYLAND_DISPLAY is set (start the app inside a desktop session, or under xvfb-run)")

// CheckDisplay reports ErrNoDisplay when no display is available: on Linux and the BSDs when
// neither DISPLAY nor WAYLAND_DISPLAY is set; elsewhere there is always one. It exists because
// webview_go's New with no display returns a broken view instead of an error.
func CheckDisplay() error { return checkDisplay(runtime.GOOS, os.Getenv) }

func checkDisplay(goos string, getenv func(string) string) error {
	switch goos {
	case "windows", "darwin", "ios", "android":
		return nil
	}
	if getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
		return ErrNoDisplay
	}
	return nil
}
