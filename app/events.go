package app

import (
	"encoding/json"
	"net/url"
	"strings"
	"sync"

	"github.com/embeddable-tray/embeddable-tray/bridge"
)

// Notify handles the widget's events (bridge.Events). It runs on the bridge's goroutine:
// nothing here blocks.
func (a *App) Notify(m bridge.Inbound) {
	switch m := m.(type) {
	case bridge.PageLoad:
		a.dialer.reset()
	case bridge.DialerStatus:
		if m.Ready {
			a.dialer.ready(a.sendNewCall)
		}
	case bridge.LoginPopup:
		a.openRingCentralLogin(m.OAuthURI)
	case bridge.CallRing:
		a.notifyHidden("Incoming call", caller(m.Call))
	case bridge.InboundMessage:
		a.notifyHidden("New message", caller(m.Message))
	}
}

// notifyHidden shows a desktop notification when the window is out of sight; a click
// brings the window back.
func (a *App) notifyHidden(title, body string) {
	if a.opts.Notifier == nil || a.opts.Main == nil || a.opts.Main.Visible() {
		return
	}
	a.notes.show(title, body, a.ShowWindow) // never waits for the notification daemon
}

// caller names who calls or writes, from a call or message object of the widget.
func caller(raw json.RawMessage) string {
	var v struct {
		From struct {
			Name        string `json:"name"`
			PhoneNumber string `json:"phoneNumber"`
		} `json:"from"`
		FromName string `json:"fromName"`
		Subject  string `json:"subject"`
	}
	_ = json.Unmarshal(raw, &v) // best effort: an odd shape still notifies
	who := firstNonEmpty(v.From.Name, v.FromName, v.From.PhoneNumber, "Unknown caller")
	if v.From.Name != "" && v.From.PhoneNumber != "" {
		who += " (" + v.From.PhoneNumber + ")"
	}
	if v.Subject != "" {
		who += ": " + v.Subject
	}
	return who
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// Dial opens the widget's dialer with a number from a tel: or callto: link. Numbers wait
// until the widget's dialer says it is ready.
func (a *App) Dial(number string) {
	a.ShowWindow()
	a.dialer.dial(number, a.sendNewCall)
}

func (a *App) sendNewCall(number string) {
	a.mu.Lock()
	w := a.widget
	a.mu.Unlock()
	if w == nil {
		return
	}
	if err := w.Post(bridge.NewCall{PhoneNumber: number, ToCall: false}); err != nil {
		a.log.Warn("cannot pass the number to the dialer", "err", err)
	}
}

// dialer queues numbers until the widget's dialer is ready on the current page.
type dialer struct {
	mu      sync.Mutex
	isReady bool
	numbers []string
}

func (d *dialer) dial(number string, send func(string)) {
	d.mu.Lock()
	if !d.isReady {
		if len(d.numbers) < 16 { // a burst of clicks is not a queue to keep forever
			d.numbers = append(d.numbers, number)
		}
		d.mu.Unlock()
		return
	}
	d.mu.Unlock()
	send(number)
}

func (d *dialer) ready(send func(string)) {
	d.mu.Lock()
	d.isReady = true
	queued := d.numbers
	d.numbers = nil
	d.mu.Unlock()
	for _, n := range queued {
		send(n)
	}
}

func (d *dialer) reset() {
	d.mu.Lock()
	d.isReady = false
	d.mu.Unlock()
}

// PhoneNumberFromURI takes the number out of "tel:+1555..." or "callto:+1555..." (also
// "callto://"); ok is false for anything else.
func PhoneNumberFromURI(arg string) (string, bool) {
	lower := strings.ToLower(arg)
	var rest string
	switch {
	case strings.HasPrefix(lower, "tel:"):
		rest = arg[len("tel:"):]
	case strings.HasPrefix(lower, "callto:"):
		rest = strings.TrimPrefix(arg[len("callto:"):], "//")
	default:
		return "", false
	}
	if i := strings.IndexAny(rest, ";?"); i >= 0 { // RFC 3966 parameters
		rest = rest[:i]
	}
	if u, err := url.PathUnescape(rest); err == nil {
		rest = u
	}
	rest = strings.TrimSpace(rest)
	keep := func(r rune) bool { return r == '+' || r == '*' || r == '#' || (r >= '0' && r <= '9') }
	var b strings.Builder
	for _, r := range rest {
		if keep(r) {
			b.WriteRune(r)
		} else if !strings.ContainsRune(" -.()/", r) {
			return "", false // letters and the like: not a number
		}
	}
	n := b.String()
	if strings.Count(n, "+") > 1 || strings.LastIndex(n, "+") > 0 || strings.Trim(n, "+*#") == "" {
		return "", false
	}
	return n, true
}
