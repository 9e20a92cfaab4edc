package desktoptest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
)

const (
	watcherName  = "org.kde.StatusNotifierWatcher"
	watcherPath  = dbus.ObjectPath("/StatusNotifierWatcher")
	watcherIface = "org.kde.StatusNotifierWatcher"

	itemPath  = dbus.ObjectPath("/StatusNotifierItem")
	itemIface = "org.kde.StatusNotifierItem"
)

// Watcher is the panel side of the StatusNotifierItem protocol: it owns
// org.kde.StatusNotifierWatcher, as a desktop panel does, and records the
// tray icons that register with it. Without one, fyne.io/systray logs
// "failed to register" and no menu can be reached.
type Watcher struct {
	conn  *dbus.Conn
	props *prop.Properties

	mu       sync.Mutex
	items    []string // "busname/path" as the protocol lists them
	returned int      // how many of items WaitItem has handed out
	changed  chan struct{}
}

// watcherObject holds the D-Bus methods only, so nothing else of Watcher is
// callable over the bus.
type watcherObject struct{ w *Watcher }

// RegisterStatusNotifierItem records an item. Per the KDE protocol, an
// argument that is a path means "this path on the caller's connection";
// fyne.io/systray sends "/StatusNotifierItem".
func (o watcherObject) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	bus, path := string(sender), string(itemPath)
	if strings.HasPrefix(service, "/") {
		path = service
	} else if service != "" {
		bus = service
	}
	o.w.add(bus + path)
	return nil
}

// RegisterStatusNotifierHost accepts a host; the watcher itself plays the host.
func (o watcherObject) RegisterStatusNotifierHost(service string) *dbus.Error { return nil }

// StartWatcher owns org.kde.StatusNotifierWatcher on conn until the test
// ends. Use a connection of its own (SessionBus gives one): the item's side
// of the app uses the shared session connection.
func StartWatcher(t testing.TB, conn *dbus.Conn) *Watcher {
	t.Helper()
	w := &Watcher{conn: conn, changed: make(chan struct{})}
	if err := conn.Export(watcherObject{w}, watcherPath, watcherIface); err != nil {
		t.Fatalf("export %s: %v", watcherIface, err)
	}
	props, err := prop.Export(conn, watcherPath, map[string]map[string]*prop.Prop{
		watcherIface: {
			"RegisteredStatusNotifierItems":  {Value: []string{}, Emit: prop.EmitTrue},
			"IsStatusNotifierHostRegistered": {Value: true, Emit: prop.EmitTrue},
			"ProtocolVersion":                {Value: int32(0), Emit: prop.EmitTrue},
		},
	})
	if err != nil {
		t.Fatalf("export %s properties: %v", watcherIface, err)
	}
	w.props = props
	t.Cleanup(func() {
		_ = conn.Export(nil, watcherPath, watcherIface)
		_ = conn.Export(nil, watcherPath, "org.freedesktop.DBus.Properties")
	})
	// Owning the name last: a tray that is already running re-registers as
	// soon as it sees the name appear, and everything must be there by then.
	ownName(t, conn, watcherName)
	return w
}

func (w *Watcher) add(item string) {
	w.mu.Lock()
	for _, it := range w.items {
		if it == item {
			w.mu.Unlock()
			return // fyne.io/systray registers again whenever the watcher's owner changes
		}
	}
	w.items = append(w.items, item)
	list := append([]string(nil), w.items...)
	close(w.changed)
	w.changed = make(chan struct{})
	w.mu.Unlock()

	w.props.SetMust(watcherIface, "RegisteredStatusNotifierItems", list)
	_ = w.conn.Emit(watcherPath, watcherIface+".StatusNotifierItemRegistered", item)
}

// Items lists every registration so far, as "busname/path".
func (w *Watcher) Items() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.items...)
}

// WaitItem returns the bus name of the next registered item that WaitItem
// has not returned yet, waiting for it until ctx ends. A test that restarts
// the app calls it again to find the new process's item.
func (w *Watcher) WaitItem(ctx context.Context) (string, error) {
	for {
		w.mu.Lock()
		if w.returned < len(w.items) {
			item := w.items[w.returned]
			w.returned++
			w.mu.Unlock()
			bus, _, _ := strings.Cut(item, "/")
			return bus, nil
		}
		changed := w.changed
		w.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return "", fmt.Errorf("no tray icon registered with %s: %w", watcherName, ctx.Err())
		}
	}
}
