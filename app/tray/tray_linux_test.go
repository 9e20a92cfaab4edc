//go:build linux

package tray_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"os"
	"testing"
	"time"

	"fyne.io/systray"
	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/app/phase"
	"github.com/embeddable-tray/embeddable-tray/app/tray"
	"github.com/embeddable-tray/embeddable-tray/internal/desktoptest"
)

// actions records the tray's calls on a channel, in order.
type actions chan string

func (a actions) ToggleWindow() { a <- "toggle window" }
func (a actions) SignIn()       { a <- "sign in" }
func (a actions) SignOut()      { a <- "sign out" }
func (a actions) SetStartAtLogin(on bool) {
	if on {
		a <- "start at login on"
	} else {
		a <- "start at login off"
	}
}
func (a actions) Quit()                 { a <- "quit" }
func (a actions) AnswerCall(id string)  { a <- "answer " + id }
func (a actions) DeclineCall(id string) { a <- "decline " + id }

func (a actions) next(t *testing.T, ctx context.Context) string {
	t.Helper()
	select {
	case s := <-a:
		return s
	case <-ctx.Done():
		t.Fatalf("no tray action arrived: %v", ctx.Err())
		return ""
	}
}

func solidPNG(t *testing.T, c color.NRGBA) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	for y := 0; y < 4; y++ {
		for x := 0; x < 4; x++ {
			img.SetNRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

// panel reads and clicks the tray over D-Bus, as a desktop panel does.
type panel struct {
	t    *testing.T
	ctx  context.Context
	conn *dbus.Conn
	bus  string
}

func (p panel) waitLabel(label string) desktoptest.MenuItem {
	p.t.Helper()
	it, err := desktoptest.WaitLabel(p.ctx, p.conn, p.bus, func(l string) bool { return l == label })
	require.NoError(p.t, err)
	return it
}

func (p panel) click(label string) {
	p.t.Helper()
	it := p.waitLabel(label)
	require.NoError(p.t, desktoptest.Click(p.ctx, p.conn, p.bus, it.ID))
}

// waitLooks waits until the tooltip's title and the icon's first pixel are what a panel
// should show: fyne.io/systray sets them after the menu, each in its own D-Bus update.
func (p panel) waitLooks(title string, argb []byte) {
	p.t.Helper()
	var gotTitle string
	var gotPixel []byte
	ok := assert.Eventually(p.t, func() bool {
		tt, err := desktoptest.ReadToolTip(p.ctx, p.conn, p.bus)
		if err != nil {
			return false
		}
		px, err := desktoptest.ReadIconPixmap(p.ctx, p.conn, p.bus)
		if err != nil || len(px) == 0 || len(px[0].ARGB) < 4 {
			return false
		}
		gotTitle, gotPixel = tt.Title, px[0].ARGB[:4]
		return gotTitle == title && bytes.Equal(gotPixel, argb)
	}, 30*time.Second, 10*time.Millisecond)
	if !ok {
		p.t.Fatalf("the tray shows tooltip %q and icon pixel %v; want %q and %v", gotTitle, gotPixel, title, argb)
	}
}

// TestTrayOverDBus runs the real tray (fyne.io/systray) headless: this test
// owns org.kde.StatusNotifierWatcher as a panel does, then reads the menu,
// tooltip and icon and clicks items through com.canonical.dbusmenu.
// fyne.io/systray keeps global state, so all of it is one test.
func TestTrayOverDBus(t *testing.T) {
	conn := desktoptest.SessionBus(t)
	watcher := desktoptest.StartWatcher(t, conn)
	require.True(t, tray.Available(), "the session bus is there, so the tray is available")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	acts := make(actions, 16)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	red, green := color.NRGBA{R: 255, A: 255}, color.NRGBA{G: 255, A: 255}
	tr := tray.New("Fallback", tray.Icons{SignedOut: solidPNG(t, red), SignedIn: solidPNG(t, green)}, acts, log)
	tr.Update(tray.State{DisplayName: "Acme CRM", Phase: phase.SignedOut, StartAtLoginSupported: true})

	systray.SetTitle("embeddable-tray-test")
	start, end := systray.RunWithExternalLoop(tr.OnReady, nil)
	start()
	t.Cleanup(end)

	bus, err := watcher.WaitItem(ctx)
	require.NoError(t, err)
	p := panel{t: t, ctx: ctx, conn: conn, bus: bus}

	t.Run("signed out menu, tooltip and icon", func(t *testing.T) {
		p.waitLabel("Not signed in to Acme CRM")
		items, err := desktoptest.Menu(ctx, conn, bus)
		require.NoError(t, err)
		assert.Equal(t, `["Show window" "Not signed in to Acme CRM" "Sign in to Acme CRM…" "Start at login" --- "Quit"]`,
			desktoptest.Labels(items))
		enabled := map[string]bool{}
		for _, it := range items {
			enabled[it.Label] = it.Enabled
		}
		assert.False(t, enabled["Not signed in to Acme CRM"], "the status line is not clickable")
		assert.True(t, enabled["Sign in to Acme CRM…"])
		assert.Equal(t, "checkmark", items[3].ToggleType)
		assert.Equal(t, int32(0), items[3].ToggleState)

		p.waitLooks("Not signed in to Acme CRM", []byte{255, 255, 0, 0}) // signed-out icon: ARGB red
	})

	t.Run("clicks reach the actions", func(t *testing.T) {
		p.click("Sign in to Acme CRM…")
		assert.Equal(t, "sign in", acts.next(t, ctx))
		p.click("Show window")
		assert.Equal(t, "toggle window", acts.next(t, ctx))
		p.click("Start at login")
		assert.Equal(t, "start at login on", acts.next(t, ctx))
	})

	t.Run("signing in disables the sign-in item", func(t *testing.T) {
		tr.Update(tray.State{DisplayName: "Acme CRM", Phase: phase.SigningIn, StartAtLoginSupported: true})
		it := p.waitLabel("Signing in to Acme CRM…")
		assert.False(t, it.Enabled)
		it = p.waitLabel("Sign in to Acme CRM…")
		assert.False(t, it.Enabled, "one sign-in at a time")
	})

	t.Run("signed in redraws the menu, tooltip and icon", func(t *testing.T) {
		// Several updates in a row: the tray draws the last one.
		tr.Update(tray.State{DisplayName: "Acme CRM", Phase: phase.SigningIn})
		tr.Update(tray.State{DisplayName: "Acme CRM", Phase: phase.SignedIn, Account: "x@example.com"})
		tr.Update(tray.State{DisplayName: "Acme CRM", Phase: phase.SignedIn, Account: "ann@example.com",
			WindowVisible: true, StartAtLoginSupported: true, StartAtLogin: true, Problem: "token refreshed late"})
		p.waitLabel("Signed in to Acme CRM as ann@example.com")
		items, err := desktoptest.Menu(ctx, conn, bus)
		require.NoError(t, err)
		assert.Equal(t, `["Hide window" "Signed in to Acme CRM as ann@example.com" "token refreshed late" "Sign out of Acme CRM" "Start at login" --- "Quit"]`,
			desktoptest.Labels(items))
		assert.Equal(t, int32(1), items[4].ToggleState, "start at login is checked")

		p.waitLooks("Signed in to Acme CRM as ann@example.com\ntoken refreshed late", []byte{255, 0, 255, 0}) // signed-in icon: ARGB green

		p.click("Sign out of Acme CRM")
		assert.Equal(t, "sign out", acts.next(t, ctx))
		p.click("Start at login")
		assert.Equal(t, "start at login off", acts.next(t, ctx))
		p.click("Hide window")
		assert.Equal(t, "toggle window", acts.next(t, ctx))
	})

	t.Run("a ringing call is answered or declined from the menu", func(t *testing.T) {
		ringing := tray.State{DisplayName: "Acme CRM", Phase: phase.SignedIn, Call: "Incoming call: Ann (+15551230001)", RingingCall: "s-1"}
		tr.Update(ringing)
		p.waitLabel("Answer call")
		items, err := desktoptest.Menu(ctx, conn, bus)
		require.NoError(t, err)
		assert.Equal(t, `["Show window" "Incoming call: Ann (+15551230001)" "Answer call" "Decline call" "Signed in to Acme CRM" "Sign out of Acme CRM" --- "Quit"]`,
			desktoptest.Labels(items))
		p.click("Answer call")
		assert.Equal(t, "answer s-1", acts.next(t, ctx))

		ringing.RingingCall, ringing.Call = "s-2", "Incoming call: Bob (+15551230002)"
		tr.Update(ringing)
		p.waitLabel("Incoming call: Bob (+15551230002)")
		p.click("Decline call")
		assert.Equal(t, "decline s-2", acts.next(t, ctx), "the call the menu showed")

		ringing.RingingCall, ringing.Call = "", ""
		tr.Update(ringing)
		_, err = desktoptest.WaitLabel(ctx, conn, bus, func(l string) bool { return l == "Signed in to Acme CRM" })
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			items, err := desktoptest.Menu(ctx, conn, bus)
			return err == nil && desktoptest.Labels(items) == `["Show window" "Signed in to Acme CRM" "Sign out of Acme CRM" --- "Quit"]`
		}, 30*time.Second, 10*time.Millisecond, "no call: no call items")
	})

	t.Run("quit", func(t *testing.T) {
		p.click("Quit")
		assert.Equal(t, "quit", acts.next(t, ctx))
	})

	select {
	case extra := <-acts:
		t.Errorf("unexpected extra action %q", extra)
	default:
	}
}
