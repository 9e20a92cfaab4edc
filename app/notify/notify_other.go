//go:build !((linux || freebsd || openbsd || netbsd) && !android) && !windows

package notify

import (
	"log/slog"

	"github.com/godbus/dbus/v5"
)

// Notifier does nothing on this platform yet: there is no
// org.freedesktop.Notifications here, and native toasts are not built.
type Notifier struct{}

// New returns a Notifier that shows nothing; conn may be nil.
func New(conn *dbus.Conn, appName string, logger *slog.Logger) (*Notifier, error) {
	return &Notifier{}, nil
}

// Notify shows nothing and never calls onClick.
func (n *Notifier) Notify(title, body string, onClick func()) error { return nil }

// Close does nothing.
func (n *Notifier) Close() error { return nil }

// Action is a button on a notification.
type Action struct {
	Key, Label string
	Do         func()
}

// NotifyUrgent shows nothing and never runs an action.
func (n *Notifier) NotifyUrgent(title, body string, onClick func(), actions ...Action) (withdraw func(), err error) {
	return func() {}, nil
}
