package bridge

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Errors of Conn.Receive besides ErrMalformed; test with errors.Is.
var (
	ErrForbidden = errors.New("bridge: refused: the call did not carry the host secret")
	ErrTooLarge  = errors.New("bridge: refused: message too large")
	ErrBusy      = errors.New("bridge: busy: too many messages waiting")
	ErrClosed    = errors.New("bridge: closed")
)

// DefaultMaxSize is the largest envelope Receive takes when Config.MaxSize is 0: the
// widget's messages are small (a request body is a page number or a list of phone
// numbers); anything near this is not the widget.
const DefaultMaxSize = 256 << 10

// queueSize bounds what Receive may queue before Run drains it.
const queueSize = 1024

// Events is what the app gives the Conn. Both methods are called on the Conn's Run
// goroutine, one at a time, and must return quickly.
type Events interface {
	// Registration returns the service to register, carrying the app's current
	// authorization state.
	Registration() Service
	// Notify receives every decoded inbound message that is not a request: PageLoad
	// when a widget page starts, then the widget's login status, adapter state, login
	// popup, dialer status, ring, inbound message and route change.
	Notify(m Inbound)
}

// Config is a Conn's wiring.
type Config struct {
	Secret  string          // per-launch secret the host script must present (NewSecret)
	MaxSize int             // largest envelope in bytes; 0 means DefaultMaxSize
	Send    func(js string) // evaluates JS in the widget page; goroutine-safe (the webview dispatches it). Required.
	Origin  string          // the widget's origin, e.g. "https://apps.ringcentral.com". Required.
	Router  *Router         // serves requests; nil means an empty router (every request gets an error)
	Events  Events          // nil means no registration and no notifications
	Logger  *slog.Logger    // nil means slog.Default()
}

// Conn is the session with the widget page over the webview: it checks and queues what
// the host script sends (Receive, on the UI thread), and its Run goroutine owns the
// rest — page generations, registration, requests in flight, authorization updates —
// so that none of it races.
//
// A page generation starts with every page load at the widget's origin. Per generation:
// the service is registered once, on the first rc-login-status-notify or
// rc-adapter-pushAdapterState, with Events.Registration(); each request is served on its
// own goroutine with a context that ends with the generation (or Run), and its
// response is dropped if the generation ended meanwhile — it is never posted into the
// next page. A requestId arriving again while its first request is pending is ignored
// (logged): answering it would give the widget two responses for one id.
type Conn struct {
	cfg    Config
	log    *slog.Logger
	queue  chan item
	router *Router

	// The one path to the widget: everything posted (the app's messages, authorization
	// updates, answers to requests) waits here, in order, for Run, the only poster.
	outMu   sync.Mutex
	out     []outItem
	outWake chan struct{} // size 1: out is not empty

	started atomic.Bool
	closed  atomic.Bool // read by Receive on the UI thread, which never takes mu

	mu      sync.Mutex // guards gen and pending: shared with the serving goroutines
	gen     uint64
	pending map[string]struct{} // requestIds of the current generation being served

	// Run goroutine only.
	registered bool
	pageCtx    context.Context
	pageCancel context.CancelFunc
	serving    sync.WaitGroup
}

// item is one checked envelope waiting for Run.
type item struct {
	load bool
	href string
	msg  Inbound
}

// outItem is one message waiting for Run to post it.
type outItem struct {
	js   string
	auth *UpdateAuthorization // an authorization update: held until the page registered
	// gen, when not 0, is the page generation the message belongs to (an answer to a
	// request): it is dropped if that page is gone. Generations start at 1.
	gen  uint64
	what string // for the log
}

// NewConn returns a Conn; start its Run goroutine. It panics without cfg.Send or
// cfg.Origin: there would be no widget to talk to.
func NewConn(cfg Config) *Conn {
	if cfg.Send == nil || cfg.Origin == "" {
		panic("bridge: NewConn needs Config.Send and Config.Origin")
	}
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = DefaultMaxSize
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	router := cfg.Router
	if router == nil {
		router = NewRouter()
	}
	router.mu.Lock()
	if router.log == nil { // handler panics go to the Conn's log unless told otherwise
		router.log = log
	}
	router.mu.Unlock()
	return &Conn{
		cfg:     cfg,
		log:     log.With("component", "bridge"),
		queue:   make(chan item, queueSize),
		outWake: make(chan struct{}, 1),
		router:  router,
		pending: make(map[string]struct{}),
		gen:     1,
	}
}

// Receive is the bound function's body: the host script calls it with the secret and
// one envelope, {"kind":"load","href":...} or {"kind":"message","data":{...}}. It runs
// on the UI thread, so it only checks (secret in constant time, size, shape), queues
// for Run and returns. A refusal is returned, which rejects the script's promise, and
// logged without the secret or the message. A well-formed message of a type the host
// does not handle is dropped quietly (debug log) and is not an error.
func (c *Conn) Receive(secret, envelope string) error {
	if c.cfg.Secret == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(c.cfg.Secret)) != 1 {
		c.log.Warn("rejected a call from the page without the host secret", "size", len(envelope))
		return ErrForbidden
	}
	if len(envelope) > c.cfg.MaxSize {
		c.log.Warn("rejected a message from the page", "reason", "too large", "size", len(envelope), "max", c.cfg.MaxSize)
		return fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(envelope), c.cfg.MaxSize)
	}
	it, err := c.check(envelope)
	if errors.Is(err, ErrUnknownType) {
		c.log.Debug("ignored a widget message", "reason", err.Error())
		return nil
	}
	if err != nil {
		c.log.Warn("rejected a message from the page", "reason", err.Error(), "size", len(envelope))
		return err
	}
	if c.closed.Load() {
		return ErrClosed
	}
	select {
	case c.queue <- it:
		return nil
	default:
		c.log.Warn("rejected a message from the page", "reason", "queue full", "queued", queueSize)
		return ErrBusy
	}
}

// check decodes an envelope into the item Run handles.
func (c *Conn) check(envelope string) (item, error) {
	var env struct {
		Kind *string         `json:"kind"`
		Href *string         `json:"href"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal([]byte(envelope), &env); err != nil {
		return item{}, fmt.Errorf("%w: envelope: %v", ErrMalformed, err)
	}
	if env.Kind == nil {
		return item{}, fmt.Errorf("%w: envelope without kind", ErrMalformed)
	}
	switch *env.Kind {
	case "load":
		if env.Href == nil {
			return item{}, fmt.Errorf("%w: load envelope without href", ErrMalformed)
		}
		if o := origin(*env.Href); o != c.cfg.Origin {
			return item{}, fmt.Errorf("%w: load of a page at %q, not the widget's origin", ErrMalformed, clip(o))
		}
		return item{load: true, href: *env.Href}, nil
	case "message":
		if len(env.Data) == 0 {
			return item{}, fmt.Errorf("%w: message envelope without data", ErrMalformed)
		}
		m, err := Decode(env.Data)
		if err != nil {
			return item{}, err
		}
		return item{msg: m}, nil
	}
	return item{}, fmt.Errorf("%w: envelope kind %q", ErrMalformed, clip(*env.Kind))
}

// origin is href's origin as a browser writes location.origin: scheme://host[:port].
func origin(href string) string {
	u, err := url.Parse(href)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	if scheme == "https" {
		host = strings.TrimSuffix(host, ":443")
	} else if scheme == "http" {
		host = strings.TrimSuffix(host, ":80")
	}
	return scheme + "://" + host
}

// Run handles what Receive queued and the authorization updates, until ctx ends; then
// it cancels the requests in flight and returns once their handlers have. Call it once.
func (c *Conn) Run(ctx context.Context) {
	if c.started.Swap(true) {
		panic("bridge: Conn.Run called twice")
	}

	c.pageCtx, c.pageCancel = context.WithCancel(ctx)
	defer func() {
		c.closed.Store(true) // nothing is queued or posted any more
		c.pageCancel()
		c.serving.Wait()
	}()
	for {
		// What the app posted first: a state change made before a message arrived is
		// handled before that message.
		select {
		case <-c.outWake:
			c.flush()
			continue
		default:
		}
		select {
		case <-ctx.Done():
			return
		case <-c.outWake:
			c.flush()
		case it := <-c.queue:
			c.handle(ctx, it)
		}
	}
}

func (c *Conn) handle(ctx context.Context, it item) {
	if it.load {
		c.newPage(ctx)
		c.notify(PageLoad{Href: it.href})
		return
	}
	switch m := it.msg.(type) {
	case Request:
		c.startRequest(m)
		return
	case LoginStatus, AdapterState:
		if !c.registered {
			c.register()
		}
	}
	c.notify(it.msg)
}

// newPage starts a page generation: the old page's requests are cancelled and their
// answers will be dropped, and the new page is not registered yet.
func (c *Conn) newPage(ctx context.Context) {
	c.mu.Lock()
	c.gen++
	dropped := len(c.pending)
	c.pending = make(map[string]struct{})
	c.mu.Unlock()
	c.pageCancel()
	c.pageCtx, c.pageCancel = context.WithCancel(ctx)
	c.registered = false
	c.log.Debug("widget page loaded", "cancelled_requests", dropped)
}

func (c *Conn) register() {
	if c.cfg.Events == nil {
		return
	}
	svc := c.cfg.Events.Registration()
	b, err := Encode(RegisterService{Service: svc})
	if err != nil {
		c.log.Error("cannot register the service with the widget", "err", err)
		return
	}
	c.cfg.Send(PostScript(c.cfg.Origin, b))
	c.registered = true
	c.log.Debug("registered the service", "name", svc.Name, "authorized", svc.Authorized)
}

func (c *Conn) notify(m Inbound) {
	if c.cfg.Events != nil {
		c.cfg.Events.Notify(m)
	}
}

func (c *Conn) startRequest(req Request) {
	c.mu.Lock()
	if _, dup := c.pending[req.RequestID]; dup {
		c.mu.Unlock()
		c.log.Warn("ignored a request whose id is already being served", "path", clip(req.Path))
		return
	}
	c.pending[req.RequestID] = struct{}{}
	gen := c.gen
	c.mu.Unlock()
	c.serving.Add(1)
	go c.serve(c.pageCtx, gen, req)
}

// serve answers one request, unless its page is gone by then.
func (c *Conn) serve(ctx context.Context, gen uint64, req Request) {
	defer c.serving.Done()
	start := time.Now()
	resp := c.router.Serve(ctx, req)
	c.mu.Lock()
	current := c.gen == gen
	if current {
		delete(c.pending, req.RequestID)
	}
	c.mu.Unlock()
	if ctx.Err() != nil || !current { // the page or the Conn is gone
		c.log.Debug("dropped the answer to a request of a page that is gone", "path", req.Path)
		return
	}
	b, err := Encode(resp)
	if err != nil {
		c.log.Error("cannot answer a widget request", "path", req.Path, "err", err)
		// The widget still needs its one answer.
		b, _ = Encode(errorResponse(req.RequestID, "the host could not encode its answer"))
	}
	// Run posts it, unless the page changed by then.
	_ = c.enqueue(outItem{js: PostScript(c.cfg.Origin, b), gen: gen, what: "answer to " + clip(req.Path)})
	c.log.Debug("answered a widget request", "path", req.Path, "took", time.Since(start))
}

// UpdateAuthorization tells the widget the app's authorization state, if the service is
// registered on the current page; otherwise the next registration carries it (Events.
// Registration reads the current state). Safe from any goroutine; it never blocks. It is
// posted in order with everything else Post queued.
func (c *Conn) UpdateAuthorization(authorized bool, account string) {
	u := UpdateAuthorization{Authorized: authorized, AuthorizedAccount: account}
	b, _ := Encode(u) // two plain fields: cannot fail
	if err := c.enqueue(outItem{js: PostScript(c.cfg.Origin, b), auth: &u, what: u.MessageType()}); err != nil {
		c.log.Warn("cannot queue the authorization state for the widget", "err", err)
	}
}

// Post queues m for the widget page; Run posts it, after everything queued before it.
// Safe from any goroutine; it never blocks. An UpdateAuthorization must go through the
// UpdateAuthorization method (it waits for the registration).
func (c *Conn) Post(m Outbound) error {
	if _, isAuth := m.(UpdateAuthorization); isAuth {
		return errors.New("bridge: post authorization updates with UpdateAuthorization")
	}
	b, err := Encode(m)
	if err != nil {
		return err
	}
	return c.enqueue(outItem{js: PostScript(c.cfg.Origin, b), what: m.MessageType()})
}

func (c *Conn) enqueue(it outItem) error {
	if c.closed.Load() {
		return ErrClosed
	}
	c.outMu.Lock()
	if len(c.out) >= queueSize {
		c.outMu.Unlock()
		return ErrBusy
	}
	c.out = append(c.out, it)
	c.outMu.Unlock()
	select {
	case c.outWake <- struct{}{}:
	default: // Run has a wake-up pending and will take everything queued
	}
	return nil
}

// flush posts what is queued, in order (Run only).
func (c *Conn) flush() {
	c.outMu.Lock()
	out := c.out
	c.out = nil
	c.outMu.Unlock()
	c.mu.Lock()
	gen := c.gen
	c.mu.Unlock()
	for _, it := range out {
		switch {
		case it.gen != 0 && it.gen != gen:
			c.log.Debug("dropped a message for a page that is gone", "what", it.what)
		case it.auth != nil && !c.registered:
			c.log.Debug("authorization update held for the next registration", "authorized", it.auth.Authorized)
		default:
			c.cfg.Send(it.js)
		}
	}
}
