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
	pending map[uint32]map[string]func() // notification id -> action key -> what it does

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
		pending: map[uint32]map[string]func(){},
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
	_, err := n.show(title, body, onClick, nil, nil)
	return err
}

// Action is a button on a notification: Do runs when the user presses it.
type Action struct {
	Key   string // the action's name on the bus; not "default"
	Label string // what the button says
	Do    func()
}

// NotifyUrgent shows a notification that stays until the user acts on it (urgency
// critical), with onClick for its body and a button per action. At most one of them runs,
// once, on the signal goroutine. withdraw takes it off the screen (the call it announced was
// answered elsewhere, or ended); after it nothing runs.
func (n *Notifier) NotifyUrgent(title, body string, onClick func(), actions ...Action) (withdraw func(), err error) {
	id, err := n.show(title, body, onClick, actions, map[string]dbus.Variant{"urgency": dbus.MakeVariant(byte(2))})
	if err != nil {
		return func() {}, err
	}
	return func() { n.withdraw(id) }, nil
}

// show sends one notification and keeps what its actions do.
func (n *Notifier) show(title, body string, onClick func(), actions []Action, hints map[string]dbus.Variant) (uint32, error) {
	var keys []string
	do := map[string]func(){}
	if onClick != nil {
		keys = append(keys, defaultAction, "Show")
		do[defaultAction] = onClick
	}
	for _, a := range actions {
		if a.Key == "" || a.Key == defaultAction || a.Do == nil {
			continue
		}
		keys = append(keys, a.Key, a.Label)
		do[a.Key] = a.Do
	}
	if hints == nil {
		hints = map[string]dbus.Variant{}
	}

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
		n.appName, uint32(0), "", title, body, keys, hints, int32(-1)).Store(&id)
	if err != nil {
		return 0, fmt.Errorf("notify: %s.Notify: %w", iface, err)
	}
	if len(do) > 0 {
		n.pending[id] = do
	}
	n.log.Debug("notification shown", "id", id, "actions", len(do))
	return id, nil
}

// withdraw forgets a notification's actions and asks the daemon to close it.
func (n *Notifier) withdraw(id uint32) {
	n.take(id)
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	if err := n.conn.Object(busName, objPath).CallWithContext(ctx, iface+".CloseNotification", 0, id).Err; err != nil {
		n.log.Debug("cannot close a notification", "id", id, "err", err)
	}
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
			key, _ := sig.Body[1].(string)
			if f := n.takeAction(id, key); f != nil {
				n.log.Debug("notification clicked", "id", id, "action", key)
				f()
			}
		case iface + ".NotificationClosed":
			n.take(id)
		}
	}
}

// takeAction returns what the notification's action key does and forgets the
// notification; an action it does not have leaves it as it is.
func (n *Notifier) takeAction(id uint32, key string) func() {
	n.mu.Lock()
	defer n.mu.Unlock()
	f := n.pending[id][key]
	if f != nil {
		delete(n.pending, id)
	}
	return f
}

func (n *Notifier) take(id uint32) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.pending, id)
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
