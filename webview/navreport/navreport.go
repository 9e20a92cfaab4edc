// Package navreport holds the parts of the generic navigation path that need no web engine:
// the one mechanism for platforms where webview_go offers no native navigation hook (macOS,
// and Windows, where the app does not rely on its own WebView2 hooks for these), and on Linux
// when built with the genericnav tag, so that the tests exercise it.
//
//   - A window reports each page it reaches through a host script injected at document start
//     (webview.Window.OnPageReached): PageScript and IsPageReport.
//   - A page that never announces itself counts as failed: Deadline.
package navreport

import (
	"fmt"
	"sync"
	"time"
)

// PageReport is the message PageScript posts when a document starts in the top frame.
const PageReport = "embeddable-tray:page"

// PageScript is the host script that reports each page: it runs at document start in the top
// frame, in the host's world, and posts PageReport to the host handler. It carries nothing of
// the page: the native layer adds the page's URI (the committed one), which the page cannot
// forge.
const PageScript = `window.webkit.messageHandlers.embeddableTray.postMessage(` + `"` + PageReport + `");`

// IsPageReport says whether a host message is PageScript's.
func IsPageReport(msg string) bool { return msg == PageReport }

// NotAnnouncedError is the failure of a page that did not announce itself in time.
type NotAnnouncedError struct {
	URI   string
	After time.Duration
}

func (e *NotAnnouncedError) Error() string {
	d := e.After
	if d >= time.Second {
		d = d.Round(time.Second)
	}
	return fmt.Sprintf("The page did not start within %s.", d)
}

// Deadline turns a page that never announces itself into a failed load: Expect starts the
// clock for a page (after each load of it), Announced stops it (the page is up), and if
// neither Announced nor another Expect comes within the duration, fail is called once, on a
// goroutine of its own, with a *NotAnnouncedError. Safe from any goroutine.
type Deadline struct {
	d    time.Duration
	fail func(uri string, err error)

	mu    sync.Mutex
	timer *time.Timer
	gen   uint64 // of the newest Expect; a timer of an older one does nothing
}

// NewDeadline makes a Deadline of d that reports to fail.
func NewDeadline(d time.Duration, fail func(uri string, err error)) *Deadline {
	return &Deadline{d: d, fail: fail}
}

// Expect starts the clock for the page at uri, replacing any earlier one.
func (l *Deadline) Expect(uri string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopLocked()
	gen := l.gen
	l.timer = time.AfterFunc(l.d, func() {
		l.mu.Lock()
		current := l.gen == gen && l.timer != nil
		if current {
			l.timer = nil
		}
		l.mu.Unlock()
		if current {
			l.fail(uri, &NotAnnouncedError{URI: uri, After: l.d})
		}
	})
}

// Announced stops the clock: the page is up.
func (l *Deadline) Announced() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopLocked()
}

// Stop stops the clock for good (Expect can start it again).
func (l *Deadline) Stop() { l.Announced() }

func (l *Deadline) stopLocked() {
	l.gen++
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
}
