package apppassword

import (
	"context"
	_ "embed"
	"net/url"

	"github.com/embeddable-tray/embeddable-tray/internal/localpage"
)

//go:embed page.html
var pageHTML string

var pageTmpl = localpage.ParseForm("page", pageHTML)

// pageData is what page.html shows: the form, or (Done) the outcome.
type pageData struct {
	Done    bool
	Title   string
	Host    string
	Account string
	Action  string
	CSRF    string
	Message string
}

// maxForm bounds a POST body: a password and a token.
const maxForm = 16 << 10

// Prompt serves the app-password form on a one-shot local page (localpage.Ask) and shows
// it with open, then waits. It returns the password typed, ErrCancelled when the window was
// closed (open's closed channel) or Cancel pressed, and ctx's error when ctx ends first.
// The window is dismissed and the listener closed before it returns. The password travels
// in the POST body only.
func Prompt(ctx context.Context, open func(url string) (closed <-chan struct{}, dismiss func(), err error), title, account, serverURL string) (string, error) {
	return localpage.Ask(ctx, open, passwordForm(pageData{Title: title, Host: hostOf(serverURL), Account: account}))
}

// passwordForm is the app-password question: one field, not empty.
func passwordForm(data pageData) localpage.Form[string] {
	page := func(tok localpage.Token, message string) pageData {
		d := data
		d.Action, d.CSRF, d.Message = tok.Action, tok.CSRF, message
		return d
	}
	return localpage.Form[string]{
		Name:     "the app-password prompt",
		Template: pageTmpl,
		MaxBody:  maxForm,
		Blank:    func(tok localpage.Token) any { return page(tok, "") },
		Save: func(tok localpage.Token, fields url.Values) (string, any, bool) {
			pw := fields.Get("password")
			if pw == "" {
				return "", page(tok, "Enter the app password, or Cancel."), false
			}
			return pw, pageData{Done: true, Title: "Saved", Message: "The app password is kept in the system keyring."}, true
		},
		Cancelled:     ErrCancelled,
		CancelledPage: pageData{Done: true, Title: "Cancelled", Message: "No app password was saved."},
		Over:          pageData{Done: true, Title: "Already answered", Message: "This prompt is over."},
	}
}

// hostOf is the server's host for the page ("contacts.example.com"), or the raw text.
func hostOf(serverURL string) string {
	if u, err := url.Parse(serverURL); err == nil && u.Host != "" {
		return u.Host
	}
	return serverURL
}
