package desktoptest

import (
	"context"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWatcherRecordsRegistrations(t *testing.T) {
	panelConn := SessionBus(t)
	itemConn := SessionBus(t)
	w := StartWatcher(t, panelConn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	watcher := itemConn.Object(watcherName, watcherPath)
	register := func(arg string) {
		t.Helper()
		require.NoError(t, watcher.CallWithContext(ctx, watcherIface+".RegisterStatusNotifierItem", 0, arg).Err)
	}
	register("/StatusNotifierItem")
	register("/StatusNotifierItem") // again, as fyne.io/systray does when the watcher reappears
	register("org.example.Other")

	me := itemConn.Names()[0]
	first, err := w.WaitItem(ctx)
	require.NoError(t, err)
	assert.Equal(t, me, first, "a path means the caller's own connection")
	second, err := w.WaitItem(ctx)
	require.NoError(t, err)
	assert.Equal(t, "org.example.Other", second)
	assert.Equal(t, []string{me + "/StatusNotifierItem", "org.example.Other/StatusNotifierItem"}, w.Items())

	v, err := watcher.GetProperty(watcherIface + ".RegisteredStatusNotifierItems")
	require.NoError(t, err)
	assert.Equal(t, w.Items(), v.Value())
	v, err = watcher.GetProperty(watcherIface + ".IsStatusNotifierHostRegistered")
	require.NoError(t, err)
	assert.Equal(t, true, v.Value())

	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelShort()
	_, err = w.WaitItem(short)
	require.ErrorIs(t, err, context.DeadlineExceeded, "no third item")
}

func TestMenuItemDefaults(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]dbus.Variant
		want  MenuItem
	}{
		{"spec defaults", map[string]dbus.Variant{},
			MenuItem{ID: 7, Enabled: true, Visible: true, Type: "standard", ToggleState: -1}},
		{"separator", map[string]dbus.Variant{"type": dbus.MakeVariant("separator")},
			MenuItem{ID: 7, Enabled: true, Visible: true, Type: "separator", ToggleState: -1}},
		{"checked, disabled item", map[string]dbus.Variant{
			"label": dbus.MakeVariant("Start at login"), "enabled": dbus.MakeVariant(false),
			"toggle-type": dbus.MakeVariant("checkmark"), "toggle-state": dbus.MakeVariant(int32(1)),
			"visible": dbus.MakeVariant(false)},
			MenuItem{ID: 7, Label: "Start at login", Enabled: false, Visible: false, Type: "standard",
				ToggleType: "checkmark", ToggleState: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, menuItem(7, tt.props))
		})
	}
}

func TestLabels(t *testing.T) {
	got := Labels([]MenuItem{{Label: "Show window"}, {Type: "separator"}, {Label: "Quit"}})
	assert.Equal(t, `["Show window" --- "Quit"]`, got)
}

func TestNotificationsRejectUnknownIDs(t *testing.T) {
	n := StartNotifications(t, SessionBus(t))
	require.Error(t, n.Invoke(42, "default"))
	require.Error(t, n.Close(42, 2))
}
