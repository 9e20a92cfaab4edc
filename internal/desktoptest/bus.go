// Package desktoptest stands in for the desktop in tests: a panel that hosts
// tray icons (org.kde.StatusNotifierWatcher), a client that reads and clicks
// their menus (com.canonical.dbusmenu), and a notification daemon
// (org.freedesktop.Notifications), all on a private D-Bus session bus.
//
// The app under test talks to these exactly as it talks to a real desktop,
// so a test sees what a user would see in the panel.
package desktoptest

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/embeddable-tray/embeddable-tray/internal/realpart"
)

// SessionBus returns a new private connection to the session bus, closed
// when the test ends. With no session bus (DBUS_SESSION_BUS_ADDRESS unset,
// not under dbus-run-session) it starts a private dbus-daemon for this test
// and points DBUS_SESSION_BUS_ADDRESS at it, so the code under test, which
// uses dbus.SessionBus(), finds the same bus. Tests using it cannot be
// parallel (t.Setenv).
func SessionBus(t testing.TB) *dbus.Conn {
	t.Helper()
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", startDaemon(t))
	}
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatalf("connect to the session bus at %q: %v", os.Getenv("DBUS_SESSION_BUS_ADDRESS"), err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// startDaemon runs a private session dbus-daemon until the test ends and
// returns its address.
func startDaemon(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("dbus-daemon")
	if err != nil {
		realpart.Missing(t, "no session bus and no dbus-daemon to start one (apt-get install dbus, or run under dbus-run-session)")
	}
	cmd := exec.Command(bin, "--session", "--nofork", "--nopidfile", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("dbus-daemon: %v", err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addr <- strings.TrimSpace(line)
	}()
	select {
	case a := <-addr:
		if a == "" {
			t.Fatal("dbus-daemon printed no address")
		}
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("dbus-daemon printed no address within 10s")
	}
	return ""
}

// poll calls f until it reports done or ctx ends; it is how the helpers wait
// for the app without sleeping a fixed time.
func poll(ctx context.Context, f func() bool) error {
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		if f() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// ownName takes a well-known name on conn for the test, failing when someone
// else (a real desktop) already owns it: the test would talk to them instead.
func ownName(t testing.TB, conn *dbus.Conn, name string) {
	t.Helper()
	reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
	if err != nil {
		t.Fatalf("request %s: %v", name, err)
	}
	if reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("request %s: not the owner (reply %d); is a real desktop on this bus? run under dbus-run-session", name, reply)
	}
	t.Cleanup(func() { _, _ = conn.ReleaseName(name) })
}
