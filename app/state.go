package app

import "github.com/embeddable-tray/embeddable-tray/app/phase"

// Phase is where the third-party sign-in stands (package phase). The app is the one
// owner of it: the widget, the tray and the keyring only ever show what this says.
type Phase = phase.Phase

const (
	SignedOut  = phase.SignedOut
	SigningIn  = phase.SigningIn
	SignedIn   = phase.SignedIn
	SigningOut = phase.SigningOut
)

// Snapshot is the app's state at one moment, for the tray and for tests.
type Snapshot struct {
	Phase   Phase
	Account string // set while SignedIn
	// Problem is the last thing that went wrong, said for a person ("Sign-in was
	// cancelled: ..."); cleared by the next sign-in.
	Problem string
	// ContactsProblem says why the contacts shown may be out of date (the address book
	// could not be read); cleared by the next successful read.
	ContactsProblem string
	WindowVisible   bool
	// Remembered is false when no keyring is available: the sign-in lasts this session only.
	Remembered   bool
	StartAtLogin bool
	// Call is the tray's line for the widget's calls ("On a call: Ann (+1555...)"); "" none.
	Call string
	// RingingCall is the id of the web phone call ringing now ("" none), which the tray can
	// answer or decline.
	RingingCall string
	// CallingNote says how calls go when the window cannot call ("Calls ring +1555... first
	// (RingOut)"); "" while the window calls itself.
	CallingNote string
}

// Authorized is what the widget is told: only a finished sign-in counts.
func (s Snapshot) Authorized() bool { return s.Phase == SignedIn }

// widgetAccount is the authorizedAccount sent with the state: empty unless signed in.
func (s Snapshot) widgetAccount() string {
	if s.Phase != SignedIn {
		return ""
	}
	return s.Account
}
