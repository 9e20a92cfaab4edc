package app

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/app/notify"
	"github.com/embeddable-tray/embeddable-tray/bridge"
)

// session is a web phone session as the widget posts it (rc-call-*-notify): from and to are
// strings (PROTOCOL.md, Events from the widget).
func session(id, direction, status string, extra ...any) json.RawMessage {
	m := map[string]any{"id": id, "direction": direction, "callStatus": status,
		"from": "+15551230001", "fromUserName": "Ann Example", "to": "+15559870000", "toUserName": "Bob Callee"}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i].(string)] = extra[i+1]
	}
	b, _ := json.Marshal(m)
	return b
}

func presence(sessionID, direction, status string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"sessionId": sessionID, "direction": direction, "telephonyStatus": status,
		"from": map[string]string{"phoneNumber": "+15551112222", "name": "Desk Caller"}, "to": map[string]string{"phoneNumber": "+15553334444"}})
	return b
}

// TestCallLine: the tray's line follows the widget's calls through ring, answer, hold, a
// second call, the ends, calls on other devices (presence), and a page reload.
func TestCallLine(t *testing.T) {
	var c calls
	steps := []struct {
		name string
		do   func()
		want string
	}{
		{"nothing", func() {}, ""},
		{"ring", func() { c.ring(session("s1", "Inbound", "webphone-session-connecting")) }, "Incoming call: Ann Example (+15551230001)"},
		{"answered", func() { c.start(session("s1", "Inbound", "webphone-session-connected")) }, "On a call: Ann Example (+15551230001)"},
		{"presence of the same call does not count twice", func() { c.active(presence("t1", "Inbound", "CallConnected")) }, "On a call: Ann Example (+15551230001)"},
		{"a second call rings: it comes first", func() {
			c.ring(session("s2", "Inbound", "webphone-session-connecting", "fromUserName", "", "from", "+15550000002"))
		}, "Incoming call: +15550000002 (and 1 more)"},
		{"the second is declined", func() { c.end(session("s2", "Inbound", "webphone-session-connecting")) }, "On a call: Ann Example (+15551230001)"},
		{"hold", func() { c.start(session("s1", "Inbound", "webphone-session-connected", "isOnHold", true)) }, "Call on hold: Ann Example (+15551230001)"},
		{"hung up: presence remains until it says NoCall", func() { c.end(session("s1", "Inbound", "webphone-session-connected")) }, "On a call: Desk Caller (+15551112222)"},
		{"presence ends", func() { c.active(presence("t1", "Inbound", "NoCall")) }, ""},
		{"an outbound call names the callee", func() { c.start(session("s3", "Outbound", "webphone-session-connected")) }, "On a call: Bob Callee (+15559870000)"},
		{"a RingOut call on another phone, presence only", func() {
			c.end(session("s3", "Outbound", ""))
			c.active(presence("t2", "Outbound", "Ringing"))
		}, "Incoming call: +15553334444"},
		{"a new page forgets everything", func() { c.reset() }, ""},
	}
	for _, s := range steps {
		s.do()
		assert.Equal(t, s.want, c.line(), s.name)
	}
}

// urgentNotifier records notifications with buttons and lets the test press them.
type urgentNotifier struct {
	fakeNotifier
	mu        sync.Mutex
	urgent    []urgentNote
	withdrawn []string
}

type urgentNote struct {
	title, body string
	onClick     func()
	actions     map[string]func()
}

func (n *urgentNotifier) NotifyUrgent(title, body string, onClick func(), actions ...notify.Action) (func(), error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	u := urgentNote{title: title, body: body, onClick: onClick, actions: map[string]func(){}}
	for _, a := range actions {
		u.actions[a.Label] = a.Do
	}
	n.urgent = append(n.urgent, u)
	return func() { n.mu.Lock(); n.withdrawn = append(n.withdrawn, body); n.mu.Unlock() }, nil
}

func (n *urgentNotifier) notes() ([]urgentNote, []string) {
	n.drain() // notifications are shown on a goroutine of their own
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]urgentNote(nil), n.urgent...), append([]string(nil), n.withdrawn...)
}

func (w *fakeWidget) controls() []bridge.ControlCall {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []bridge.ControlCall
	for _, m := range w.sent {
		if c, ok := m.(bridge.ControlCall); ok {
			out = append(out, c)
		}
	}
	return out
}

// TestRingWhileHiddenAnswersFromNotification: a ring while the window is hidden shows a
// notification with Answer and Decline; Answer sends the widget rc-adapter-control-call
// answer for that call and brings the window; Decline sends reject; the notification is
// taken back when the call is answered in the widget or ends. With the window in sight the
// widget's own ringing screen is enough.
func TestRingWhileHiddenAnswersFromNotification(t *testing.T) {
	h := newHarness(t, nil)
	notes := &urgentNotifier{fakeNotifier: fakeNotifier{drain: h.app.notes.drain}}
	h.app.opts.Notifier = notes

	h.app.Notify(bridge.CallRing{Call: session("s-visible", "Inbound", "webphone-session-connecting")})
	urgent, _ := notes.notes()
	assert.Empty(t, urgent, "the window shows the ringing call itself")
	assert.Equal(t, "Incoming call: Ann Example (+15551230001)", h.app.Snapshot().Call)
	h.app.Notify(bridge.CallEnd{Call: session("s-visible", "Inbound", "")})

	h.main.Hide()
	h.app.Notify(bridge.CallRing{Call: session("s1", "Inbound", "webphone-session-connecting")})
	urgent, _ = notes.notes()
	require.Len(t, urgent, 1)
	assert.Equal(t, "Incoming call", urgent[0].title)
	assert.Equal(t, "Ann Example (+15551230001)", urgent[0].body)
	require.Contains(t, urgent[0].actions, "Answer")
	require.Contains(t, urgent[0].actions, "Decline")
	urgent[0].actions["Answer"]()
	assert.Equal(t, []bridge.ControlCall{{CallAction: "answer", CallID: "s1"}}, h.widget.controls())
	assert.True(t, h.main.Visible(), "answering brings the call's controls")
	h.app.Notify(bridge.CallStart{Call: session("s1", "Inbound", "webphone-session-connected")})
	_, withdrawn := notes.notes()
	assert.Equal(t, []string{"Ann Example (+15551230001)"}, withdrawn, "an answered call's notification goes")

	h.main.Hide()
	h.app.Notify(bridge.CallRing{Call: session("s2", "Inbound", "webphone-session-connecting", "fromUserName", "Cy")})
	urgent, _ = notes.notes()
	require.Len(t, urgent, 2)
	urgent[1].actions["Decline"]()
	assert.Equal(t, bridge.ControlCall{CallAction: "reject", CallID: "s2"}, h.widget.controls()[1])
	assert.False(t, h.main.Visible())
	h.app.Notify(bridge.CallEnd{Call: session("s2", "Inbound", "")})
	_, withdrawn = notes.notes()
	assert.Len(t, withdrawn, 2)

	// A ring the page forgets (reload) takes its notification along.
	h.app.Notify(bridge.CallRing{Call: session("s3", "Inbound", "webphone-session-connecting")})
	h.app.Notify(bridge.PageLoad{Href: "http://127.0.0.1:9/app.html"})
	_, withdrawn = notes.notes()
	assert.Len(t, withdrawn, 3)
	assert.Equal(t, "", h.app.Snapshot().Call)
}

// TestRingingCallAnswersFromTheTray: where a notification has no buttons (Windows' tray
// balloons) the tray menu answers or declines the ringing call, window hidden or not: the
// snapshot names the newest ringing web phone call until it is answered, declined or gone.
func TestRingingCallAnswersFromTheTray(t *testing.T) {
	h := newHarness(t, nil)
	notes := &fakeNotifier{drain: h.app.notes.drain} // no NotifyUrgent, as on Windows
	h.app.opts.Notifier = notes
	h.main.Hide()

	assert.Equal(t, "", h.app.Snapshot().RingingCall)
	h.app.Notify(bridge.CallRing{Call: session("s1", "Inbound", "webphone-session-connecting")})
	assert.Equal(t, []string{"Incoming call: Ann Example (+15551230001)"}, notes.all(), "the balloon tells of it")
	require.Equal(t, "s1", h.app.Snapshot().RingingCall)
	h.app.AnswerCall(h.app.Snapshot().RingingCall)
	assert.Equal(t, []bridge.ControlCall{{CallAction: "answer", CallID: "s1"}}, h.widget.controls())
	assert.True(t, h.main.Visible(), "answering brings the call's controls")
	h.app.Notify(bridge.CallStart{Call: session("s1", "Inbound", "webphone-session-connected")})
	assert.Equal(t, "", h.app.Snapshot().RingingCall, "an answered call rings no more")

	h.app.Notify(bridge.CallRing{Call: session("s2", "Inbound", "webphone-session-connecting")})
	h.app.Notify(bridge.CallRing{Call: session("s3", "Inbound", "webphone-session-connecting", "fromUserName", "Cy")})
	require.Equal(t, "s3", h.app.Snapshot().RingingCall, "the newest ringing call")
	h.app.DeclineCall("s3")
	assert.Equal(t, bridge.ControlCall{CallAction: "reject", CallID: "s3"}, h.widget.controls()[1])
	h.app.Notify(bridge.CallEnd{Call: session("s3", "Inbound", "")})
	assert.Equal(t, "s2", h.app.Snapshot().RingingCall, "the other one still rings")
	h.app.Notify(bridge.PageLoad{Href: "http://127.0.0.1:9/app.html"})
	assert.Equal(t, "", h.app.Snapshot().RingingCall, "a new page has no calls")
}
