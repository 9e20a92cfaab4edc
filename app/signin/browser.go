package signin

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os/exec"
	"runtime"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/embeddable-tray/embeddable-tray/internal/localpage"
)

// OpenBrowser opens url (http or https only) in the user's default browser, for
// `service.signIn: "browser"` (RFC 8252 §4.1 prefers the system browser; some providers
// refuse embedded windows). It asks the XDG desktop portal first (D-Bus, no command
// line), else runs the OS's opener, whose command line every local user can read: give
// it only a URL that is worth nothing to them (BrowserPresenter's one-time hop). It
// returns once the URL is handed over.
func OpenBrowser(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("signin: will only open http(s) URLs in the browser")
	}
	if runtime.GOOS != "darwin" && runtime.GOOS != "windows" {
		if err := portalOpenURI(rawURL); err == nil {
			return nil
		}
	}
	name, args := browserCommand(runtime.GOOS, rawURL)
	cmd := exec.Command(name, args...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("signin: cannot open the browser with %s: %w", name, err)
	}
	go func() { _ = cmd.Wait() }() // reap the opener; the browser itself lives on
	return nil
}

// portalOpenURI hands rawURL to org.freedesktop.portal.OpenURI on the session bus, which
// opens it in the default browser (also from a sandbox). It fails when there is no bus or
// no portal.
func portalOpenURI(rawURL string) error {
	conn, err := dbus.SessionBus()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	obj := conn.Object("org.freedesktop.portal.Desktop", "/org/freedesktop/portal/desktop")
	var handle dbus.ObjectPath
	return obj.CallWithContext(ctx, "org.freedesktop.portal.OpenURI.OpenURI", 0,
		"", rawURL, map[string]dbus.Variant{}).Store(&handle)
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

// BrowserPresenter shows the sign-in in the system browser. The authorization URL (its
// state, its callback port) never leaves the app: the browser is sent to a one-time
// loopback URL that redirects once to it and is dead afterwards. A second visit to that
// URL means someone else got there first (another local user reading the opener's
// command line): the sign-in is stopped, so their visit leads nowhere. A browser tab
// cannot be watched otherwise: the timeout ends an abandoned sign-in.
type BrowserPresenter struct {
	// Open opens the URL; nil means OpenBrowser.
	Open func(url string) error
	// Logger: nil means slog.Default().
	Logger *slog.Logger

	mu  sync.Mutex
	hop *localpage.Server
}

// hopPage tells whoever opens the one-time URL again that it is spent.
var hopPage = localpage.Parse("hop", `<!doctype html><html><head><meta charset="utf-8"><title>Sign-in link used</title><style>{{pageCSS}}</style></head>
<body><main><h1>This sign-in link was already used</h1><p>{{.}}</p></main></body></html>`)

// Present serves the one-time URL for authURL and opens it in the browser.
func (b *BrowserPresenter) Present(authURL string) (<-chan struct{}, error) {
	log := b.Logger
	if log == nil {
		log = slog.Default()
	}
	path := "/" + rand.Text()
	closed := make(chan struct{})
	var once sync.Once
	used := false
	var mu sync.Mutex
	hop, err := localpage.Listen(func(string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != path || r.Method != http.MethodGet {
				http.NotFound(w, r)
				return
			}
			mu.Lock()
			first := !used
			used = true
			mu.Unlock()
			if first {
				w.Header().Set("Cache-Control", "no-store")
				w.Header().Set("Referrer-Policy", "no-referrer")
				http.Redirect(w, r, authURL, http.StatusFound)
				return
			}
			once.Do(func() {
				log.Warn("the one-time sign-in link was opened twice: stopping the sign-in")
				close(closed)
			})
			localpage.Write(w, http.StatusGone, hopPage, "The sign-in was stopped because its link was opened twice. Start it again from the app.")
		})
	}, log)
	if err != nil {
		return nil, fmt.Errorf("signin: cannot serve the sign-in link: %w", err)
	}
	b.mu.Lock()
	b.hop = hop
	b.mu.Unlock()
	open := b.Open
	if open == nil {
		open = OpenBrowser
	}
	if err := open("http://" + hop.Addr + path); err != nil {
		b.Dismiss()
		return nil, err
	}
	return closed, nil
}

// Dismiss ends the one-time URL; the app cannot close a browser tab.
func (b *BrowserPresenter) Dismiss() {
	b.mu.Lock()
	hop := b.hop
	b.hop = nil
	b.mu.Unlock()
	if hop != nil {
		_ = hop.Close()
	}
}

func (b *BrowserPresenter) closedReason() string {
	return "the sign-in link was opened twice, perhaps by someone else: start again"
}
