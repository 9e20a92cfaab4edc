package desktoptest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/godbus/dbus/v5"
)

const (
	notifyName  = "org.freedesktop.Notifications"
	notifyPath  = dbus.ObjectPath("/org/freedesktop/Notifications")
	notifyIface = "org.freedesktop.Notifications"
)

// Notification is one Notify call as the daemon received it.
type Notification struct {
	ID         uint32
	Sender     string // the caller's unique bus name
	AppName    string
	ReplacesID uint32
	AppIcon    string
	Summary    string
	Body       string
	Actions    []string // pairs: action key, label
	Hints      map[string]dbus.Variant
	Timeout    int32
}

// HasAction reports whether the notification offers the action key.
func (n Notification) HasAction(key string) bool {
	for i := 0; i+1 < len(n.Actions); i += 2 {
		if n.Actions[i] == key {
			return true
		}
	}
	return false
}

// Notifications is a notification daemon for tests: it owns
// org.freedesktop.Notifications, records every notification, and lets the
// test click one (Invoke) or close it (Close) with the daemon's signals.
type Notifications struct {
	conn *dbus.Conn

	mu        sync.Mutex
	all       []Notification
	read      int // how many of all Wait has returned
	nextID    uint32
	changed   chan struct{}
	extraCaps []string
	closed    map[uint32]uint32 // id -> the reason of its NotificationClosed
}

// notificationsObject holds the D-Bus methods only.
type notificationsObject struct{ n *Notifications }

// Notify implements the spec's Notify(susssasa{sv}i) -> u.
func (o notificationsObject) Notify(sender dbus.Sender, appName string, replacesID uint32, appIcon, summary, body string,
	actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	return o.n.record(Notification{
		Sender: string(sender), AppName: appName, ReplacesID: replacesID, AppIcon: appIcon,
		Summary: summary, Body: body, Actions: actions, Hints: hints, Timeout: timeout,
	}), nil
}

// CloseNotification closes a notification at the app's request.
func (o notificationsObject) CloseNotification(id uint32) *dbus.Error {
	if err := o.n.Close(id, 3); err != nil { // 3: closed by CloseNotification
		return dbus.MakeFailedError(err)
	}
	return nil
}

// GetCapabilities says this daemon shows bodies and actions, and whatever else
// SetCapabilities added.
func (o notificationsObject) GetCapabilities() ([]string, *dbus.Error) {
	o.n.mu.Lock()
	defer o.n.mu.Unlock()
	return append([]string{"actions", "body"}, o.n.extraCaps...), nil
}

// SetCapabilities adds capabilities the daemon reports, such as "body-markup".
func (n *Notifications) SetCapabilities(caps ...string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.extraCaps = caps
}

// GetServerInformation names the daemon.
func (o notificationsObject) GetServerInformation() (name, vendor, version, specVersion string, err *dbus.Error) {
	return "desktoptest", "embeddable-tray", "1", "1.2", nil
}

// StartNotifications owns org.freedesktop.Notifications on conn until the
// test ends.
func StartNotifications(t testing.TB, conn *dbus.Conn) *Notifications {
	t.Helper()
	n := &Notifications{conn: conn, changed: make(chan struct{})}
	if err := conn.Export(notificationsObject{n}, notifyPath, notifyIface); err != nil {
		t.Fatalf("export %s: %v", notifyIface, err)
	}
	t.Cleanup(func() { _ = conn.Export(nil, notifyPath, notifyIface) })
	ownName(t, conn, notifyName)
	return n
}

func (n *Notifications) record(nt Notification) uint32 {
	n.mu.Lock()
	defer n.mu.Unlock()
	if nt.ReplacesID != 0 {
		nt.ID = nt.ReplacesID
	} else {
		n.nextID++
		nt.ID = n.nextID
	}
	n.all = append(n.all, nt)
	close(n.changed)
	n.changed = make(chan struct{})
	return nt.ID
}

// All lists every notification received so far, in order.
func (n *Notifications) All() []Notification {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]Notification(nil), n.all...)
}

// Wait returns the next notification that Wait has not returned yet,
// waiting for it until ctx ends.
func (n *Notifications) Wait(ctx context.Context) (Notification, error) {
	for {
		n.mu.Lock()
		if n.read < len(n.all) {
			nt := n.all[n.read]
			n.read++
			n.mu.Unlock()
			return nt, nil
		}
		changed := n.changed
		n.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return Notification{}, fmt.Errorf("no notification arrived: %w", ctx.Err())
		}
	}
}

func (n *Notifications) known(id uint32) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, nt := range n.all {
		if nt.ID == id {
			return true
		}
	}
	return false
}

// Invoke acts as the user clicking the notification's action (the body is
// "default"): it emits ActionInvoked and then, as daemons do, NotificationClosed
// with reason 2 (dismissed by the user).
func (n *Notifications) Invoke(id uint32, action string) error {
	if !n.known(id) {
		return fmt.Errorf("invoke %q on notification %d: no such notification", action, id)
	}
	if err := n.conn.Emit(notifyPath, notifyIface+".ActionInvoked", id, action); err != nil {
		return fmt.Errorf("emit ActionInvoked(%d, %q): %w", id, action, err)
	}
	return n.Close(id, 2)
}

// Close emits NotificationClosed with the spec's reason (1 expired,
// 2 dismissed, 3 closed by CloseNotification, 4 other).
func (n *Notifications) Close(id, reason uint32) error {
	if !n.known(id) {
		return fmt.Errorf("close notification %d: no such notification", id)
	}
	if err := n.conn.Emit(notifyPath, notifyIface+".NotificationClosed", id, reason); err != nil {
		return fmt.Errorf("emit NotificationClosed(%d, %d): %w", id, reason, err)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed == nil {
		n.closed = map[uint32]uint32{}
	}
	n.closed[id] = reason
	close(n.changed)
	n.changed = make(chan struct{})
	return nil
}

// WaitClosed waits until the notification is closed, by the user or by the app
// (CloseNotification, reason 3), and returns the reason.
func (n *Notifications) WaitClosed(ctx context.Context, id uint32) (uint32, error) {
	for {
		n.mu.Lock()
		reason, ok := n.closed[id]
		changed := n.changed
		n.mu.Unlock()
		if ok {
			return reason, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return 0, fmt.Errorf("notification %d was not closed: %w", id, ctx.Err())
		}
	}
}
