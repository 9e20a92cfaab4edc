package apptest

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// XWindow is a visible top-level X window of the app.
type XWindow struct {
	ID   uint64
	Name string
}

// Windows lists the app's visible windows (xdotool search by the process id GTK sets in
// _NET_WM_PID).
func (a *App) Windows(ctx context.Context) ([]XWindow, error) {
	out, err := exec.CommandContext(ctx, "xdotool", "search", "--onlyvisible", "--pid", strconv.Itoa(a.PID())).Output()
	if err != nil {
		// xdotool exits 1 when nothing matches.
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 && len(out) == 0 {
			return nil, nil
		}
		return nil, fmt.Errorf("xdotool search --pid %d: %w", a.PID(), err)
	}
	var ws []XWindow
	for _, f := range strings.Fields(string(out)) {
		id, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			continue
		}
		name, err := exec.CommandContext(ctx, "xdotool", "getwindowname", f).Output()
		if err != nil {
			continue // gone meanwhile
		}
		ws = append(ws, XWindow{ID: id, Name: strings.TrimSpace(string(name))})
	}
	return ws, nil
}

// WaitWindow polls until the app has a visible window whose name contains title (present) or
// has none (!present), and returns it.
func (a *App) WaitWindow(ctx context.Context, title string, present bool) (XWindow, error) {
	var last []XWindow
	for {
		ws, err := a.Windows(ctx)
		if err == nil {
			last = ws
			found := XWindow{}
			ok := false
			for _, w := range ws {
				if strings.Contains(w.Name, title) {
					found, ok = w, true
					break
				}
			}
			if ok == present {
				return found, nil
			}
		}
		select {
		case <-ctx.Done():
			return XWindow{}, fmt.Errorf("waiting for window %q present=%v: %w; visible windows: %+v", title, present, ctx.Err(), last)
		case <-a.done:
			return XWindow{}, fmt.Errorf("app exited (%v) while waiting for window %q", a.err, title)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// CloseWindow clicks the window's close button, as far as the app can tell: the X client
// message a window manager sends for it.
func CloseWindow(w XWindow) error {
	if err := sendDelete(w.ID); err != nil {
		return fmt.Errorf("close window %q: %w", w.Name, err)
	}
	return nil
}
