package app

import (
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/embeddable-tray/embeddable-tray/app/notify"
	"github.com/embeddable-tray/embeddable-tray/bridge"
)

// UrgentNotifier shows a notification with buttons that stays until the user acts on it, and
// can take it back (notify.Notifier). An incoming call's notification uses it when the
// Notifier has it: Answer and Decline are the widget's own commands.
type UrgentNotifier interface {
	NotifyUrgent(title, body string, onClick func(), actions ...notify.Action) (withdraw func(), err error)
}

// callState is where one call stands.
type callState int

const (
	callRinging callState = iota
	callConnected
	callOnHold
)

// call is one call as the widget reported it.
type call struct {
	state callState
	party string // who is on the other end, for a person: "Ann Example (+15551230001)"
	seq   int    // order of arrival: the tray names the newest of a kind
}

// calls follows the widget's calls for the tray and the ring notification. Two sources: the
// web phone's sessions in this window (rc-call-ring/start/end-notify, keyed by the session's
// id, which rc-adapter-control-call takes) and the account's active calls on any device or
// calling mode (rc-active-call-notify, keyed by telephony session and direction). A web phone
// call shows in both; the tray prefers the web phone's, which it can act on.
type calls struct {
	mu       sync.Mutex
	phone    map[string]*call
	presence map[string]*call
	ringNote map[string]func() // withdraws the notification of a ringing web phone call
	seq      int
}

// webPhoneSession is what the app reads of a web phone session (the call object of
// rc-call-*-notify): the widget's normalised session, with from/to as strings.
type webPhoneSession struct {
	ID         string `json:"id"`
	Direction  string `json:"direction"`
	CallStatus string `json:"callStatus"`
	IsOnHold   bool   `json:"isOnHold"`
}

// activeCall is what the app reads of a presence active call (rc-active-call-notify).
type activeCall struct {
	SessionID       string `json:"sessionId"`
	Direction       string `json:"direction"`
	TelephonyStatus string `json:"telephonyStatus"`
}

// party names the other end of a call object: the caller of an inbound call, the callee of
// an outbound one, with the contact the widget matched.
func party(raw json.RawMessage, direction string) string {
	if direction != "Outbound" {
		return caller(raw)
	}
	var v map[string]json.RawMessage
	if json.Unmarshal(raw, &v) != nil {
		return caller(raw)
	}
	// The callee in the caller's fields: one naming rule for both directions.
	swapped := map[string]json.RawMessage{"from": v["to"], "fromUserName": v["toUserName"], "fromName": v["toName"], "contactMatch": v["contactMatch"]}
	b, _ := json.Marshal(swapped)
	return caller(b)
}

func (c *calls) init() {
	if c.phone == nil {
		c.phone, c.presence, c.ringNote = map[string]*call{}, map[string]*call{}, map[string]func(){}
	}
}

// ring records a ringing web phone call and returns its id ("" when the call has none).
func (c *calls) ring(raw json.RawMessage) (id, who string) {
	var s webPhoneSession
	_ = json.Unmarshal(raw, &s)
	who = party(raw, "Inbound")
	c.mu.Lock()
	defer c.mu.Unlock()
	c.init()
	c.seq++
	if s.ID != "" {
		c.phone[s.ID] = &call{state: callRinging, party: who, seq: c.seq}
	}
	return s.ID, who
}

// setRingNote keeps the withdraw of a ringing call's notification; false (and the note is
// withdrawn) when the call stopped ringing meanwhile.
func (c *calls) setRingNote(id string, withdraw func()) bool {
	c.mu.Lock()
	cl := c.phone[id]
	ok := cl != nil && cl.state == callRinging
	if ok {
		c.ringNote[id] = withdraw
	}
	c.mu.Unlock()
	if !ok {
		withdraw()
	}
	return ok
}

// start records a web phone call answered or connected; it returns the ring notification
// to withdraw, if any.
func (c *calls) start(raw json.RawMessage) (withdraw func()) {
	var s webPhoneSession
	_ = json.Unmarshal(raw, &s)
	if s.ID == "" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.init()
	c.seq++
	state := callConnected
	if s.IsOnHold || s.CallStatus == "webphone-session-onHold" {
		state = callOnHold
	}
	c.phone[s.ID] = &call{state: state, party: party(raw, s.Direction), seq: c.seq}
	return c.takeNote(s.ID)
}

// end forgets a web phone call; it returns the ring notification to withdraw, if any.
func (c *calls) end(raw json.RawMessage) (withdraw func()) {
	var s webPhoneSession
	_ = json.Unmarshal(raw, &s)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.init()
	delete(c.phone, s.ID)
	return c.takeNote(s.ID)
}

// active records a change of one of the account's active calls.
func (c *calls) active(raw json.RawMessage) {
	var a activeCall
	_ = json.Unmarshal(raw, &a)
	if a.SessionID == "" {
		return
	}
	key := a.SessionID + "/" + a.Direction
	c.mu.Lock()
	defer c.mu.Unlock()
	c.init()
	var state callState
	switch a.TelephonyStatus {
	case "Ringing":
		state = callRinging
	case "CallConnected":
		state = callConnected
	case "OnHold", "ParkedCall":
		state = callOnHold
	default: // "NoCall": it ended
		delete(c.presence, key)
		return
	}
	c.seq++
	c.presence[key] = &call{state: state, party: party(raw, a.Direction), seq: c.seq}
}

// reset forgets every call (a new page: its web phone starts again); it returns the ring
// notifications to withdraw.
func (c *calls) reset() []func() {
	c.mu.Lock()
	defer c.mu.Unlock()
	var notes []func()
	for _, w := range c.ringNote {
		notes = append(notes, w)
	}
	c.phone, c.presence, c.ringNote = nil, nil, nil
	c.init()
	return notes
}

func (c *calls) takeNote(id string) func() {
	w := c.ringNote[id]
	delete(c.ringNote, id)
	return w
}

// ringingID is the id of the newest web phone call ringing, "" when none rings: the call the
// tray can answer or decline (its Call line names it, a ringing call coming first).
func (c *calls) ringingID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, seq := "", -1
	for k, cl := range c.phone {
		if cl.state == callRinging && cl.seq > seq {
			id, seq = k, cl.seq
		}
	}
	return id
}

// line is the tray's line for the calls: the call that matters most (ringing before
// connected before on hold, the newest of a kind), and how many more there are; "" when
// there is no call.
func (c *calls) line() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	all := c.phone
	if len(all) == 0 {
		all = c.presence
	}
	if len(all) == 0 {
		return ""
	}
	list := make([]*call, 0, len(all))
	for _, cl := range all {
		list = append(list, cl)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].state != list[j].state {
			return list[i].state < list[j].state
		}
		return list[i].seq > list[j].seq
	})
	top := list[0]
	var s string
	switch top.state {
	case callRinging:
		s = "Incoming call: " + top.party
	case callConnected:
		s = "On a call: " + top.party
	default:
		s = "Call on hold: " + top.party
	}
	if n := len(list) - 1; n > 0 {
		s += fmt.Sprintf(" (and %d more)", n)
	}
	return s
}

// callEvent handles the widget's call events (Notify).
func (a *App) callEvent(m bridge.Inbound) {
	switch m := m.(type) {
	case bridge.CallRing:
		id, who := a.calls.ring(m.Call)
		a.ringing(id, who)
	case bridge.CallStart:
		a.withdraw(a.calls.start(m.Call))
	case bridge.CallEnd:
		a.withdraw(a.calls.end(m.Call))
	case bridge.ActiveCall:
		a.calls.active(m.Call)
	case bridge.PageLoad:
		for _, w := range a.calls.reset() {
			a.withdraw(w)
		}
	}
	a.setCalls(a.calls.line(), a.calls.ringingID())
}

// withdraw takes a notification back, on the notifications' goroutine (a D-Bus call, in
// order after the notification was shown).
func (a *App) withdraw(f func()) {
	if f != nil {
		a.notes.do(f)
	}
}

// setCalls shows the calls in the tray, in one snapshot: the line, and the call that rings
// (which the menu can answer or decline), so no menu has one without the other.
func (a *App) setCalls(line, ringing string) {
	a.mu.Lock()
	same := a.snap.Call == line && a.snap.RingingCall == ringing
	a.snap.Call, a.snap.RingingCall = line, ringing
	a.mu.Unlock()
	if !same {
		a.changed()
	}
}

// setTrayText sets one text of the snapshot (a field of a.snap) under the lock, and
// redraws the tray when it changed.
func (a *App) setTrayText(field *string, text string) {
	a.mu.Lock()
	same := *field == text
	*field = text
	a.mu.Unlock()
	if !same {
		a.changed()
	}
}

// ringing tells the user of an incoming call while the window is out of sight: the
// notification answers or declines it with the widget's own commands, and a click on it
// brings the window. It is taken back when the call is answered, declined or ends.
func (a *App) ringing(id, who string) {
	if a.opts.Main == nil || a.opts.Main.Visible() {
		return // the widget shows its own ringing call
	}
	u, ok := a.opts.Notifier.(UrgentNotifier)
	if !ok || id == "" {
		a.tell("Incoming call", who)
		return
	}
	a.notes.do(func() { // off the bridge's loop: the notification daemon may take seconds
		w, err := u.NotifyUrgent("Incoming call", who, a.ShowWindow,
			notify.Action{Key: "answer", Label: "Answer", Do: func() { a.AnswerCall(id) }},
			notify.Action{Key: "decline", Label: "Decline", Do: func() { a.DeclineCall(id) }},
		)
		if err != nil {
			a.log.Warn("cannot show a desktop notification", "err", err)
			return
		}
		a.calls.setRingNote(id, w)
	})
}

// AnswerCall answers the web phone call id with the widget's own command (the ring
// notification's Answer, the tray's "Answer call"), and brings the window: the call's
// controls (mute, hang up) are there.
func (a *App) AnswerCall(id string) {
	a.controlCall("answer", id)
	a.ShowWindow()
}

// DeclineCall declines the web phone call id with the widget's own command.
func (a *App) DeclineCall(id string) { a.controlCall("reject", id) }

// controlCall sends the widget one of its call commands for the web phone call id.
func (a *App) controlCall(action, id string) {
	a.mu.Lock()
	w := a.widget
	a.mu.Unlock()
	if w == nil {
		return
	}
	if err := w.Post(bridge.ControlCall{CallAction: action, CallID: id}); err != nil {
		a.log.Warn("cannot pass a call command to the widget", "action", action, "err", err)
	}
}
