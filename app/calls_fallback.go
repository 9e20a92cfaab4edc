package app

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"sync"

	"github.com/embeddable-tray/embeddable-tray/app/signin"
	"github.com/embeddable-tray/embeddable-tray/bridge"
)

// When the window can call neither with WebKit's own WebRTC nor with the app's engine (no
// sound server, the engine failed), the user is told once, in plain words, and calls go
// another way: RingOut (the widget calls the user's own phone, myLocation, first, then the
// number), with myLocation asked once and remembered; or, without one, the RingCentral web
// app in the system browser. rcapp:// links (the widget's "RingCentral App" calling option,
// which nothing on Linux opens) go to the web app too.

// webAppCallURL is the RingCentral web app's page that calls a number (CALLING.md).
const webAppCallURL = "https://app.ringcentral.com/r/call?number="

// openBrowser opens a page in the system browser; tests replace it.
var openBrowser = signin.OpenBrowser

// tri is a yes/no that may not be known yet.
type tri int

const (
	unknown tri = iota
	yes
	no
)

// mustFallBack is the fallback decision: calls go another way when the engine cannot serve
// and the page has no WebRTC of its own. The engine says so only when the page's calling
// shim asked it, and the shim asks only in a page without native WebRTC; a page known to have
// WebRTC calls by itself whatever the engine does.
func mustFallBack(nativeRTC tri, engineUnavailable string) bool {
	return engineUnavailable != "" && nativeRTC != yes
}

// fallback is the state of the decision and of what came of it.
type fallback struct {
	mu          sync.Mutex
	native      tri    // the current page's own WebRTC
	unavailable string // why the engine cannot serve; "" while it can
	active      bool   // calls go another way (decided once per run)
	told        bool   // the user was told
	asking      bool   // the myLocation prompt is open
	location    string // RingOut's first leg; "" none (then the web app)
	loggedIn    bool   // the current page is logged in to RingCentral (it takes settings then)
	settled     bool   // the current page said it calls with RingOut, or was told again once
}

// CallingUnavailable says the calling engine cannot serve calls, and why (no sound server,
// it failed to start). Called by the engine's wiring: RTCToPage does it for the engine's own
// engine.unavailable event.
func (a *App) CallingUnavailable(reason string) {
	if reason == "" {
		reason = "the call engine failed"
	}
	f := &a.fallback
	f.mu.Lock()
	f.unavailable = reason
	f.mu.Unlock()
	a.decideFallback()
}

// PageWebRTC records whether the current page has WebRTC of its own.
func (a *App) PageWebRTC(native bool) {
	f := &a.fallback
	f.mu.Lock()
	f.native = no
	if native {
		f.native = yes
	}
	f.mu.Unlock()
	a.decideFallback()
}

// RTCToPage wraps the function that posts the engine's messages to the page (its Send): an
// engine.unavailable event (CONTRACTS.md §4) also tells the app, which tells the user.
func (a *App) RTCToPage(post func(msg []byte)) func(msg []byte) {
	return func(msg []byte) {
		post(msg)
		if !strings.Contains(string(msg), `"engine.unavailable"`) { // cheap test before parsing
			return
		}
		var ev struct {
			Event  string `json:"event"`
			Reason string `json:"reason"`
		}
		if json.Unmarshal(msg, &ev) == nil && ev.Event == "engine.unavailable" {
			// The engine says so only to a page whose shim asked it: no native WebRTC there.
			a.fallback.mu.Lock()
			a.fallback.native = no
			a.fallback.mu.Unlock()
			a.CallingUnavailable(ev.Reason)
		}
	}
}

// decideFallback turns calls to another way the first time the decision says so.
func (a *App) decideFallback() {
	f := &a.fallback
	f.mu.Lock()
	if f.active || !mustFallBack(f.native, f.unavailable) {
		f.mu.Unlock()
		return
	}
	f.active = true
	reason := f.unavailable
	f.mu.Unlock()
	a.log.Warn("calls cannot use this computer's sound: calling another way", "reason", reason)

	loc, err := loadMyLocation()
	if err != nil {
		a.log.Warn("cannot read the RingOut number", "err", err)
	}
	if loc != "" {
		a.useRingOut(loc, reason)
		return
	}
	go a.askMyLocation(reason)
}

// useRingOut makes RingOut to loc the way calls go, tells the user (once) and the widget.
func (a *App) useRingOut(loc, reason string) {
	f := &a.fallback
	f.mu.Lock()
	f.location = loc
	first := !f.told
	f.told = true
	loggedIn := f.loggedIn
	f.mu.Unlock()
	a.setCallingNote("Calls ring " + loc + " first (RingOut)")
	if first {
		a.tell("Calls ring your phone first", plainReason(reason)+
			" So calls use RingOut: RingCentral calls "+loc+" first, then the number. You can change this in the widget's calling settings.")
	}
	if loggedIn {
		a.sendRingOut(loc)
	}
}

// useWebApp makes the RingCentral web app in the browser the way calls go.
func (a *App) useWebApp(reason string) {
	f := &a.fallback
	f.mu.Lock()
	first := !f.told
	f.told = true
	f.mu.Unlock()
	a.setCallingNote("Calls open in the RingCentral web app")
	if first {
		a.tell("Calls open in your browser", plainReason(reason)+
			" Calls you start from a phone link open in the RingCentral web app in your browser.")
	}
}

// plainReason says in plain words why this computer cannot call in the window.
func plainReason(reason string) string {
	r := strings.ToLower(reason)
	if strings.Contains(r, "sound server") || strings.Contains(r, "pulse") || strings.Contains(r, "pipewire") {
		return "This computer's sound system is not running, so calls cannot use its microphone and speakers."
	}
	return "Calls cannot use this computer's microphone and speakers (" + reason + ")."
}

// setCallingNote shows how calls go in the tray.
func (a *App) setCallingNote(note string) { a.setTrayText(&a.snap.CallingNote, note) }

// sendRingOut tells the widget to call with RingOut from loc. It takes calling settings
// once it is logged in (it ignores them before), so this runs at every login too.
func (a *App) sendRingOut(loc string) {
	a.mu.Lock()
	w := a.widget
	a.mu.Unlock()
	if w == nil {
		return
	}
	if err := w.Post(bridge.CallingSettings{CallWith: "ringout", MyLocation: loc, RingoutPrompt: true}); err != nil {
		a.log.Warn("cannot switch the widget to RingOut", "err", err)
	}
}

// fallbackLogin is the page's RingCentral login, for RingOut's settings.
func (a *App) fallbackLogin(on bool) {
	f := &a.fallback
	f.mu.Lock()
	was := f.loggedIn
	f.loggedIn = on
	loc := f.location
	f.mu.Unlock()
	if on && !was && loc != "" {
		a.sendRingOut(loc)
	}
}

// fallbackPage starts a page: it is not logged in yet, and its own WebRTC is not known.
// Once calls go another way they keep doing so for the run: the sound system or the
// engine do not come back on their own.
func (a *App) fallbackPage() {
	f := &a.fallback
	f.mu.Lock()
	f.loggedIn, f.settled = false, false
	if !f.active {
		f.native = unknown
	}
	f.mu.Unlock()
	// The window can tell whether WebKit gives the page WebRTC (webview.Window does).
	if q, ok := a.opts.Main.(interface{ NativeWebRTC(func(native, ok bool)) }); ok {
		q.NativeWebRTC(func(native, ok bool) {
			if ok {
				go a.PageWebRTC(native) // off the UI thread: telling the user may wait on D-Bus
			}
		})
	}
}

// callingSettings hears the widget's calling settings. The widget takes
// rc-calling-settings-update only once its calling settings are ready, which may be after its
// login, and it says so first with rc-calling-settings-notify: while RingOut is the way, a
// page that does not call with RingOut at that point is told once more.
func (a *App) callingSettings(m bridge.CallingSettingsNotify) {
	f := &a.fallback
	f.mu.Lock()
	loc := f.location
	again := f.active && loc != "" && !f.settled && m.CallWith != "ringout"
	if f.active && loc != "" {
		f.settled = true
	}
	f.mu.Unlock()
	if again {
		a.sendRingOut(loc)
	}
}

// askMyLocation asks the user once for RingOut's number; without one, calls go to the web app.
func (a *App) askMyLocation(reason string) {
	f := &a.fallback
	f.mu.Lock()
	if f.asking {
		f.mu.Unlock()
		return
	}
	f.asking = true
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.asking = false; f.mu.Unlock() }()

	loc, err := promptMyLocation(a.ctx, a.OpenPage, plainReason(reason))
	if err != nil {
		if !errors.Is(err, errNoLocation) && !errors.Is(err, context.Canceled) {
			a.log.Warn("cannot ask for the RingOut number", "err", err)
		}
		a.useWebApp(reason)
		return
	}
	if err := saveMyLocation(loc); err != nil {
		a.log.Warn("cannot remember the RingOut number; it is asked again next time", "err", err)
	}
	a.useRingOut(loc, reason)
}

// OpenCallLink opens a calling link nothing on this computer handles in the RingCentral web
// app: rcapp://r/call?number=N (the widget's "RingCentral App" option; there is no
// RingCentral desktop app on Linux). It reports whether uri was such a link.
func (a *App) OpenCallLink(uri string) bool {
	u, err := url.Parse(uri)
	if err != nil || !strings.EqualFold(u.Scheme, "rcapp") {
		return false
	}
	// The widget writes the number unencoded ("number=+1555..."): a '+' is the number's, not
	// a space, so the query is not read as a form.
	var number string
	for _, kv := range strings.Split(u.RawQuery, "&") {
		if v, ok := strings.CutPrefix(kv, "number="); ok {
			number, _ = url.PathUnescape(v)
		}
	}
	if n, ok := PhoneNumberFromURI("tel:" + number); ok {
		number = n
	} else {
		number = ""
	}
	go a.callInWebApp(number) // the caller may be the UI thread; the opener may wait on D-Bus
	return true
}

// callInWebApp opens the web app's call page for number (its dialer when number is "").
func (a *App) callInWebApp(number string) {
	if err := openBrowser(webAppCallURL + url.QueryEscape(number)); err != nil {
		a.log.Warn("cannot open the RingCentral web app in the browser", "err", err)
		a.tell("Cannot open the browser", "Call "+number+" from the RingCentral app or a phone: the browser could not be opened.")
	}
}

// dialElsewhere reports whether a number from a tel: link goes to the web app instead of the
// widget: calls cannot go through the window, and no RingOut number was given.
func (a *App) dialElsewhere(number string) bool {
	f := &a.fallback
	f.mu.Lock()
	web := f.active && f.location == "" && !f.asking
	f.mu.Unlock()
	if web {
		a.callInWebApp(number)
	}
	return web
}
