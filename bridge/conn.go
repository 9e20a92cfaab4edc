package bridge

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/embeddable-tray/embeddable-tray/internal/weborigin"
)

// Errors of Conn.Receive besides ErrMalformed, and of Conn.Send; test with errors.Is.
var (
	ErrForbidden = errors.New("bridge: refused: the message did not carry the page's secret")
	ErrNotWidget = errors.New("bridge: refused: the window does not show the widget's origin")
	ErrTooLarge  = errors.New("bridge: refused: message too large")
	ErrBusy      = errors.New("bridge: busy: too many messages waiting")
	ErrClosed    = errors.New("bridge: closed")
	// ErrNoPage: Send found no widget page to post to (the window shows another page, or
	// the widget's page has not started yet); nothing was posted.
	ErrNoPage = errors.New("bridge: not sent: no widget page in the window")
)

// DefaultMaxSize is the largest envelope Receive takes when Config.MaxSize is 0: the
// widget's messages are small (a request body is a page number or a list of phone
// numbers); anything near this is not the widget.
const DefaultMaxSize = 256 << 10

// queueSize bounds what Receive may queue before Run (or the RTC goroutine) drains it.
const queueSize = 1024

// minSecretLen is the shortest page secret a load envelope may bring (host.js sends 64 hex
// digits).
const minSecretLen = 32

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
	MaxSize int // largest envelope in bytes; 0 means DefaultMaxSize
	// Send evaluates JS in the host script's isolated world of the window's top frame
	// (webview's EvalHost); goroutine-safe. Required.
	Send   func(js string)
	Origin string       // the widget's origin, e.g. "https://apps.ringcentral.com". Required.
	Router *Router      // serves requests; nil means an empty router (every request gets an error)
	Events Events       // nil means no registration and no notifications
	Logger *slog.Logger // nil means slog.Default()
	// RTC receives, in order, each object the calling shim posts on its port (CONTRACTS.md
	// §3), on a goroutine of its own: it may block without holding up the widget's
	// messages. nil drops them.
	RTC func(data json.RawMessage)
	// RTCReset is called on RTC's goroutine at every page the window commits, after the
	// old page's last RTC message and before the new page's first: the old page's peer
	// connections must go. nil means nothing to do.
	RTCReset func()
}

// Conn is the session with the widget page over the webview: it checks and queues what
// the host script sends (Receive, on the UI thread), and its Run goroutine owns the
// rest — page generations, registration, requests in flight, authorization updates —
// so that none of it races.
//
// A page generation starts with every load the window commits (PageCommitted), whatever
// its origin. Go posts into a generation only if its page is at the widget's origin and its
// host script has started (its load envelope brought the page's secret); every message of
// the page must carry that secret. Per generation: the service is registered once, on the
// first rc-login-status-notify or rc-adapter-pushAdapterState, with Events.Registration();
// each request is served on its own goroutine with a context that ends with the generation
// (or Run), and its response is dropped if the generation ended meanwhile — it is never
// posted into the next page. A requestId arriving again while its first request is pending
// is ignored (logged): answering it would give the widget two responses for one id.
type Conn struct {
	cfg    Config
	log    *slog.Logger
	queue  chan item
	rtc    chan item
	commit chan struct{} // size 1: a page was committed (for Run)
	rtcGen chan struct{} // size 1: a page was committed (for the RTC goroutine)
	router *Router

	// The one path to the widget: everything posted to it (the app's messages, its
	// authorization updates, answers to requests) waits here, in order, for Run, the only
	// goroutine that posts (the calling shim's port aside: PostRTC).
	outMu   sync.Mutex
	out     []outItem
	outWake chan struct{} // size 1: out is not empty

	started atomic.Bool
	closed  atomic.Bool // read by Receive on the UI thread

	mu      sync.Mutex // guards the page state: shared with the UI thread and the serving goroutines
	gen     uint64
	widget  bool                // the committed page is at the widget's origin
	secret  string              // the page's secret, from its load envelope; "" before
	pending map[string]struct{} // requestIds of the current generation being served

	// Run goroutine only.
	runGen     uint64
	registered bool
	pageCtx    context.Context
	pageCancel context.CancelFunc
	serving    sync.WaitGroup
}

// item is one checked envelope waiting for Run or the RTC goroutine.
type item struct {
	gen  uint64
	load bool
	href string
	msg  Inbound
	rtc  json.RawMessage
}

// outItem is one message waiting for Run to post it.
type outItem struct {
	msg  []byte               // from Encode
	auth *UpdateAuthorization // an authorization update: held until the page registered
	// gen, when not 0, is the page generation the message is for (an answer to one of
	// its requests): it is dropped if that page is gone. 0 means the page Run is at.
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
		rtc:     make(chan item, queueSize),
		outWake: make(chan struct{}, 1),
		commit:  make(chan struct{}, 1),
		rtcGen:  make(chan struct{}, 1),
		router:  router,
		pending: make(map[string]struct{}),
	}
}

// PageCommitted starts a page generation: the window now shows uri (webview's
// OnLoadCommitted, on the UI thread). From now on nothing is posted into the old page,
// its requests' answers are dropped, and nothing is posted at all until the new page is
// at the widget's origin and its host script has started. It never blocks.
func (c *Conn) PageCommitted(uri string) {
	c.mu.Lock()
	c.gen++
	c.widget = origin(uri) == c.cfg.Origin
	c.secret = ""
	dropped := len(c.pending)
	c.pending = make(map[string]struct{})
	widget := c.widget
	c.mu.Unlock()
	c.log.Debug("the window committed a new page", "widget", widget, "cancelled_requests", dropped)
	for _, ch := range []chan struct{}{c.commit, c.rtcGen} {
		select {
		case ch <- struct{}{}:
		default: // a wake-up is pending; it reads the latest generation
		}
	}
	if !widget {
		c.log.Info("the window shows a page that is not the widget's: the host posts nothing to it", "origin", clip(origin(uri)))
	}
}

// Receive takes one envelope from the host script (webview's OnHostMessage, on the UI
// thread): {"kind":"load","href":...,"secret":...}, {"kind":"message","data":{...},
// "secret":...} or {"kind":"rtc","data":{...},"secret":...}; pageURI is the page the window
// had committed when it arrived. It only checks (page origin, size, shape, the page's
// secret in constant time), queues and returns. A refusal is returned and logged without
// the secret or the message. A well-formed message of a type the host does not handle is
// dropped quietly (debug log) and is not an error.
func (c *Conn) Receive(pageURI, envelope string) error {
	if len(envelope) > c.cfg.MaxSize {
		c.log.Warn("rejected a message from the page", "reason", "too large", "size", len(envelope), "max", c.cfg.MaxSize)
		return fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(envelope), c.cfg.MaxSize)
	}
	if o := origin(pageURI); o != c.cfg.Origin {
		c.log.Warn("rejected a message from the page", "reason", "not the widget's origin", "origin", clip(o), "size", len(envelope))
		return ErrNotWidget
	}
	it, secret, err := c.check(envelope)
	unknown := errors.Is(err, ErrUnknownType)
	if err != nil && !unknown {
		c.log.Warn("rejected a message from the page", "reason", err.Error(), "size", len(envelope))
		return err
	}
	if err := c.admit(&it, secret); err != nil {
		c.log.Warn("rejected a message from the page", "reason", err.Error(), "size", len(envelope))
		return err
	}
	if unknown { // the widget's own page, with its secret: a type the host does not handle
		c.log.Debug("ignored a widget message", "reason", err.Error())
		return nil
	}
	if c.closed.Load() {
		return ErrClosed
	}
	q := c.queue
	if it.rtc != nil {
		if c.cfg.RTC == nil {
			c.log.Debug("ignored a calling message: calling is off")
			return nil
		}
		q = c.rtc
	}
	select {
	case q <- it:
		return nil
	default:
		c.log.Warn("rejected a message from the page", "reason", "queue full", "queued", queueSize)
		return ErrBusy
	}
}

// admit checks the envelope against the current page and tags it with its generation: a
// load envelope brings the page's secret (once per page), every other must carry it.
func (c *Conn) admit(it *item, secret string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.widget {
		return ErrNotWidget
	}
	it.gen = c.gen
	if it.load {
		if c.secret != "" {
			return fmt.Errorf("%w: a second load envelope for one page", ErrForbidden)
		}
		if len(secret) < minSecretLen {
			return fmt.Errorf("%w: the load envelope's secret is too short", ErrForbidden)
		}
		c.secret = secret
		return nil
	}
	if c.secret == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(c.secret)) != 1 {
		return ErrForbidden
	}
	return nil
}

// check decodes an envelope into the item Run handles and the secret it carries.
func (c *Conn) check(envelope string) (item, string, error) {
	var env struct {
		Kind   *string         `json:"kind"`
		Href   *string         `json:"href"`
		Data   json.RawMessage `json:"data"`
		Secret string          `json:"secret"`
	}
	if err := json.Unmarshal([]byte(envelope), &env); err != nil {
		return item{}, "", fmt.Errorf("%w: envelope: %v", ErrMalformed, err)
	}
	if env.Kind == nil {
		return item{}, "", fmt.Errorf("%w: envelope without kind", ErrMalformed)
	}
	switch *env.Kind {
	case "load":
		if env.Href == nil {
			return item{}, "", fmt.Errorf("%w: load envelope without href", ErrMalformed)
		}
		if o := origin(*env.Href); o != c.cfg.Origin {
			return item{}, "", fmt.Errorf("%w: load of a page at %q, not the widget's origin", ErrMalformed, clip(o))
		}
		return item{load: true, href: *env.Href}, env.Secret, nil
	case "message":
		if len(env.Data) == 0 {
			return item{}, "", fmt.Errorf("%w: message envelope without data", ErrMalformed)
		}
		m, err := Decode(env.Data)
		if err != nil {
			// The secret goes back with an unknown type too: it is ignored only once it
			// was checked, as everything else.
			return item{}, env.Secret, err
		}
		return item{msg: m}, env.Secret, nil
	case "rtc":
		if len(env.Data) == 0 || env.Data[0] != '{' {
			return item{}, "", fmt.Errorf("%w: rtc envelope without an object", ErrMalformed)
		}
		return item{rtc: env.Data}, env.Secret, nil
	}
	// The kind is not echoed: an error is logged, and nothing the page sends is.
	return item{}, "", fmt.Errorf("%w: an envelope kind the host does not know (%d bytes)", ErrMalformed, len(*env.Kind))
}

// origin is href's origin as a browser writes location.origin: scheme://host[:port].
func origin(href string) string {
	u, err := url.Parse(href)
	if err != nil {
		return ""
	}
	return weborigin.Of(u)
}

// Run handles what Receive queued and the authorization updates, until ctx ends; then
// it cancels the requests in flight and returns once their handlers (and the RTC
// goroutine) have. Call it once.
func (c *Conn) Run(ctx context.Context) {
	if c.started.Swap(true) {
		panic("bridge: Conn.Run called twice")
	}

	c.pageCtx, c.pageCancel = context.WithCancel(ctx)
	var rtc sync.WaitGroup
	if c.cfg.RTC != nil || c.cfg.RTCReset != nil {
		rtc.Add(1)
		go func() {
			defer rtc.Done()
			c.runRTC(ctx)
		}()
	}
	defer func() {
		c.mu.Lock()
		c.closed.Store(true) // under mu: serve checks it with gen
		c.mu.Unlock()
		c.pageCancel()
		c.serving.Wait()
		rtc.Wait()
	}()
	for {
		// What was posted first: a state change made before a message arrived is handled
		// before that message.
		select {
		case <-c.outWake:
			c.syncPage(ctx)
			c.flush()
			continue
		default:
		}
		select {
		case <-ctx.Done():
			return
		case <-c.commit:
			c.syncPage(ctx)
		case <-c.outWake:
			c.syncPage(ctx)
			c.flush()
		case it := <-c.queue:
			c.syncPage(ctx)
			c.handle(it)
		}
	}
}

// syncPage catches Run up with the window's page: after a commit, the old page's
// requests are cancelled and the new page is not registered yet.
func (c *Conn) syncPage(ctx context.Context) {
	c.mu.Lock()
	gen := c.gen
	c.mu.Unlock()
	if gen == c.runGen {
		return
	}
	c.runGen = gen
	c.pageCancel()
	c.pageCtx, c.pageCancel = context.WithCancel(ctx)
	c.registered = false
}

func (c *Conn) handle(it item) {
	if it.gen != c.runGen {
		c.log.Debug("dropped a message of a page that is gone")
		return
	}
	if it.load {
		// make bench times "launch to the first message in Go" by this line
		c.log.Debug("widget page loaded")
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

// runRTC hands the calling shim's messages to Config.RTC in order, and tells RTCReset of
// every committed page; messages of a page that is gone are dropped.
func (c *Conn) runRTC(ctx context.Context) {
	var gen uint64
	catchUp := func() {
		c.mu.Lock()
		cur := c.gen
		c.mu.Unlock()
		if cur != gen {
			gen = cur
			if c.cfg.RTCReset != nil {
				c.cfg.RTCReset()
			}
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.rtcGen:
			catchUp()
		case it := <-c.rtc:
			catchUp()
			if it.gen == gen && c.cfg.RTC != nil {
				c.cfg.RTC(it.rtc)
			}
		}
	}
}

func (c *Conn) register() {
	if c.cfg.Events == nil {
		return
	}
	svc := c.cfg.Events.Registration()
	if err := c.postTo(c.runGen, RegisterService{Service: svc}); err != nil {
		c.log.Error("cannot register the service with the widget", "err", err)
		return
	}
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
	if c.gen != c.runGen {
		c.mu.Unlock()
		return // the page is gone already
	}
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
	b, encErr := Encode(resp)
	if encErr != nil {
		c.log.Error("cannot answer a widget request", "path", req.Path, "err", encErr)
		// The widget still needs its one answer.
		b, _ = Encode(errorResponse(req.RequestID, "the host could not encode its answer"))
	}
	c.mu.Lock()
	current := ctx.Err() == nil && !c.closed.Load() && c.gen == gen
	if current {
		delete(c.pending, req.RequestID)
	}
	c.mu.Unlock()
	if !current { // the page or the Conn is gone
		c.log.Debug("dropped the answer to a request of a page that is gone", "path", req.Path)
		return
	}
	// Run posts it, in order with the rest, unless its page is gone by then.
	if err := c.enqueue(outItem{msg: b, gen: gen, what: "answer to " + clip(req.Path)}); err != nil {
		c.log.Debug("dropped the answer to a request", "path", req.Path, "err", err)
		return
	}
	c.log.Debug("answered a widget request", "path", req.Path, "took", time.Since(start))
}

// UpdateAuthorization tells the widget the app's authorization state, if the service is
// registered on the current page; otherwise the next registration carries it (Events.
// Registration reads the current state). Safe from any goroutine; it never blocks. It is
// posted in order with everything else Post queued.
func (c *Conn) UpdateAuthorization(authorized bool, account string) {
	u := UpdateAuthorization{Authorized: authorized, AuthorizedAccount: account}
	b, _ := Encode(u) // two plain fields: cannot fail
	if err := c.enqueue(outItem{msg: b, auth: &u, what: u.MessageType()}); err != nil {
		c.log.Warn("cannot queue the authorization state for the widget", "err", err)
	}
}

// Post queues m for the widget page; Run posts it after everything queued before it, into
// the widget page the window shows then. It returns ErrNoPage, queueing nothing, when the
// window shows no widget page whose host script has started. Safe from any goroutine; it
// never blocks. An UpdateAuthorization must go through the
// UpdateAuthorization method (it waits for the registration).
func (c *Conn) Post(m Outbound) error {
	if _, isAuth := m.(UpdateAuthorization); isAuth {
		return errors.New("bridge: post authorization updates with UpdateAuthorization")
	}
	b, err := Encode(m)
	if err != nil {
		return err
	}
	if c.closed.Load() {
		return ErrClosed
	}
	c.mu.Lock()
	page := c.widget && c.secret != ""
	c.mu.Unlock()
	if !page { // said at once; Run checks again when it posts
		return ErrNoPage
	}
	return c.enqueue(outItem{msg: b, what: m.MessageType()})
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
	default: // Run has a wake-up pending and takes everything queued
	}
	return nil
}

// flush posts what is queued, in order (Run only).
func (c *Conn) flush() {
	c.outMu.Lock()
	out := c.out
	c.out = nil
	c.outMu.Unlock()
	for _, it := range out {
		gen := it.gen
		if gen == 0 {
			gen = c.runGen
		}
		if it.auth != nil && !c.registered {
			c.log.Debug("authorization update held for the next registration", "authorized", it.auth.Authorized)
			continue
		}
		c.mu.Lock()
		err := c.postLocked(gen, it.msg)
		c.mu.Unlock()
		if err != nil {
			c.log.Debug("dropped a message for a page that is gone", "what", it.what, "err", err)
		}
	}
}

// PostRTC sends data, one JSON object, to the calling shim's port of the widget page the
// window shows now. Safe from any goroutine. It returns ErrNoPage, posting nothing, when
// there is no widget page; answers for a page that RTCReset said is gone must not be sent.
func (c *Conn) PostRTC(data []byte) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
		return fmt.Errorf("%w: PostRTC wants one JSON object", ErrMalformed)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() || !c.widget || c.secret == "" {
		return ErrNoPage
	}
	c.cfg.Send(RTCScript(c.secret, trimmed))
	return nil
}

// postTo posts m into the page of generation gen, if the window still shows it.
func (c *Conn) postTo(gen uint64, m Outbound) error {
	b, err := Encode(m)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.postLocked(gen, b)
}

// postLocked posts msg (JSON from Encode) with mu held: only into generation gen's page,
// only while it is the window's page, at the widget's origin, with its host script started.
func (c *Conn) postLocked(gen uint64, msg []byte) error {
	if c.closed.Load() || gen != c.gen || !c.widget || c.secret == "" {
		return ErrNoPage
	}
	c.cfg.Send(PostScript(c.secret, msg))
	return nil
}
