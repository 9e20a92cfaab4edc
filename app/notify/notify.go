// Package notify shows native desktop notifications, such as an incoming
// call while the window is hidden, and tells the app when the user clicks one.
package notify

import "errors"

// ErrNoConnection is returned by New when given no D-Bus connection.
var ErrNoConnection = errors.New("notify: no D-Bus connection")
