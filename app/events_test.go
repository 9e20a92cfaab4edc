package app

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/bridge"
)

// fakeNotifier records desktop notifications.
type fakeNotifier struct {
	drain func()
	mu    sync.Mutex
	notes []string // "title: body"
}

func (n *fakeNotifier) Notify(title, body string, onClick func()) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.notes = append(n.notes, title+": "+body)
	return nil
}

func (n *fakeNotifier) all() []string {
	n.drain() // notifications are shown on a goroutine of their own
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.notes...)
}

func (w *fakeWidget) newCalls() []bridge.NewCall {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []bridge.NewCall
	for _, m := range w.sent {
		if c, ok := m.(bridge.NewCall); ok {
			out = append(out, c)
		}
	}
	return out
}

// TestDialDoesNotWaitForReady: the real widget's dialer says ready:false for as long as it
// cannot place calls (always, on a WebKitGTK without WebRTC), and takes rc-adapter-new-call
// once logged in to RingCentral (PROTOCOL.md). A number reaches it then, and the user is
// told why it waits and why the call cannot start.
func TestDialDoesNotWaitForReady(t *testing.T) {
	h := newHarness(t, nil)
	notes := &fakeNotifier{drain: h.app.notes.drain}
	h.app.opts.Notifier = notes
	h.app.Notify(bridge.PageLoad{Href: "http://127.0.0.1:9/app.html"})
	h.app.Notify(bridge.DialerStatus{Ready: false})

	h.app.Dial("+15551234567")
	assert.Empty(t, h.widget.newCalls(), "no login yet: the widget would drop the number")
	assert.Empty(t, notes.all(), "a kept login may come any moment: nothing to say yet")
	h.app.Notify(bridge.LoginStatus{LoggedIn: false})
	assert.Empty(t, h.widget.newCalls())
	require.Len(t, notes.all(), 1)
	assert.Contains(t, notes.all()[0], "logged in to RingCentral")
	h.app.Dial("+15551234567")
	assert.Len(t, notes.all(), 2, "logged out: said at once")

	h.app.Notify(bridge.LoginStatus{LoggedIn: true})
	assert.Equal(t, []bridge.NewCall{{PhoneNumber: "+15551234567", ToCall: false}, {PhoneNumber: "+15551234567", ToCall: false}}, h.widget.newCalls())
	require.Len(t, notes.all(), 4)
	assert.Contains(t, notes.all()[2], "+15551234567 is in the dialer")
	assert.Contains(t, notes.all()[2], "not ready")

	h.app.Dial("+15550000000")
	assert.Len(t, h.widget.newCalls(), 3, "logged in: at once, ready or not")
	assert.Len(t, notes.all(), 5)

	h.app.Notify(bridge.DialerStatus{Ready: true})
	h.app.Dial("+15550000001")
	assert.Len(t, h.widget.newCalls(), 4)
	assert.Len(t, notes.all(), 5, "a ready dialer needs no explanation")

	// A new page logs in again before it takes numbers.
	h.app.Notify(bridge.PageLoad{Href: "http://127.0.0.1:9/app.html"})
	h.app.Dial("+15550000002")
	assert.Len(t, h.widget.newCalls(), 4)
	h.app.Notify(bridge.LoginStatus{LoggedIn: true})
	assert.Len(t, h.widget.newCalls(), 5)
}

// TestCallerFromRealShapes: who calls, from the objects the real widget sends.
func TestCallerFromRealShapes(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"ring: from is the number, fromUserName the caller ID",
			`{"direction":"Inbound","from":"+15551230001","fromUserName":"Ann Example","to":"+16505550100","toUserName":"Me"}`,
			"Ann Example (+15551230001)"},
		{"ring: the widget's contact match names the caller first",
			`{"from":"+15551230001","fromUserName":"WIRELESS CALLER","contactMatch":{"name":"Ann Example","type":"Crm"}}`,
			"Ann Example (+15551230001)"},
		{"ring: an extension, no name", `{"from":"101","fromUserName":""}`, "101"},
		{"ring: the name is the number", `{"from":"+15551230001","fromUserName":"+15551230001"}`, "+15551230001"},
		{"message: from is an object", `{"from":{"phoneNumber":"+15551230002","name":"Bob"},"subject":"hi"}`, "Bob (+15551230002): hi"},
		{"message: from an extension", `{"from":{"extensionNumber":"102","name":"Carol"}}`, "Carol (102)"},
		{"nothing usable", `7`, "Unknown caller"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, caller(json.RawMessage(tt.raw)))
		})
	}
}

// drain waits until everything queued before it ran (only tests need to).
func (ns *notes) drain() {
	done := make(chan struct{})
	ns.do(func() { close(done) })
	<-done
}
