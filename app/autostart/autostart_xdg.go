//go:build (linux || freebsd || openbsd || netbsd) && !android

package autostart

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Supported reports whether "Start at login" works here: XDG autostart is
// read by every freedesktop session (GNOME, KDE, Xfce, ...).
func Supported() bool { return true }

// userEntry is $XDG_CONFIG_HOME/autostart/embeddable-tray.desktop.
func userEntry() (string, error) {
	dir, err := os.UserConfigDir() // $XDG_CONFIG_HOME, else ~/.config
	if err != nil {
		return "", fmt.Errorf("autostart: %w", err)
	}
	return filepath.Join(dir, "autostart", entryName+".desktop"), nil
}

// systemEntry is the first entry of the same name in $XDG_CONFIG_DIRS
// (default /etc/xdg), as a package might install; "" if none.
func systemEntry() string {
	dirs := os.Getenv("XDG_CONFIG_DIRS")
	if dirs == "" {
		dirs = "/etc/xdg"
	}
	for _, d := range filepath.SplitList(dirs) {
		if !filepath.IsAbs(d) {
			continue
		}
		p := filepath.Join(d, "autostart", entryName+".desktop")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// Enabled reports whether the session will start the app at login: the
// user's entry decides if there is one (it overrides a system one of the same
// name), else a system-wide entry.
func Enabled() (bool, error) {
	p, err := userEntry()
	if err != nil {
		return false, err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		sys := systemEntry()
		if sys == "" {
			return false, nil
		}
		if data, err = os.ReadFile(sys); err != nil {
			return false, fmt.Errorf("autostart: %w", err)
		}
		return entryEnabled(string(data)), nil
	}
	if err != nil {
		return false, fmt.Errorf("autostart: %w", err)
	}
	return entryEnabled(string(data)), nil
}

// Enable writes the user's autostart entry starting exe (an absolute path)
// with args.
func Enable(exe string, args ...string) error {
	if err := checkExe(exe); err != nil {
		return err
	}
	content, err := desktopEntry(exe, args)
	if err != nil {
		return err
	}
	p, err := userEntry()
	if err != nil {
		return err
	}
	return writeFileAtomic(p, []byte(content), 0o644)
}

// Disable removes the user's autostart entry; if a system-wide one would
// still start the app, it is overridden with Hidden=true instead.
func Disable() error {
	p, err := userEntry()
	if err != nil {
		return err
	}
	if systemEntry() != "" {
		return writeFileAtomic(p, []byte(hiddenEntry()), 0o644)
	}
	return removeIfExists(p)
}
