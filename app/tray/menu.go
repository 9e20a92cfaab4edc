package tray

import (
	"fmt"
	"github.com/embeddable-tray/embeddable-tray/app/phase"
	"strings"
	"unicode/utf8"
)

// busy reports whether a sign-in or sign-out is under way, when the
// sign-in/sign-out item is disabled so one click cannot start two flows.

// State is one snapshot of everything the tray shows. The menu is drawn from
// it as a whole, so it is a plain comparable value.
type State struct {
	WindowVisible bool
	DisplayName   string // the service's display name
	Phase         phase.Phase
	Account       string
	Problem       string // last error, shown in the menu and tooltip; "" if none
	// ContactsProblem says why the contacts shown may be out of date; "" if none.
	ContactsProblem string

	StartAtLogin          bool
	StartAtLoginSupported bool

	// KeyringWarning says that the sign-in will not be remembered, e.g.
	// "Sign-in will not be remembered (no keyring)"; "" if all is well.
	KeyringWarning string

	// Call is the widget's call in progress, e.g. "On a call: Ann (+15551230001)"; "" none.
	Call string
	// RingingCall is the widget's id of the web phone call ringing now ("" none): while it
	// rings the menu can answer or decline it, as the notification's buttons do where
	// notifications have buttons (not Windows' balloons), also while the window is hidden.
	RingingCall string
	// CallingNote says how calls go when the window cannot call, e.g. "Calls ring +1555...
	// first (RingOut)"; "" while it calls itself.
	CallingNote string
}

// action is what clicking a menu entry does; actNone marks an information line.
type action int

const (
	actNone action = iota
	actToggleWindow
	actSignInOut
	actStartAtLogin
	actQuit
	actAnswer
	actDecline
)

// kind is how a menu entry is drawn.
type kind int

const (
	kindItem kind = iota
	kindCheckbox
	kindSeparator
)

// entry is one line of the menu, independent of fyne.io/systray so the whole
// menu can be table-tested without a desktop.
type entry struct {
	kind    kind
	label   string
	enabled bool
	checked bool
	action  action
}

// maxLineRunes keeps an error message from making the menu as wide as the screen.
const maxLineRunes = 80

// serviceName is the name the menu uses for the service; fallback covers a
// config without a display name.
func serviceName(s State, fallback string) string {
	if s.DisplayName != "" {
		return s.DisplayName
	}
	if fallback != "" {
		return fallback
	}
	return "the service"
}

// statusLine is the disabled line that says where the sign-in stands; the
// tooltip starts with it too.
func statusLine(s State, name string) string {
	switch s.Phase {
	case phase.SignedIn:
		if s.Account == "" {
			return fmt.Sprintf("Signed in to %s", name)
		}
		return fmt.Sprintf("Signed in to %s as %s", name, s.Account)
	case phase.SigningIn:
		return fmt.Sprintf("Signing in to %s…", name)
	case phase.SigningOut:
		return "Signing out…"
	default:
		return fmt.Sprintf("Not signed in to %s", name)
	}
}

// signLabel is the label of the one sign-in or sign-out item: whichever
// applies to the phase (a sign-out in progress still reads "Sign out").
func signLabel(s State, name string) string {
	if s.Phase == phase.SignedIn || s.Phase == phase.SigningOut {
		return fmt.Sprintf("Sign out of %s", name)
	}
	return fmt.Sprintf("Sign in to %s…", name)
}

func windowLabel(visible bool) string {
	if visible {
		return "Hide window"
	}
	return "Show window"
}

// tooltip is the status line followed by the problem and the keyring
// warning, one per line, so hovering the icon tells the whole story.
func tooltip(s State, name string) string {
	lines := []string{statusLine(s, name)}
	if c := oneLine(s.Call); c != "" {
		lines = append([]string{c}, lines...)
	}
	for _, p := range []string{s.Problem, s.ContactsProblem} {
		if p := oneLine(p); p != "" {
			lines = append(lines, p)
		}
	}
	if w := oneLine(s.KeyringWarning); w != "" {
		lines = append(lines, w)
	}
	if c := oneLine(s.CallingNote); c != "" {
		lines = append(lines, c)
	}
	return strings.Join(lines, "\n")
}

// oneLine folds a message onto one line: menus do not wrap.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// shorten cuts a menu line to maxLineRunes, ending it with an ellipsis.
func shorten(s string) string {
	if utf8.RuneCountInString(s) <= maxLineRunes {
		return s
	}
	r := []rune(s)
	return string(r[:maxLineRunes-1]) + "…"
}

// menuEntries is the whole menu for a snapshot, top to bottom.
func menuEntries(s State, fallbackName string) []entry {
	name := serviceName(s, fallbackName)
	es := []entry{
		{kind: kindItem, label: windowLabel(s.WindowVisible), enabled: true, action: actToggleWindow},
	}
	if c := oneLine(s.Call); c != "" {
		es = append(es, entry{kind: kindItem, label: shorten(c)})
	}
	if s.RingingCall != "" {
		es = append(es,
			entry{kind: kindItem, label: "Answer call", enabled: true, action: actAnswer},
			entry{kind: kindItem, label: "Decline call", enabled: true, action: actDecline},
		)
	}
	es = append(es, entry{kind: kindItem, label: statusLine(s, name)})
	for _, p := range []string{s.Problem, s.ContactsProblem} {
		if p := oneLine(p); p != "" {
			es = append(es, entry{kind: kindItem, label: shorten(p)})
		}
	}
	if w := oneLine(s.KeyringWarning); w != "" {
		es = append(es, entry{kind: kindItem, label: shorten(w)})
	}
	if c := oneLine(s.CallingNote); c != "" {
		es = append(es, entry{kind: kindItem, label: shorten(c)})
	}
	es = append(es, entry{kind: kindItem, label: signLabel(s, name), enabled: !s.Phase.Busy(), action: actSignInOut})
	if s.StartAtLoginSupported {
		es = append(es, entry{kind: kindCheckbox, label: "Start at login", enabled: true, checked: s.StartAtLogin, action: actStartAtLogin})
	}
	return append(es,
		entry{kind: kindSeparator},
		entry{kind: kindItem, label: "Quit", enabled: true, action: actQuit},
	)
}

// Actions is what the tray asks of the app. Its methods are called on the
// tray's event goroutine: they must return quickly (hand slow work to a
// goroutine) and may call Tray.Update.
type Actions interface {
	ToggleWindow()
	SignIn()
	SignOut()
	SetStartAtLogin(on bool)
	Quit()
	// AnswerCall and DeclineCall answer or decline the web phone call id with the widget's
	// own commands.
	AnswerCall(id string)
	DeclineCall(id string)
}

// perform runs a click on an entry of the menu drawn from s. The state is
// the one the user saw when clicking, so "Sign out" signs out even if a
// newer snapshot is on its way.
func perform(a Actions, act action, s State) {
	switch act {
	case actToggleWindow:
		a.ToggleWindow()
	case actSignInOut:
		switch s.Phase {
		case phase.SignedOut:
			a.SignIn()
		case phase.SignedIn:
			a.SignOut()
		}
	case actStartAtLogin:
		a.SetStartAtLogin(!s.StartAtLogin)
	case actQuit:
		a.Quit()
	case actAnswer:
		a.AnswerCall(s.RingingCall)
	case actDecline:
		a.DeclineCall(s.RingingCall)
	}
}

func (a action) String() string {
	switch a {
	case actToggleWindow:
		return "toggle window"
	case actSignInOut:
		return "sign in/out"
	case actStartAtLogin:
		return "start at login"
	case actQuit:
		return "quit"
	case actAnswer:
		return "answer call"
	case actDecline:
		return "decline call"
	}
	return "none"
}
