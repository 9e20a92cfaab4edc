// Package localpage serves the app's own small pages to a browser or webview over a
// loopback listener: the sign-in outcome after the OAuth redirect (app/signin), and the
// one-shot forms (Ask: app/apppassword's app password, app's RingOut number). All need the
// same listener (127.0.0.1, a random port, closed when the flow ends) and the same
// locked-down HTML answer, and the forms the same checks, so it lives once.
package localpage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/embeddable-tray/embeddable-tray/assets"
	"github.com/embeddable-tray/embeddable-tray/internal/loopback"
)

// Parse parses a page template that may use {{pageCSS}}, the look shared with the other
// app pages (assets.PageCSS). It panics on a bad template, like template.Must: the
// templates are embedded, so a test that renders them catches it.
func Parse(name, text string) *template.Template {
	return template.Must(template.New(name).Funcs(assets.PageFuncs).Parse(text))
}

// Write renders tmpl with data and answers with status. The headers keep the page out of
// caches, other origins and frames, and send no Referer: such a page's URL may hold a
// one-time code or path. The page may only post forms to itself.
func Write(w http.ResponseWriter, status int, tmpl *template.Template, data any) {
	var b bytes.Buffer
	if err := tmpl.Execute(&b, data); err != nil {
		http.Error(w, "cannot render the page", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// same-origin, not no-referrer: under no-referrer a browser sends "Origin: null" even
	// with the page's own form POST (Fetch, "append a request Origin header"), and the
	// Origin check would refuse every real sign-in. Other origins still get no Referer.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// Server is handler served on 127.0.0.1 at a random port (RFC 8252 §7.3: the loopback
// IP literal, not "localhost", which a resolver could point elsewhere), with the timeouts
// and the connection cap of package loopback: another local user's idle connections
// cannot keep the page from the user.
type Server struct {
	// Addr is "127.0.0.1:port", the Host a request for this server carries.
	Addr string
	srv  *http.Server
}

// Listen opens a new loopback listener and serves on it the handler that newHandler
// makes for the listener's address (a handler checks Host against it, or builds its
// redirect URI from it, before the first request can arrive). A serve error other than
// the Close below is logged to log (nil means slog.Default()).
func Listen(newHandler func(addr string) http.Handler, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.Default()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("cannot listen on 127.0.0.1: %w", err)
	}
	addr := ln.Addr().String()
	s := &Server{Addr: addr, srv: loopback.NewServer(newHandler(addr))}
	go func() {
		if err := loopback.Serve(s.srv, ln, 0); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("local page listener stopped", "addr", addr, "err", err)
		}
	}()
	return s, nil
}

// closeGrace is how long Close lets a page being written finish.
const closeGrace = 5 * time.Second

// Close stops the listener, letting a page being written finish for a few seconds, and
// then drops what is left. The error says the shutdown was not clean.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), closeGrace)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		_ = s.srv.Close()
		return fmt.Errorf("local page listener %s did not close cleanly: %w", s.Addr, err)
	}
	return nil
}
