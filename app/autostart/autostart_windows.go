//go:build windows

package autostart

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows/registry"
)

// runValueName is the Windows value under HKCU\...\CurrentVersion\Run. The installers'
// optional autostart entry must use the same name so the tray's checkbox shows it.
const runValueName = "EmbeddableTray"

// runKey is the per-user list of programs Windows starts at sign-in.
const runKey = `Software\Microsoft\Windows\CurrentVersion\Run`

// Supported reports whether "Start at login" works here: HKCU's Run key
// needs no administrator rights.
func Supported() bool { return true }

// Enabled reports whether the Run value is there.
func Enabled() (bool, error) { return enabledValue(runValueName) }

// Enable sets the Run value to start exe (an absolute path) with args. One
// registry write is atomic by itself.
func Enable(exe string, args ...string) error { return enableValue(runValueName, exe, args) }

// Disable deletes the Run value; a missing one is not an error.
func Disable() error { return disableValue(runValueName) }

// The functions below take the value's name, so that tests write a value of their own and
// leave the app's entry alone.

func enabledValue(name string) (bool, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("autostart: open HKCU\\%s: %w", runKey, err)
	}
	defer k.Close()
	_, _, err = k.GetStringValue(name)
	if errors.Is(err, registry.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("autostart: read HKCU\\%s\\%s: %w", runKey, name, err)
	}
	return true, nil
}

func enableValue(name, exe string, args []string) error {
	if err := checkExe(exe); err != nil {
		return err
	}
	line, err := windowsCommandLine(append([]string{exe}, args...))
	if err != nil {
		return err
	}
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("autostart: open HKCU\\%s: %w", runKey, err)
	}
	defer k.Close()
	if err := k.SetStringValue(name, line); err != nil {
		return fmt.Errorf("autostart: write HKCU\\%s\\%s: %w", runKey, name, err)
	}
	return nil
}

func disableValue(name string) error {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("autostart: open HKCU\\%s: %w", runKey, err)
	}
	defer k.Close()
	if err := k.DeleteValue(name); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return fmt.Errorf("autostart: delete HKCU\\%s\\%s: %w", runKey, name, err)
	}
	return nil
}
