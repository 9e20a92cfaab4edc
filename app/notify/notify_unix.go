//go:build (linux || freebsd || openbsd || netbsd) && !android

package notify

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

const (
	busName = "org.freedesktop.Notifications"
	objPath = dbus.ObjectPath("/org/freedesktop/Notifications")
	iface   = "org.freedesktop.Notifications"

	// defaultAction is the spec's key for clicking the notification itself.
	defaultAction = "default"

	// callTimeout bounds a Notify call: a hung daemon must not hang the app.
	callTimeout = 5 * time.Second
)

// Notifier sends notifications over the freedesktop Desktop Notifications
// API (org.freedesktop.Notifications) and runs a notification's onClick
// when the user clicks it.
type Notifier struct {
	conn    *dbus.Conn
	appName string
	log     *slog.Logger

	// mu is held across a Notify call and its registration in pending, and
	// by the signal loop while it looks an id up, so a click signal that
	// arrives right after the reply always finds its callback.
	mu      sync.Mutex
	pending map[uint32]func()

	signals chan *dbus.Signal
	stop    chan struct{} // closed by Close; godbus closes signals itself when conn closes
	done    chan struct{}
	closeMu sync.Once
}

var matchRules = [][]dbus.MatchOption{
	{dbus.WithMatchObjectPath(objPath), dbus.WithMatchInterface(iface), dbus.WithMatchMember("ActionInvoked")},
	{dbus.WithMatchObjectPath(objPath), dbus.WithMatchInterface(iface), dbus.WithMatchMember("NotificationClosed")},
}

// New listens on conn (usually dbus.SessionBus()) for the daemon's
// ActionInvoked and NotificationClosed signals. It does not require a
// notification daemon to be running yet: Notify reports that. appName is
// shown by the daemon as the sender. A nil logger means slog.Default().
func New(conn *dbus.Conn, appName string, logger *slog.Logger) (*Notifier, error) {
	if conn == nil {
		return nil, ErrNoConnection
	}
	if logger == nil {
		logger = slog.Default()
	}
	for _, rule := range matchRules {
		if err := conn.AddMatchSignal(rule...); err != nil {
			return nil, fmt.Errorf("notify: listen for %s signals: %w", iface, err)
		}
	}
	n := &Notifier{
		conn:    conn,
		appName: appName,
		log:     logger.With("component", "notify"),
		pending: map[uint32]func(){},
		signals: make(chan *dbus.Signal, 16),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	conn.Signal(n.signals)
	go n.loop()
	return n, nil
}

// Notify shows a notification. onClick, when not nil, runs once if the user
// clicks it (the spec's "default" action); it runs on the Notifier's signal
// goroutine and must return quickly.
func (n *Notifier) Notify(title, body string, onClick func()) error {
	var actions []string
	if onClick != nil {
		actions = []string{defaultAction, "Show"}
	}
	hints := map[string]dbus.Variant{}

	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	if n.speaksMarkup(ctx) {
		// A caller's name or an SMS is text, not markup: <b> or <a href> in it must show
		// as written, not format the notification or become a link.
		body = markupEscaper.Replace(body)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	var id uint32
	err := n.conn.Object(busName, objPath).CallWithContext(ctx, iface+".Notify", 0,
		n.appName, uint32(0), "", title, body, actions, hints, int32(-1)).Store(&id)
	if err != nil {
		return fmt.Errorf("notify: %s.Notify: %w", iface, err)
	}
	if onClick != nil {
		n.pending[id] = onClick
	}
	n.log.Debug("notification shown", "id", id)
	return nil
}

// markupEscaper escapes what the notification spec's body markup (a small XML subset)
// gives meaning to.
var markupEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// speaksMarkup asks the daemon (each time: the daemon can be replaced while the app runs)
// whether it reads bodies as markup ("body-markup"). Without an answer it assumes it does:
// escaped text shown plainly is only ugly, unescaped text read as markup is not what the
// user was sent.
func (n *Notifier) speaksMarkup(ctx context.Context) bool {
	var caps []string
	if err := n.conn.Object(busName, objPath).CallWithContext(ctx, iface+".GetCapabilities", 0).Store(&caps); err != nil {
		return true
	}
	return slices.Contains(caps, "body-markup")
}

// loop turns the daemon's signals into onClick calls. A notification is
// forgotten on its first ActionInvoked or NotificationClosed, so onClick
// runs at most once.
func (n *Notifier) loop() {
	defer close(n.done)
	for {
		var sig *dbus.Signal
		select {
		case sig = <-n.signals:
		case <-n.stop:
			return
		}
		if sig == nil {
			return // the connection was closed
		}
		if sig.Path != objPath || len(sig.Body) < 2 {
			continue
		}
		id, ok := sig.Body[0].(uint32)
		if !ok {
			continue
		}
		switch sig.Name {
		case iface + ".ActionInvoked":
			if key, _ := sig.Body[1].(string); key != defaultAction {
				continue
			}
			if f := n.take(id); f != nil {
				n.log.Debug("notification clicked", "id", id)
				f()
			}
		case iface + ".NotificationClosed":
			n.take(id)
		}
	}
}

func (n *Notifier) take(id uint32) func() {
	n.mu.Lock()
	defer n.mu.Unlock()
	f := n.pending[id]
	delete(n.pending, id)
	return f
}

// Close stops listening for clicks. It does not close the connection.
func (n *Notifier) Close() error {
	n.closeMu.Do(func() {
		n.conn.RemoveSignal(n.signals)
		for _, rule := range matchRules {
			_ = n.conn.RemoveMatchSignal(rule...)
		}
		close(n.stop)
		<-n.done
	})
	return nil
}
