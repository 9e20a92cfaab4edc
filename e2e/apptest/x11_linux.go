//go:build linux

package apptest

// The pkg-config line is the project's one WebKit API (see TOOLCHAIN.md); only Xlib is used.

/*
#cgo linux pkg-config: gtk+-3.0 webkit2gtk-4.0
#cgo linux LDFLAGS: -lX11
#include <X11/Xlib.h>
#include <string.h>

// send_delete asks the window to close the way a window manager's close button does: a
// WM_PROTOCOLS/WM_DELETE_WINDOW client message (the app sees GTK's delete-event).
static int send_delete(unsigned long win) {
	Display *d = XOpenDisplay(NULL);
	if (!d) return -1;
	XEvent ev;
	memset(&ev, 0, sizeof ev);
	ev.xclient.type = ClientMessage;
	ev.xclient.window = win;
	ev.xclient.message_type = XInternAtom(d, "WM_PROTOCOLS", False);
	ev.xclient.format = 32;
	ev.xclient.data.l[0] = XInternAtom(d, "WM_DELETE_WINDOW", False);
	ev.xclient.data.l[1] = CurrentTime;
	Status s = XSendEvent(d, win, False, NoEventMask, &ev);
	XSync(d, False);
	XCloseDisplay(d);
	return s ? 0 : -2;
}
*/
import "C"

import "fmt"

// sendDelete sends WM_DELETE_WINDOW to the X window: under Xvfb there is no window manager, and
// xdotool's windowclose destroys the window instead, which is not what a user's click does.
func sendDelete(id uint64) error {
	switch rc := C.send_delete(C.ulong(id)); rc {
	case 0:
		return nil
	case -1:
		return fmt.Errorf("cannot open the X display (DISPLAY unset or not reachable)")
	default:
		return fmt.Errorf("XSendEvent to window %#x failed (%d)", id, int(rc))
	}
}
