// Package tray draws the app's tray icon and menu with fyne.io/systray.
//
// It follows the shape of tailscale's client/systray: the menu is drawn as a
// whole from one State snapshot (fyne.io/systray cannot list or reorder its
// items, so resetting and redrawing is also the simple way), and clicks flow
// one way, from one event loop to Actions. The app answers with a new State
// through Update, and the menu is drawn again.
package tray

import (
	"context"
	"github.com/embeddable-tray/embeddable-tray/app/phase"
	"log/slog"
	"sync"

	"fyne.io/systray"
)

// Icons are the tray icon's image bytes: PNG on Linux and macOS, ICO on
// Windows (the caller picks). The icon tells signed in from signed out at a
// glance.
type Icons struct {
	SignedIn, SignedOut []byte
}

// Tray keeps the tray menu in step with the latest State.
type Tray struct {
	title   string
	icons   Icons
	actions Actions
	log     *slog.Logger

	mu     sync.Mutex
	latest State
	ready  bool

	// rebuildCh coalesces updates: one pending signal stands for any number
	// of Update calls, and the loop draws the latest snapshot.
	rebuildCh chan struct{}
}

// New makes a tray; nothing is shown until OnReady runs. title names the
// service when a State has no DisplayName. It does not call
// systray.SetTitle: on Linux the title is the tray's id, and the caller sets
// it before start(). A nil logger means slog.Default().
func New(title string, icons Icons, a Actions, logger *slog.Logger) *Tray {
	if logger == nil {
		logger = slog.Default()
	}
	return &Tray{
		title:     title,
		icons:     icons,
		actions:   a,
		log:       logger.With("component", "tray"),
		rebuildCh: make(chan struct{}, 1),
	}
}

// OnReady draws the menu from the latest State and starts the loop that
// redraws it on every Update. Pass it to systray.RunWithExternalLoop (or
// systray.Run); fyne.io/systray calls it once, on its own goroutine.
func (t *Tray) OnReady() {
	t.mu.Lock()
	if t.ready {
		t.mu.Unlock()
		return
	}
	t.ready = true
	s := t.latest
	t.mu.Unlock()

	// Drawn before returning: fyne.io/systray answers the panel's first
	// GetLayout only after OnReady returns, so the panel never sees an
	// empty menu.
	items := t.draw(s, nil)
	go t.run(s, items)
}

// Update hands the tray a new snapshot. It never blocks and is safe from any
// goroutine; updates that arrive faster than the menu is drawn are
// coalesced, and an unchanged snapshot draws nothing.
func (t *Tray) Update(s State) {
	t.mu.Lock()
	t.latest = s
	t.mu.Unlock()
	select {
	case t.rebuildCh <- struct{}{}:
	default: // a redraw is already pending; it will read the latest snapshot
	}
}

// items are the clickable entries of one drawing of the menu.
type items map[action]*systray.MenuItem

// run redraws the menu whenever the snapshot changes, for the life of the
// process (the icon goes with systray's end()). Each drawing gets its own
// event loop; the previous one is cancelled first, as its items are gone.
func (t *Tray) run(drawn State, m items) {
	stopLoop := t.startEventLoop(m, drawn)
	for range t.rebuildCh {
		t.mu.Lock()
		s := t.latest
		t.mu.Unlock()
		if s == drawn {
			continue
		}
		stopLoop()
		m = t.draw(s, &drawn)
		stopLoop = t.startEventLoop(m, s)
		drawn = s
	}
}

// startEventLoop runs the event loop of one drawing; the returned function
// cancels it.
func (t *Tray) startEventLoop(m items, s State) context.CancelFunc {
	ctx, cancel := context.WithCancel(context.Background())
	go t.eventLoop(ctx, m, s)
	return cancel
}

// draw replaces the whole menu with the one for s; prev is the snapshot on
// screen (nil the first time), so the icon is only sent when it changes.
func (t *Tray) draw(s State, prev *State) items {
	systray.ResetMenu()
	m := items{}
	for _, e := range menuEntries(s, t.title) {
		var it *systray.MenuItem
		switch e.kind {
		case kindSeparator:
			systray.AddSeparator()
			continue
		case kindCheckbox:
			it = systray.AddMenuItemCheckbox(e.label, "", e.checked)
		default:
			it = systray.AddMenuItem(e.label, "")
		}
		if !e.enabled {
			it.Disable()
		}
		if e.action != actNone {
			m[e.action] = it
		}
	}
	systray.SetTooltip(tooltip(s, serviceName(s, t.title)))
	if prev == nil || (prev.Phase == phase.SignedIn) != (s.Phase == phase.SignedIn) {
		systray.SetIcon(t.icon(s))
	}
	t.log.Debug("tray menu drawn", "phase", s.Phase, "window_visible", s.WindowVisible)
	return m
}

func (t *Tray) icon(s State) []byte {
	if s.Phase == phase.SignedIn {
		return t.icons.SignedIn
	}
	return t.icons.SignedOut
}

// clicked is an item's click channel; nil (never ready in a select) when the
// item is not in this drawing of the menu.
func clicked(it *systray.MenuItem) <-chan struct{} {
	if it == nil {
		return nil
	}
	return it.ClickedCh
}

// eventLoop is the one place clicks are handled for one drawing of the menu.
// fyne.io/systray drops a click nobody is receiving, so the loop must be
// running whenever the menu is on screen; it ends when the next drawing
// cancels it or removes (closes) its items.
func (t *Tray) eventLoop(ctx context.Context, m items, s State) {
	for {
		var act action
		var ok bool
		select {
		case <-ctx.Done():
			return
		case _, ok = <-clicked(m[actToggleWindow]):
			act = actToggleWindow
		case _, ok = <-clicked(m[actSignInOut]):
			act = actSignInOut
		case _, ok = <-clicked(m[actStartAtLogin]):
			act = actStartAtLogin
		case _, ok = <-clicked(m[actQuit]):
			act = actQuit
		case _, ok = <-clicked(m[actAnswer]):
			act = actAnswer
		case _, ok = <-clicked(m[actDecline]):
			act = actDecline
		}
		if !ok || ctx.Err() != nil {
			return // the menu was redrawn: this drawing's items are gone
		}
		t.log.Debug("tray menu clicked", "action", act.String(), "phase", s.Phase)
		perform(t.actions, act, s)
	}
}
