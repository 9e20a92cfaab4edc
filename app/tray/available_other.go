//go:build !((linux || freebsd || openbsd || netbsd) && !android)

package tray

// Available reports whether a tray can be shown; on Windows and macOS the
// notification area is always there.
func Available() bool { return true }
