package app

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// tracker counts the work Close must let finish (flows, keyring writes); once closed it
// takes no more.
type tracker struct {
	mu      sync.Mutex
	closing bool
	wg      sync.WaitGroup
}

// begin registers one piece of work; false once Close began.
func (t *tracker) begin() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closing {
		return false
	}
	t.wg.Add(1)
	return true
}

func (t *tracker) end() { t.wg.Done() }

// close refuses new work and waits up to d for the work under way; false if it did not end.
func (t *tracker) close(d time.Duration) bool {
	t.mu.Lock()
	t.closing = true
	t.mu.Unlock()
	done := make(chan struct{})
	go func() {
		t.wg.Wait()
		close(done)
	}()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-done:
		return true
	case <-timer.C:
		return false
	}
}

// notes shows desktop notifications on a goroutine of their own, in order: the D-Bus
// call can take seconds, and the callers (the bridge's loop among them) must not wait.
type notes struct {
	queue chan note
}

type note struct {
	n           Notifier
	title, body string
	onClick     func()
	shown       chan struct{} // a marker of drain: closed when reached
}

// start begins showing the queued notifications until ctx ends.
func (ns *notes) start(ctx context.Context, log *slog.Logger) {
	ns.queue = make(chan note, 16)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case m := <-ns.queue:
				if m.shown != nil {
					close(m.shown)
					continue
				}
				if err := m.n.Notify(m.title, m.body, m.onClick); err != nil {
					log.Warn("cannot show a desktop notification", "err", err)
				}
			}
		}
	}()
}

// show queues a notification for n (nil: none); it never blocks (a burst beyond the
// queue is dropped).
func (ns *notes) show(n Notifier, title, body string, onClick func()) {
	if n == nil {
		return
	}
	select {
	case ns.queue <- note{n: n, title: title, body: body, onClick: onClick}:
	default:
	}
}

// drain waits until every notification queued before it was shown (tests).
func (ns *notes) drain() {
	m := note{shown: make(chan struct{})}
	ns.queue <- m
	<-m.shown
}
