//go:build darwin

package autostart

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// launchAgentLabel names the macOS LaunchAgent (and its plist file).
const launchAgentLabel = "io.github.embeddable-tray"

// Supported reports whether "Start at login" works here: launchd reads the
// user's LaunchAgents at login.
func Supported() bool { return true }

func plistPath() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("autostart: %w", err)
	}
	return filepath.Join(home, "Library", "LaunchAgents", launchAgentLabel+".plist"), nil
}

// Enabled reports whether the LaunchAgent is there.
func Enabled() (bool, error) {
	p, err := plistPath()
	if err != nil {
		return false, err
	}
	_, err = os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("autostart: %w", err)
	}
	return true, nil
}

// Enable writes ~/Library/LaunchAgents/<label>.plist starting exe (an
// absolute path, inside the .app bundle) with args.
func Enable(exe string, args ...string) error {
	if err := checkExe(exe); err != nil {
		return err
	}
	content, err := launchAgentPlist(launchAgentLabel, exe, args)
	if err != nil {
		return err
	}
	p, err := plistPath()
	if err != nil {
		return err
	}
	return writeFileAtomic(p, []byte(content), 0o644)
}

// Disable removes the LaunchAgent.
func Disable() error {
	p, err := plistPath()
	if err != nil {
		return err
	}
	return removeIfExists(p)
}
