// Package phase names where the third-party sign-in stands. It is a leaf: the app owns
// the state, the tray only draws it, and neither has to import the other for the name.
package phase

import "fmt"

// Phase is where the third-party sign-in stands.
type Phase int

const (
	SignedOut Phase = iota
	SigningIn
	SignedIn
	SigningOut
)

func (p Phase) String() string {
	switch p {
	case SignedOut:
		return "signed out"
	case SigningIn:
		return "signing in"
	case SignedIn:
		return "signed in"
	case SigningOut:
		return "signing out"
	}
	return fmt.Sprintf("Phase(%d)", int(p))
}

// Busy reports whether a sign-in or sign-out is under way.
func (p Phase) Busy() bool { return p == SigningIn || p == SigningOut }
