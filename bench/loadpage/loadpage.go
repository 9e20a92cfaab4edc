// Package loadpage serves a page that stands where the widget does and measures the host
// from inside: it fires its own rc-post-message-requests in a loop and reports figures
// once, instead of one test round trip per request (e2e/standin's way, right for checking
// behaviour, far too slow for 10,000 requests). The bench command and the reliability
// soak test both load it in the real app.
package loadpage

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

//go:embed assets
var assets embed.FS

// Modes of the page (its mode query parameter).
const (
	ModeReady     = "ready" // report the load, then idle
	ModeRoundTrip = "rt"    // N requests one after the other; Result has p50/p99
	ModeSoak      = "soak"  // N requests in bursts with bad messages mixed in
)

// Ready is the page's first POST after it loaded: the moment it counts as ready.
type Ready struct {
	Page string    `json:"page"`
	Mode string    `json:"mode"`
	Href string    `json:"href"`
	At   time.Time `json:"-"` // when it reached the server
}

// Result is what the page reports at the end of a rt or soak run.
type Result struct {
	Mode       string `json:"mode"`
	Page       string `json:"page"`
	Error      string `json:"error,omitempty"` // a script error ended the run
	Registered string `json:"registered"`      // the service name the host registered, "" if none

	Count    int     `json:"count"` // requests sent (valid and malformed)
	TotalMs  float64 `json:"totalMs"`
	Timeouts int     `json:"timeouts"` // valid requests not answered within the widget's timeout

	// rt
	Path     string  `json:"path,omitempty"`
	Answered int     `json:"answered,omitempty"`
	P50Ms    float64 `json:"p50Ms,omitempty"`
	P99Ms    float64 `json:"p99Ms,omitempty"`
	MaxMs    float64 `json:"maxMs,omitempty"`
	MeanMs   float64 `json:"meanMs,omitempty"`
	ClockMs  float64 `json:"clockMs,omitempty"` // the page clock's step: the percentiles' resolution

	// soak
	Valid        int      `json:"valid,omitempty"`        // well-formed requests
	Malformed    int      `json:"malformed,omitempty"`    // requests the host must refuse
	OtherTypes   int      `json:"otherTypes,omitempty"`   // messages the host ignores
	AnsweredOnce int      `json:"answeredOnce,omitempty"` // valid requests answered exactly once
	Errors       int      `json:"errors,omitempty"`       // answers that were {error}
	Data         int      `json:"data,omitempty"`         // answers that were {data}
	Unmatched    int      `json:"unmatched,omitempty"`    // answers to no request of the page
	Missing      []string `json:"missing,omitempty"`      // first unanswered ids
	Doubled      []string `json:"doubled,omitempty"`      // first ids answered more than once
	Bursts       int      `json:"bursts,omitempty"`
}

// Server serves the page on a loopback port of its own: the widget's origin for the app.
type Server struct {
	srv  *http.Server
	base string

	gate     chan struct{} // closed by Release
	gateOnce sync.Once

	mu      sync.Mutex
	ready   []Ready
	results []Result
	changed chan struct{}
}

// Start serves the page until Close.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("loadpage: listen: %w", err)
	}
	s := &Server{base: "http://" + ln.Addr().String(), changed: make(chan struct{}), gate: make(chan struct{})}
	static, _ := fs.Sub(assets, "assets")
	mux := http.NewServeMux()
	files := http.FileServerFS(static)
	mux.Handle("GET /", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		files.ServeHTTP(w, r)
	}))
	mux.HandleFunc("POST /ready", s.handleReady)
	mux.HandleFunc("POST /result", s.handleResult)
	mux.HandleFunc("GET /go", s.handleGo)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() { _ = s.srv.Close() }

// Origin is the page's origin, the app's widget origin.
func (s *Server) Origin() string { return s.base }

// URL is the page in the given mode; n is the number of requests for rt and soak.
func (s *Server) URL(mode string, n int) string {
	q := url.Values{"mode": {mode}, "n": {strconv.Itoa(n)}}
	return s.base + "/load.html?" + q.Encode()
}

// GatedURL is URL for a page that, once loaded, waits for Release before it starts: a
// test can measure the app at rest first.
func (s *Server) GatedURL(mode string, n int) string { return s.URL(mode, n) + "&gate=1" }

// Release lets gated pages start.
func (s *Server) Release() { s.gateOnce.Do(func() { close(s.gate) }) }

// handleGo answers a gated page once released (204: ask again).
func (s *Server) handleGo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	select {
	case <-s.gate:
		w.WriteHeader(http.StatusOK)
	case <-time.After(10 * time.Second):
		w.WriteHeader(http.StatusNoContent)
	case <-r.Context().Done():
	}
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	var rd Ready
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&rd); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rd.At = at
	s.mu.Lock()
	s.ready = append(s.ready, rd)
	s.signal()
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleResult(w http.ResponseWriter, r *http.Request) {
	var res Result
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&res); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.results = append(s.results, res)
	s.signal()
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// signal wakes the waiters; s.mu is held.
func (s *Server) signal() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Marks are how many ready and result reports arrived so far: pass them to WaitReady and
// WaitResult to wait for newer ones only.
func (s *Server) Marks() (ready, results int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ready), len(s.results)
}

// WaitReady waits for the first page load after mark (see Marks).
func (s *Server) WaitReady(ctx context.Context, mark int) (Ready, error) {
	var out Ready
	err := s.wait(ctx, func() bool {
		if len(s.ready) > mark {
			out = s.ready[mark]
			return true
		}
		return false
	})
	if err != nil {
		return out, fmt.Errorf("loadpage: the page did not load: %w", err)
	}
	return out, nil
}

// WaitResult waits for the first result after mark (see Marks).
func (s *Server) WaitResult(ctx context.Context, mark int) (Result, error) {
	var out Result
	err := s.wait(ctx, func() bool {
		if len(s.results) > mark {
			out = s.results[mark]
			return true
		}
		return false
	})
	if err != nil {
		return out, fmt.Errorf("loadpage: no result from the page: %w", err)
	}
	if out.Error != "" {
		return out, errors.New("loadpage: the page failed: " + out.Error)
	}
	return out, nil
}

func (s *Server) wait(ctx context.Context, done func() bool) error {
	for {
		s.mu.Lock()
		ok, changed := done(), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
