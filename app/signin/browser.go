package signin

import (
	"fmt"
	"net/url"
	"os/exec"
	"runtime"
)

// OpenBrowser opens url (http or https only) in the user's default browser, for
// `service.signIn: "browser"` (RFC 8252 §4.1 prefers the system browser; some providers
// refuse embedded windows). It returns once the opener has started.
func OpenBrowser(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("signin: will only open http(s) URLs in the browser")
	}
	name, args := browserCommand(runtime.GOOS, rawURL)
	cmd := exec.Command(name, args...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("signin: cannot open the browser with %s: %w", name, err)
	}
	go func() { _ = cmd.Wait() }() // reap the opener; the browser itself lives on
	return nil
}

// browserCommand is the opener of each OS.
func browserCommand(goos, rawURL string) (string, []string) {
	switch goos {
	case "darwin":
		return "open", []string{rawURL}
	case "windows":
		return "rundll32", []string{"url.dll,FileProtocolHandler", rawURL}
	}
	return "xdg-open", []string{rawURL}
}

// BrowserPresenter shows the sign-in in the system browser. A browser tab cannot be
// watched, so its closed channel never fires: the timeout ends an abandoned sign-in.
type BrowserPresenter struct {
	// Open opens the URL; nil means OpenBrowser.
	Open func(url string) error
}

// Present opens authURL in the browser.
func (b BrowserPresenter) Present(authURL string) (<-chan struct{}, error) {
	open := b.Open
	if open == nil {
		open = OpenBrowser
	}
	if err := open(authURL); err != nil {
		return nil, err
	}
	return nil, nil // nil: never closed
}

// Dismiss does nothing: the app cannot close a browser tab.
func (BrowserPresenter) Dismiss() {}
