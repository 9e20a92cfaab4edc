//go:build !(((linux || freebsd || openbsd || netbsd) && !android) || darwin || windows)

package autostart

// Supported reports false: this platform has no known "Start at login".
func Supported() bool { return false }

// Enabled is always false here.
func Enabled() (bool, error) { return false, nil }

// Enable returns ErrUnsupported.
func Enable(exe string, args ...string) error { return ErrUnsupported }

// Disable returns ErrUnsupported.
func Disable() error { return ErrUnsupported }
