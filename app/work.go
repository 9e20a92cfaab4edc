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
// calls can take seconds, and the callers (the bridge's loop among them) must not wait.
type notes struct {
	mu    sync.Mutex
	queue []func()
	wake  chan struct{} // size 1: queue is not empty
	log   *slog.Logger
}

// start begins running the queued work until ctx ends.
func (ns *notes) start(ctx context.Context, log *slog.Logger) {
	ns.wake, ns.log = make(chan struct{}, 1), log
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-ns.wake:
			}
			ns.mu.Lock()
			q := ns.queue
			ns.queue = nil
			ns.mu.Unlock()
			for _, f := range q {
				f()
			}
		}
	}()
}

// do runs f on the notifications' goroutine, after everything queued before; it never
// blocks.
func (ns *notes) do(f func()) {
	ns.mu.Lock()
	ns.queue = append(ns.queue, f)
	ns.mu.Unlock()
	select {
	case ns.wake <- struct{}{}:
	default: // a wake-up is pending; it takes everything queued
	}
}

// show queues a notification for n (nil: none).
func (ns *notes) show(n Notifier, title, body string, onClick func()) {
	if n == nil {
		return
	}
	ns.do(func() {
		if err := n.Notify(title, body, onClick); err != nil {
			ns.log.Warn("cannot show a desktop notification", "err", err)
		}
	})
}
