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
	if _, ok := m.(bridge.PageLoad); !ok {
		a.offline.widgetAnnounced() // the widget itself spoke (a page load is the host's news)
	}
	switch m := m.(type) {
	case bridge.PageLoad:
		a.dialer.reset()
		a.callEvent(m)
		a.fallbackPage()
	case bridge.LoginStatus:
		a.loginStatus(m.LoggedIn)
		a.fallbackLogin(m.LoggedIn)
	case bridge.CallingSettingsNotify:
		a.callingSettings(m)
	case bridge.DialerStatus:
		a.deliver(a.dialer.setReady(m.Ready))
	case bridge.LoginPopup:
		a.openRingCentralLogin(m.OAuthURI)
	case bridge.CallRing, bridge.CallStart, bridge.CallEnd, bridge.ActiveCall:
		a.callEvent(m)
	case bridge.InboundMessage:
		a.notifyHidden("New message", a.sender(m.Message))
	}
}

// notifyHidden shows a desktop notification when the window is out of sight; a click
// brings the window back.
func (a *App) notifyHidden(title, body string) {
	if a.opts.Main == nil || a.opts.Main.Visible() {
		return
	}
	a.tell(title, body)
}

// tell shows a desktop notification whatever the window does; a click brings it back.
func (a *App) tell(title, body string) {
	if a.opts.Notifier == nil {
		return
	}
	a.notes.show(a.opts.Notifier, title, body, a.ShowWindow) // never waits for the notification daemon
}

// caller names who calls or writes, from a call or message object of the widget. A ringing
// call (rc-call-ring-notify) is the web phone's session: "from" is the number as a string,
// "fromUserName" the caller ID name, "contactMatch" the contact the widget matched
// (PROTOCOL.md, Events from the widget). A message's "from" is {phoneNumber?,
// extensionNumber, name}.
func caller(raw json.RawMessage) string { return describeParty(partyOf(raw)) }

// sender names who wrote a message. The widget names only RingCentral users and its own
// matches; for anyone else the contact the app holds for the number names them, looked up
// without the server so the notification never waits.
func (a *App) sender(raw json.RawMessage) string {
	p := partyOf(raw)
	if p.name == "" && p.number != "" && a.opts.Contacts != nil && a.Snapshot().Authorized() {
		p.name = a.opts.Contacts.HeldName(p.number)
	}
	return describeParty(p)
}

// partyFields is who is on the other end of a call or message, and a message's text.
type partyFields struct{ name, number, subject string }

func partyOf(raw json.RawMessage) partyFields {
	var v struct {
		From         json.RawMessage `json:"from"`
		FromUserName string          `json:"fromUserName"`
		FromName     string          `json:"fromName"`
		ContactMatch *struct {
			Name string `json:"name"`
		} `json:"contactMatch"`
		Subject string `json:"subject"`
	}
	_ = json.Unmarshal(raw, &v) // best effort: an odd shape still notifies
	var party struct {
		Name            string `json:"name"`
		PhoneNumber     string `json:"phoneNumber"`
		ExtensionNumber string `json:"extensionNumber"`
	}
	var number string
	if json.Unmarshal(v.From, &number) != nil && json.Unmarshal(v.From, &party) == nil {
		number = firstNonEmpty(party.PhoneNumber, party.ExtensionNumber)
	}
	var matched string
	if v.ContactMatch != nil {
		matched = v.ContactMatch.Name
	}
	return partyFields{name: firstNonEmpty(matched, v.FromUserName, party.Name, v.FromName), number: number, subject: v.Subject}
}

func describeParty(p partyFields) string {
	who := firstNonEmpty(p.name, p.number, "Unknown caller")
	if p.name != "" && p.number != "" && p.name != p.number {
		who += " (" + p.number + ")"
	}
	if p.subject != "" {
		who += ": " + p.subject
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

// Dial opens the widget's dialer with a number from a tel: or callto: link. The widget
// takes a number only once it is logged in to RingCentral, so a number waits for that;
// it does not wait for the dialer's "ready", which stays false while the widget cannot
// place calls (PROTOCOL.md: rc-dialer-status-notify). The user is told why a number waits
// or why its call cannot start.
func (a *App) Dial(number string) {
	if a.dialElsewhere(number) {
		return
	}
	a.ShowWindow()
	now, loggedOut := a.dialer.dial(number)
	switch {
	case now:
		a.deliver([]string{number})
	case loggedOut:
		a.tellLoginFirst()
	}
}

// loginStatus is the page's rc-login-status-notify: numbers waiting go to the widget once it
// is logged in; while it says it is logged out, the user hears what they wait for.
func (a *App) loginStatus(on bool) {
	due, waiting := a.dialer.setLogin(on)
	a.deliver(due)
	if waiting {
		a.tellLoginFirst()
	}
}

func (a *App) tellLoginFirst() {
	a.tell("Number waiting for RingCentral", "The number goes to the dialer once you are logged in to RingCentral in the window.")
}

// deliver puts each number in the widget's dialer; while the widget says its dialer is not
// ready, the user hears that the call cannot start yet.
func (a *App) deliver(numbers []string) {
	for _, n := range numbers {
		a.sendNewCall(n)
		if !a.dialer.isReady() {
			a.tell("Call cannot start yet", n+" is in the dialer, but RingCentral says its dialer is not ready to place calls (its phone is not connected).")
		}
	}
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

// login is what the current page said of its RingCentral login.
type login int

const (
	loginUnknown login = iota // nothing yet on this page
	loginOut
	loginIn
)

// dialer holds numbers until the widget page can take them: rc-adapter-new-call is
// ignored by the widget until it is logged in to RingCentral (rc-login-status-notify
// loggedIn:true, or a dialer that says it is ready, which needs a login too).
type dialer struct {
	mu          sync.Mutex
	login       login
	dialerReady bool
	numbers     []string
}

// dial reports whether number can go to the widget now; if not, it is kept for later, and
// loggedOut says the page is known to be logged out.
func (d *dialer) dial(number string) (now, loggedOut bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.login == loginIn || d.dialerReady {
		return true, false
	}
	if len(d.numbers) < 16 { // a burst of clicks is not a queue to keep forever
		d.numbers = append(d.numbers, number)
	}
	return false, d.login == loginOut
}

// setLogin records the page's RingCentral login and returns the numbers now due, and
// whether numbers wait for a login.
func (d *dialer) setLogin(on bool) (due []string, waiting bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.login = loginOut
	if on {
		d.login = loginIn
	}
	due = d.due()
	return due, len(d.numbers) > 0
}

// setReady records the dialer's readiness and returns the numbers now due.
func (d *dialer) setReady(on bool) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.dialerReady = on
	return d.due()
}

func (d *dialer) due() []string {
	if d.login != loginIn && !d.dialerReady {
		return nil
	}
	due := d.numbers
	d.numbers = nil
	return due
}

func (d *dialer) isReady() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dialerReady
}

// reset forgets what the old page said: a new page logs in and readies its dialer again.
func (d *dialer) reset() {
	d.mu.Lock()
	d.login, d.dialerReady = loginUnknown, false
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
