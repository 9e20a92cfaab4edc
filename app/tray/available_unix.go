//go:build (linux || freebsd || openbsd || netbsd) && !android

package tray

import "github.com/godbus/dbus/v5"

// Available reports whether a tray can be shown: on Linux and the BSDs,
// whether the D-Bus session bus answers. fyne.io/systray's end() panics on a
// nil connection when there is none, so the app must not start the tray then.
func Available() bool {
	_, err := dbus.SessionBus() // the shared connection systray itself uses
	return err == nil
}
