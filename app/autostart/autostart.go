// Package autostart switches "Start at login" on and off the way each
// desktop expects: an XDG autostart desktop entry on Linux and the BSDs, a
// LaunchAgent on macOS, and a Run value under HKCU on Windows.
//
// Each platform file implements Supported, Enabled, Enable and Disable; the
// text they write is built by the pure functions here, so every platform's
// format is tested on any machine.
package autostart

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

const (
	// appName is what a desktop shows for the entry.
	appName = "Embeddable Tray"
	// entryName names the XDG autostart file (entryName + ".desktop") and
	// the icon; it matches the app's desktop file id.
	entryName = "embeddable-tray"
)

// ErrUnsupported is returned where this platform has no "Start at login".
var ErrUnsupported = errors.New("autostart: not supported on this platform")

// checkExe refuses what cannot be started at login: the session starts the
// entry from an unknown working directory, so the path must be absolute.
func checkExe(exe string) error {
	if exe == "" || !filepath.IsAbs(exe) {
		return fmt.Errorf("autostart: executable path %q is not absolute", exe)
	}
	return nil
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory and a rename, so a crash never leaves a half-written entry that
// the desktop would choke on at the next login.
func writeFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("autostart: write %s: %w", f.Name(), err)
	}
	if err = f.Chmod(perm); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("autostart: sync %s: %w", f.Name(), err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("autostart: close %s: %w", f.Name(), err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	return nil
}

// removeIfExists removes path; an entry that is already gone is not an error.
func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("autostart: %w", err)
	}
	return nil
}

// hasControl reports a control character, which no entry format here can
// carry in a command line.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}
