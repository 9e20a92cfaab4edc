package app

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/embeddable-tray/embeddable-tray/internal/localpage"
)

// RingOut's myLocation: the user's own phone, which RingCentral calls first. It is asked once
// (a small local page) and kept in a plain settings file: it is the user's phone number, not
// a secret.

//go:embed calls_location.html
var locationHTML string

var locationTmpl = localpage.ParseForm("location", locationHTML)

// errNoLocation: the user chose not to give a number (or closed the window).
var errNoLocation = errors.New("no RingOut number given")

// callingFile is where the calling settings are kept: <config dir>/embeddable-tray/calling.json.
func callingFile() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no config directory: %w", err)
	}
	return filepath.Join(dir, "embeddable-tray", "calling.json"), nil
}

type callingSettingsFile struct {
	MyLocation string `json:"myLocation"`
}

// loadMyLocation reads the RingOut number; "" and no error when none was kept.
func loadMyLocation() (string, error) {
	p, err := callingFile()
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var s callingSettingsFile
	if err := json.Unmarshal(b, &s); err != nil {
		return "", fmt.Errorf("%s: %w", p, err)
	}
	n, ok := myLocationNumber(s.MyLocation)
	if !ok {
		return "", fmt.Errorf("%s: %q is not a phone number", p, s.MyLocation)
	}
	return n, nil
}

// saveMyLocation keeps the RingOut number, replacing the file whole.
func saveMyLocation(n string) error {
	p, err := callingFile()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(callingSettingsFile{MyLocation: n}, "", "  ")
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// myLocationNumber checks a phone number typed by the user and returns it without its
// formatting: digits, an optional leading +, 7 to 15 digits (E.164 has at most 15).
func myLocationNumber(s string) (string, bool) {
	n, ok := PhoneNumberFromURI("tel:" + strings.TrimSpace(s))
	if !ok || strings.ContainsAny(n, "*#") {
		return "", false
	}
	if digits := len(strings.TrimPrefix(n, "+")); digits < 7 || digits > 15 {
		return "", false
	}
	return n, true
}

// locationData is what calls_location.html shows: the form, or (Done) the outcome.
type locationData struct {
	Done           bool
	Title, Message string
	Why, Number    string
	Action, CSRF   string
}

// promptMyLocation asks for RingOut's number on a one-shot local page (localpage.Ask) opened
// with open, and waits. why says why calls cannot go through the window. It returns
// errNoLocation when the user declines or closes the window, ctx's error when ctx ends first.
func promptMyLocation(ctx context.Context, open func(title, url string) (<-chan struct{}, func(), error), why string) (string, error) {
	show := func(url string) (<-chan struct{}, func(), error) { return open("Your phone for calls", url) }
	return localpage.Ask(ctx, show, locationForm(why))
}

// locationForm is the RingOut question: one phone number, checked by myLocationNumber.
func locationForm(why string) localpage.Form[string] {
	page := func(tok localpage.Token, number, message string) locationData {
		return locationData{Why: why, Number: number, Message: message, Action: tok.Action, CSRF: tok.CSRF}
	}
	return localpage.Form[string]{
		Name:     "the RingOut prompt",
		Template: locationTmpl,
		MaxBody:  4 << 10,
		Blank:    func(tok localpage.Token) any { return page(tok, "", "") },
		Save: func(tok localpage.Token, fields url.Values) (string, any, bool) {
			typed := fields.Get("number")
			n, ok := myLocationNumber(typed)
			if !ok {
				return "", page(tok, typed, "Enter a phone number with its country code, such as +1 555 123 4567."), false
			}
			return n, locationData{Done: true, Title: "Saved", Message: "Calls ring " + n + " first."}, true
		},
		Cancelled:     errNoLocation,
		CancelledPage: locationData{Done: true, Title: "Calls open in your browser", Message: "Calls from phone links open in the RingCentral web app."},
		Over:          locationData{Done: true, Title: "Already answered", Message: "This question is over."},
	}
}
