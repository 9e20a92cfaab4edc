//go:build linux

package notify_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/app/notify"
	"github.com/embeddable-tray/embeddable-tray/internal/desktoptest"
)

func TestNewNeedsAConnection(t *testing.T) {
	_, err := notify.New(nil, "x", nil)
	require.ErrorIs(t, err, notify.ErrNoConnection)
}

func TestNotifyWithoutDaemon(t *testing.T) {
	conn := desktoptest.SessionBus(t)
	var activatable []string
	require.NoError(t, conn.BusObject().Call("org.freedesktop.DBus.ListActivatableNames", 0).Store(&activatable))
	if slices.Contains(activatable, "org.freedesktop.Notifications") {
		t.Skip("a notification daemon is D-Bus activatable on this bus")
	}
	n, err := notify.New(conn, "Embeddable Tray", nil)
	require.NoError(t, err, "New does not need the daemon yet")
	defer n.Close()
	err = n.Notify("Incoming call", "+1 555 123 4567", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "org.freedesktop.Notifications")
}

// clicks counts onClick calls per notification, on a channel, so the test
// waits for them instead of sleeping.
type clicks chan string

func (c clicks) on(name string) func() { return func() { c <- name } }

func (c clicks) next(t *testing.T, ctx context.Context) string {
	t.Helper()
	select {
	case s := <-c:
		return s
	case <-ctx.Done():
		t.Fatalf("no click arrived: %v", ctx.Err())
		return ""
	}
}

// TestNotifyAndClick runs the notifier against a notification daemon that
// the test owns on the session bus, as a desktop would.
func TestNotifyAndClick(t *testing.T) {
	daemonConn := desktoptest.SessionBus(t)
	appConn := desktoptest.SessionBus(t)
	daemon := desktoptest.StartNotifications(t, daemonConn)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	n, err := notify.New(appConn, "Embeddable Tray", nil)
	require.NoError(t, err)
	defer n.Close()
	got := make(clicks, 8)

	// show sends a notification and returns it as the daemon received it.
	show := func(title string, onClick func()) desktoptest.Notification {
		t.Helper()
		require.NoError(t, n.Notify(title, "body of "+title, onClick))
		nt, err := daemon.Wait(ctx)
		require.NoError(t, err)
		return nt
	}

	t.Run("the daemon gets what the app sent", func(t *testing.T) {
		nt := show("Incoming call", got.on("call"))
		assert.Equal(t, "Embeddable Tray", nt.AppName)
		assert.Equal(t, "Incoming call", nt.Summary)
		assert.Equal(t, "body of Incoming call", nt.Body)
		assert.True(t, nt.HasAction("default"), "clicking the notification is the default action")
		assert.Equal(t, appConn.Names()[0], nt.Sender)

		require.NoError(t, daemon.Invoke(nt.ID, "default"))
		assert.Equal(t, "call", got.next(t, ctx))
	})

	t.Run("onClick runs once", func(t *testing.T) {
		first := show("first", got.on("first"))
		require.NoError(t, daemon.Invoke(first.ID, "default"))
		require.NoError(t, daemon.Invoke(first.ID, "default"))
		second := show("second", got.on("second"))
		require.NoError(t, daemon.Invoke(second.ID, "default"))
		// Signals arrive in order: the second click comes after any repeat of the first.
		assert.Equal(t, "first", got.next(t, ctx))
		assert.Equal(t, "second", got.next(t, ctx))
	})

	t.Run("closed or other action does not click", func(t *testing.T) {
		closed := show("closed", got.on("closed"))
		require.NoError(t, daemon.Close(closed.ID, 2))
		require.NoError(t, daemon.Invoke(closed.ID, "default"))
		other := show("other action", got.on("other"))
		require.NoError(t, appConn.Emit("/x", "x.y.Z")) // unrelated signal traffic is ignored
		require.NoError(t, daemonConn.Emit("/org/freedesktop/Notifications",
			"org.freedesktop.Notifications.ActionInvoked", other.ID, "snooze"))
		last := show("last", got.on("last"))
		require.NoError(t, daemon.Invoke(last.ID, "default"))
		assert.Equal(t, "last", got.next(t, ctx))
		require.NoError(t, daemon.Invoke(other.ID, "default"))
		assert.Equal(t, "other", got.next(t, ctx), "the other action left it clickable")
	})

	t.Run("without onClick there is no action", func(t *testing.T) {
		nt := show("no click", nil)
		assert.Empty(t, nt.Actions)
	})

	t.Run("after Close no click runs", func(t *testing.T) {
		nt := show("after close", got.on("after close"))
		require.NoError(t, n.Close())
		require.NoError(t, daemon.Invoke(nt.ID, "default"))
		// A fresh notifier on the same connection still works, and its
		// click arrives after the stale one would have.
		n2, err := notify.New(appConn, "Embeddable Tray", nil)
		require.NoError(t, err)
		defer n2.Close()
		require.NoError(t, n2.Notify("fresh", "", got.on("fresh")))
		fresh, err := daemon.Wait(ctx)
		require.NoError(t, err)
		require.NoError(t, daemon.Invoke(fresh.ID, "default"))
		assert.Equal(t, "fresh", got.next(t, ctx))
	})

}

// TestNotifyEscapesMarkup reproduces issue 9 point 5: a caller's name or an SMS reached
// the notification as markup. A daemon that reads bodies as markup gets them escaped; one
// that does not gets them as written.
func TestNotifyEscapesMarkup(t *testing.T) {
	daemonConn := desktoptest.SessionBus(t)
	appConn := desktoptest.SessionBus(t)
	daemon := desktoptest.StartNotifications(t, daemonConn)
	n, err := notify.New(appConn, "Embeddable Tray", nil)
	require.NoError(t, err)
	defer n.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	const sms = `<b>Bank</b> & <a href="https://evil.example">verify</a>`
	for _, tt := range []struct {
		caps []string
		want string
	}{
		{nil, sms},
		{[]string{"body-markup", "body-hyperlinks"}, `&lt;b&gt;Bank&lt;/b&gt; &amp; &lt;a href="https://evil.example"&gt;verify&lt;/a&gt;`},
	} {
		daemon.SetCapabilities(tt.caps...)
		require.NoError(t, n.Notify("<i>Ann</i>", sms, nil))
		got, err := daemon.Wait(ctx)
		require.NoError(t, err)
		assert.Equal(t, tt.want, got.Body, "capabilities %v", tt.caps)
		assert.Equal(t, "<i>Ann</i>", got.Summary, "the summary is plain text by the spec")
	}
}

// TestNotifyUrgentActions: an incoming call's notification has Answer and Decline buttons
// and a clickable body; the daemon gets them with urgency critical (it stays until the user
// acts), exactly one of them runs, once, and a withdrawn notification is closed on the
// daemon and runs nothing.
func TestNotifyUrgentActions(t *testing.T) {
	daemonConn := desktoptest.SessionBus(t)
	appConn := desktoptest.SessionBus(t)
	daemon := desktoptest.StartNotifications(t, daemonConn)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := notify.New(appConn, "Embeddable Tray", nil)
	require.NoError(t, err)
	defer n.Close()
	got := make(clicks, 8)

	show := func(name string) (desktoptest.Notification, func()) {
		t.Helper()
		withdraw, err := n.NotifyUrgent("Incoming call", name, got.on(name+":body"),
			notify.Action{Key: "answer", Label: "Answer", Do: got.on(name + ":answer")},
			notify.Action{Key: "decline", Label: "Decline", Do: got.on(name + ":decline")})
		require.NoError(t, err)
		nt, err := daemon.Wait(ctx)
		require.NoError(t, err)
		return nt, withdraw
	}

	first, _ := show("first")
	assert.Equal(t, []string{"default", "Show", "answer", "Answer", "decline", "Decline"}, first.Actions)
	require.Contains(t, first.Hints, "urgency")
	assert.Equal(t, byte(2), first.Hints["urgency"].Value(), "critical: it stays until the user acts")
	require.NoError(t, daemonConn.Emit("/org/freedesktop/Notifications",
		"org.freedesktop.Notifications.ActionInvoked", first.ID, "snooze")) // not one of ours: nothing runs
	require.NoError(t, daemon.Invoke(first.ID, "answer"))
	require.NoError(t, daemon.Invoke(first.ID, "decline")) // after the answer: nothing runs
	assert.Equal(t, "first:answer", got.next(t, ctx))

	second, _ := show("second")
	require.NoError(t, daemon.Invoke(second.ID, "decline"))
	assert.Equal(t, "second:decline", got.next(t, ctx))

	third, withdraw := show("third")
	withdraw()
	reason, err := daemon.WaitClosed(ctx, third.ID)
	require.NoError(t, err)
	assert.EqualValues(t, 3, reason, "closed by the app")
	require.NoError(t, daemon.Invoke(third.ID, "answer"))

	fourth, _ := show("fourth")
	require.NoError(t, daemon.Invoke(fourth.ID, "default"))
	assert.Equal(t, "fourth:body", got.next(t, ctx), "nothing of the withdrawn one ran before")
}
