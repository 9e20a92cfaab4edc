// Package rcplatform is a loopback stand-in of the RingCentral platform, written for this
// project: it serves a build of the real RingCentral Embeddable widget (app.html and its
// files, from a directory someone built by hand) on the same origin as the REST API the
// widget calls, as the widget's Content-Security-Policy requires ("connect-src 'self'").
//
// It answers what the widget asks for on start and after login (OAuth token with the
// password, authorization-code+PKCE, refresh and JWT grants; account, extension, features,
// phone numbers, dialing plan, presence, call log, message store, subscription, ...), with
// small JSON documents of its own whose shapes follow the fixtures of the npm package
// @ringcentral-integration/commons (integration-test/mock/data). Every request is logged
// and kept, so a test or the bench can wait for one (the first GET /restapi/v1.0/account/~
// means the widget is logged in and loading its data).
//
// Platform is an http.Handler: other stand-ins mount their own paths on it with Handle and
// share its origin and request log; MountCalling mounts the calling side (package rcsip:
// sip-provision, the SIP-over-WebSocket registrar, a far end), on which the real widget's web
// phone registers, rings, answers and calls (TestRealWidgetCalls).
package rcplatform

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// DefaultJWT is the JWT credential the platform accepts unless Options.JWT says otherwise:
// the widget's `jwt` URL parameter with this value logs in without any UI.
const DefaultJWT = "rcplatform-jwt"

// Options configure a Platform.
type Options struct {
	// WidgetDir holds a build of the widget (app.html, app.js, redirect.html, ...), served
	// at the root. Empty: the platform answers the API only.
	WidgetDir string
	// JWT is the one JWT assertion the token endpoint accepts (DefaultJWT if empty).
	JWT string
	// Log receives one line per request (Debug) and one per request nobody answers (Info).
	Log *slog.Logger
	// Driver serves app.html with the tests' driver script (driver.js) loaded after the
	// widget's: for tests only, it lets the test post the host's commands in the page.
	Driver bool
}

// Request is one request the platform received, in arrival order.
type Request struct {
	Seq    int // 1, 2, ... in arrival order
	Method string
	Path   string // URL path, without the query
	Query  string
	Status int
	At     time.Time
}

// Platform is the stand-in. Use New, then serve it (Listen, or any http.Server).
type Platform struct {
	opts Options
	log  *slog.Logger
	mux  *http.ServeMux
	auth *tokens

	mu      sync.Mutex
	reqs    []Request
	changed chan struct{}
}

// New makes a platform. A WidgetDir without app.html is an error: a wrong directory should
// say so at once, not as a blank window.
func New(opts Options) (*Platform, error) {
	if opts.JWT == "" {
		opts.JWT = DefaultJWT
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.WidgetDir != "" {
		if _, err := os.Stat(filepath.Join(opts.WidgetDir, "app.html")); err != nil {
			return nil, fmt.Errorf("rcplatform: %s is not a widget build (no app.html): %w", opts.WidgetDir, err)
		}
	}
	p := &Platform{opts: opts, log: opts.Log, mux: http.NewServeMux(), auth: newTokens(opts.JWT), changed: make(chan struct{})}
	p.routes()
	return p, nil
}

// Handle mounts h on pattern (http.ServeMux syntax) next to the platform's own paths; its
// requests are logged like the rest. Register before the widget asks for them.
func (p *Platform) Handle(pattern string, h http.Handler) { p.mux.Handle(pattern, h) }

// ServeHTTP answers one request and records it.
func (p *Platform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	p.mux.ServeHTTP(rec, r)
	p.record(r, rec.status)
}

// MethodWS is the Method of a Request that is a message on the WebSocket gateway; its Path
// is the message's type (Heartbeat, ClientRequest) and, for a request, its method and path.
const MethodWS = "WS"

func (p *Platform) record(r *http.Request, status int) {
	p.add(Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Status: status})
}

func (p *Platform) add(req Request) {
	p.mu.Lock()
	req.Seq, req.At = len(p.reqs)+1, time.Now()
	p.reqs = append(p.reqs, req)
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
	p.log.Debug("rcplatform request", "seq", req.Seq, "method", req.Method, "path", req.Path, "status", req.Status)
}

// Seq is the number of requests so far: pass it to WaitFor to wait for newer ones only.
func (p *Platform) Seq() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.reqs)
}

// Requests returns every request so far.
func (p *Platform) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Request(nil), p.reqs...)
}

// WaitFor waits for the first request after seq that match accepts.
func (p *Platform) WaitFor(ctx context.Context, seq int, match func(Request) bool) (Request, error) {
	for {
		p.mu.Lock()
		for _, r := range p.reqs[min(seq, len(p.reqs)):] {
			if match(r) {
				p.mu.Unlock()
				return r, nil
			}
		}
		changed := p.changed
		p.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return Request{}, fmt.Errorf("rcplatform: no such request after #%d: %w", seq, ctx.Err())
		}
	}
}

// LoggedIn matches the widget's first data request after a login: GET /restapi/v1.0/account/~
// answered 200 (it needs a valid access token).
func LoggedIn(r Request) bool {
	return r.Method == http.MethodGet && r.Path == "/restapi/v1.0/account/~" && r.Status == http.StatusOK
}

// Subscribed matches the widget's subscription to its events (calls, messages, presence)
// over the WebSocket gateway, made (POST) or, on a start with a stored session, renewed (PUT):
// from then on it can ring. On a warm start the widget keeps its login and its data, so this
// is the one request that both kinds of start make.
func Subscribed(r Request) bool {
	return r.Method == MethodWS && r.Status == http.StatusOK &&
		(strings.HasPrefix(r.Path, "ClientRequest POST /restapi/v1.0/subscription") ||
			strings.HasPrefix(r.Path, "ClientRequest PUT /restapi/v1.0/subscription/"))
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (a WebSocket upgrade mounted with
// Handle needs to hijack it).
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Hijack hands the connection over, for WebSocket libraries that look for http.Hijacker
// itself rather than through Unwrap (gorilla/websocket, the SIP registrar's).
func (s *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	s.status = http.StatusSwitchingProtocols
	return http.NewResponseController(s.ResponseWriter).Hijack()
}

func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// routes registers the widget's files and the API.
func (p *Platform) routes() {
	if p.opts.WidgetDir != "" {
		files := http.FileServer(http.Dir(p.opts.WidgetDir))
		p.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
				return
			}
			files.ServeHTTP(w, r)
		})
		if p.opts.Driver {
			p.driverRoutes()
		}
	}
	p.oauthRoutes()
	p.apiRoutes()
	// Anything else under /restapi is a path the stand-in does not know yet: say so loudly,
	// answer the way the platform does for an unknown resource.
	p.mux.HandleFunc("/restapi/", func(w http.ResponseWriter, r *http.Request) {
		p.log.Info("rcplatform: no answer for this request", "method", r.Method, "path", r.URL.Path, "query", r.URL.RawQuery)
		apiError(w, http.StatusNotFound, "CMN-102", "Resource for parameter [path] is not found")
	})
}
