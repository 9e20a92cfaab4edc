package app

import (
	"net/url"
	"strings"
	"sync"

	"github.com/embeddable-tray/embeddable-tray/bridge"
	"github.com/embeddable-tray/embeddable-tray/internal/redact"
)

// rcLogin is the window for the widget's own RingCentral login. With disableLoginPopup=1
// the widget asks us (rc-login-popup-notify) to open its OAuth page, since a webview opens
// no popups; when that window reaches the widget's redirectUri, the widget gets the URL
// back (rc-adapter-authorization-code) to finish the login with the PKCE verifier it holds.
type rcLogin struct {
	mu  sync.Mutex
	win Window
}

func (a *App) openRingCentralLogin(oAuthURI string) {
	u, err := url.Parse(oAuthURI)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		a.log.Warn("ignored a RingCentral login request with a URL that is not http(s)", "uri", redact.URL(oAuthURI))
		return
	}
	l := &a.rcLogin
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.win != nil { // a second request: the same window, the newest URL
		l.win.Navigate(oAuthURI)
		l.win.Show()
		return
	}
	win, err := a.opts.UI.NewWindow("Sign in to RingCentral")
	if err != nil {
		a.log.Error("cannot open the RingCentral login window", "err", err)
		return
	}
	l.win = win
	redirect := a.cfg.RedirectURI()
	var once sync.Once
	finish := func() {
		l.mu.Lock()
		if l.win == win {
			l.win = nil
		}
		l.mu.Unlock()
		win.Close()
	}
	win.OnClose(func() {
		once.Do(func() {
			a.log.Info("the RingCentral login window was closed; login cancelled")
			finish()
		})
	})
	win.OnPageReached(func(uri string) {
		if !sameResource(uri, redirect) {
			return
		}
		once.Do(func() {
			a.mu.Lock()
			w := a.widget
			a.mu.Unlock()
			if w != nil {
				if err := w.Post(bridge.AuthorizationCode{CallbackURI: uri}); err != nil {
					a.log.Error("cannot hand the RingCentral login back to the widget", "err", err)
				}
			}
			a.log.Info("RingCentral login reached the redirect page; handed back to the widget")
			finish()
			a.ShowWindow()
		})
	})
	win.Navigate(oAuthURI)
	win.Show()
}

// sameResource says whether uri is the page at redirect, whatever its query or fragment.
func sameResource(uri, redirect string) bool {
	u, err1 := url.Parse(uri)
	r, err2 := url.Parse(redirect)
	if err1 != nil || err2 != nil {
		return false
	}
	return strings.EqualFold(u.Scheme, r.Scheme) && strings.EqualFold(u.Host, r.Host) &&
		strings.TrimSuffix(u.Path, "/") == strings.TrimSuffix(r.Path, "/")
}
