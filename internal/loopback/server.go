package loopback

import (
	"container/list"
	"context"
	"net"
	"net/http"
	"sync"
	"time"
)

// The limits of every loopback server of the app. Its pages and answers are small and
// local: a peer that takes longer is stuck or hostile.
const (
	// ReadHeaderTimeout bounds a request's headers (slowloris).
	ReadHeaderTimeout = 5 * time.Second
	// ReadTimeout bounds a whole request, body included (forms are a few hundred bytes).
	ReadTimeout = 15 * time.Second
	// WriteTimeout bounds a handler and its answer. The sign-in callback waits for the
	// code exchange, which is bounded by the sign-in's own deadline before this.
	WriteTimeout = 2 * time.Minute
	// IdleTimeout closes a kept-alive connection with no new request.
	IdleTimeout = 30 * time.Second
	// MaxConns is how many connections a server holds at once.
	MaxConns = 64
)

// NewServer returns an http.Server for h with the timeouts above. Serve it with Serve, so
// that its connections are capped as well.
func NewServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
	}
}

// Serve serves srv on ln holding at most maxConns connections (MaxConns when 0 or less).
// When the cap is reached a new connection does not wait: the oldest connection that is
// not inside a handler (one that has sent no complete request yet, or is idle between
// requests) is closed to make room. A flood of idle or half-sent connections thus evicts
// itself, and a real request, which sends its headers at once, is served. Only when every
// connection is inside a handler does the cap give way, up to twice maxConns; beyond that
// a new connection is closed at once. It returns what srv.Serve returns.
func Serve(srv *http.Server, ln net.Listener, maxConns int) error {
	if maxConns <= 0 {
		maxConns = MaxConns
	}
	c := &capper{max: maxConns, conns: map[net.Conn]*list.Element{}, waiting: list.New()}
	prevState, prevCtx, h := srv.ConnState, srv.ConnContext, srv.Handler
	if h == nil {
		h = http.DefaultServeMux
	}
	srv.ConnState = func(conn net.Conn, st http.ConnState) {
		if st == http.StateClosed || st == http.StateHijacked {
			c.forget(conn)
		}
		if prevState != nil {
			prevState(conn, st)
		}
	}
	srv.ConnContext = func(ctx context.Context, conn net.Conn) context.Context {
		if prevCtx != nil {
			ctx = prevCtx(ctx, conn)
		}
		return context.WithValue(ctx, connKey{}, conn)
	}
	srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _ := r.Context().Value(connKey{}).(net.Conn)
		c.busy(conn, true)
		defer c.busy(conn, false)
		h.ServeHTTP(w, r)
	})
	return srv.Serve(&capListener{Listener: ln, c: c})
}

type connKey struct{}

// capper tracks a server's connections: all of them, and in order of arrival those that
// could be closed without cutting a handler short.
type capper struct {
	max     int
	mu      sync.Mutex
	conns   map[net.Conn]*list.Element // every open connection; nil while inside a handler
	waiting *list.List                 // of net.Conn not inside a handler, oldest first
}

// admit makes room for conn and records it; false means conn was refused (closed).
func (c *capper) admit(conn net.Conn) bool {
	c.mu.Lock()
	var evict []net.Conn
	for len(c.conns) >= c.max {
		front := c.waiting.Front()
		if front == nil {
			break
		}
		old := front.Value.(net.Conn)
		c.waiting.Remove(front)
		delete(c.conns, old)
		evict = append(evict, old)
	}
	ok := len(c.conns) < 2*c.max
	if ok {
		c.conns[conn] = c.waiting.PushBack(conn)
	}
	c.mu.Unlock()
	for _, old := range evict {
		_ = old.Close()
	}
	if !ok {
		_ = conn.Close()
	}
	return ok
}

// busy marks conn as inside a handler (not to be evicted) or out of it again.
func (c *capper) busy(conn net.Conn, in bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, known := c.conns[conn]
	if !known {
		return
	}
	if e != nil {
		c.waiting.Remove(e)
	}
	c.conns[conn] = nil
	if !in {
		c.conns[conn] = c.waiting.PushBack(conn)
	}
}

func (c *capper) forget(conn net.Conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.conns[conn]; e != nil {
		c.waiting.Remove(e)
	}
	delete(c.conns, conn)
}

type capListener struct {
	net.Listener
	c *capper
}

// Accept hands the server the next admitted connection.
func (l *capListener) Accept() (net.Conn, error) {
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.c.admit(conn) {
			return conn, nil
		}
	}
}
