// Package standin serves a stand-in for the RingCentral Embeddable widget and lets a test
// drive it and see what it received.
//
// The real widget cannot load on a machine without internet, yet the app's whole job is the
// conversation with it. The stand-in page (app.html) behaves towards its host as the real
// widget (2.3.1) was observed to behave (/work/shared/PROTOCOL.md; app.js names the fact next
// to each behaviour): it posts to window.parent with '*' and acts on messages from any frame
// and origin; starts with rc-dialer-status-notify {ready:false}, rc-adapter-pushAdapterState
// and rc-login-status-notify {loggedIn:false}, then loggedIn:true after its own RingCentral
// login (a jwt URL parameter, a login kept in localStorage, or any message with a callbackUri
// while the page holds the PKCE verifier); says ready:true only when it could call
// (RTCPeerConnection and getUserMedia exist, which WebKitGTK without WebRTC lacks); keeps the
// service's authorized flag and the contacts in memory only; counts a service without
// authorizationPath as authorized; fetches contacts on every registration while authorized,
// merging or replacing them as the widget does; re-filters search answers with the widget's
// rule (and throws on a missing phoneType); matches the call history's numbers, an extension
// among them, on authorization; answers rc-adapter-message-request per path; posts
// rc-call-ring-notify with call.from a string; and gives up on a request after the widget's
// own timeouts (3 s, 60 s for contacts, 30 s for search and match).
//
// The page reports everything it receives to the test (POST /report) and long-polls for commands
// (GET /next-command), both on its own loopback origin. A second listener serves attacker.html on
// a foreign origin, for checking that the host ignores messages that do not come from the widget.
package standin

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/embeddable-tray/embeddable-tray/bridge"
)

//go:embed assets
var assets embed.FS

// Report kinds, as the page sends them.
const (
	KindLoad      = "load"       // the page loaded; Storage holds its localStorage, URL its address
	KindMessage   = "message"    // a message event; Message, Type, Origin, FromSelf, Echo
	KindSent      = "sent"       // the page posted Message to window.parent
	KindResponse  = "response"   // a request got its response: Path, RequestID, Request, Response
	KindTimeout   = "timeout"    // a request was given up: Path, RequestID, Request, TimeoutMS
	KindResult    = "result"     // a command was done (Command); Storage for storage commands
	KindIgnored   = "ignored"    // the page ignored Message, as the real widget would (Error says why)
	KindUnmatched = "unmatched"  // a response whose responseId matches no request of the page
	KindRedirect  = "redirect"   // redirect.html loaded; URL is its full address
	KindAttack    = "attack"     // attacker.html did its attack; Origin is its own origin
	KindError     = "page-error" // a script error on the page (Error)
	KindContacts  = "contacts"   // a contact sync ended; State is the page's state after it
	KindSearch    = "search"     // a search ended; Result is a SearchResult, Error the widget's crash
)

// LoginJWT is a value for the widget's jwt URL parameter: the stand-in logs in to RingCentral
// with it at start, without UI, as the real widget does with a JWT.
const LoginJWT = "standin-jwt"

// Report is one thing the page (or the attacker frame) told the test.
type Report struct {
	Seq       int               `json:"seq"`  // order of arrival at the server, from 1
	Kind      string            `json:"kind"` // one of the Kind constants
	Page      string            `json:"page"` // random id of the page load that sent it
	Command   int               `json:"command,omitempty"`
	Type      string            `json:"type,omitempty"` // Message's "type"
	Message   json.RawMessage   `json:"message,omitempty"`
	Origin    string            `json:"origin,omitempty"`   // event.origin of a message
	FromSelf  bool              `json:"fromSelf,omitempty"` // event.source === window
	Echo      bool              `json:"echo,omitempty"`     // the page's own post coming back to it
	Path      string            `json:"path,omitempty"`
	RequestID string            `json:"requestId,omitempty"`
	Request   json.RawMessage   `json:"request,omitempty"`
	Response  json.RawMessage   `json:"response,omitempty"`
	TimeoutMS int               `json:"timeoutMs,omitempty"`
	Storage   map[string]string `json:"storage,omitempty"`
	URL       string            `json:"url,omitempty"`
	Error     string            `json:"error,omitempty"`
	State     *PageState        `json:"state,omitempty"`
	Result    json.RawMessage   `json:"result,omitempty"`
}

// PageState is what the stand-in widget holds.
type PageState struct {
	LoggedIn      bool                 `json:"loggedIn"`    // its own RingCentral login
	DialerReady   bool                 `json:"dialerReady"` // what rc-dialer-status-notify last said
	CanCall       bool                 `json:"canCall"`     // RTCPeerConnection and getUserMedia exist
	Route         string               `json:"route"`
	Service       string               `json:"service"`    // the registered service's name
	Authorized    *bool                `json:"authorized"` // nil until a registration
	Account       string               `json:"account"`
	Contacts      []Contact            `json:"contacts"`
	SyncTimestamp json.RawMessage      `json:"syncTimestamp"`
	Matches       map[string][]Contact `json:"matches"`
	Verifier      bool                 `json:"verifier"` // a PKCE verifier is held for a login under way
}

// Contact is a contact as the widget holds it.
type Contact struct {
	ID           string  `json:"id"`
	Name         string  `json:"name"`
	Type         string  `json:"type"`
	PhoneNumbers []Phone `json:"phoneNumbers"`
	Deleted      bool    `json:"deleted"`
}

// Phone is one number of a contact.
type Phone struct {
	PhoneNumber string `json:"phoneNumber"`
	PhoneType   string `json:"phoneType"`
}

// SearchResult is what the widget shows for a search: the phone entries its re-filter kept.
type SearchResult struct {
	SearchString string `json:"searchString"`
	Results      []struct {
		ContactID   string `json:"contactId"`
		Name        string `json:"name"`
		PhoneNumber string `json:"phoneNumber"`
		PhoneType   string `json:"phoneType"`
	} `json:"results"`
}

// Field decodes one top-level field of r.Message into v; it reports whether the field was there.
func (r Report) Field(name string, v any) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(r.Message, &m) != nil {
		return false
	}
	raw, ok := m[name]
	if !ok {
		return false
	}
	return json.Unmarshal(raw, v) == nil
}

// Command is what the test asks the page to do. Op is one of: "request" (Path, Body, TimeoutMS
// overrides the widget's timeout for the path), "post" (Message, to window.parent with '*'),
// "storage-set" (Key, Value), "storage-get", "reload", "attack" (URL of the attacker frame),
// "show" (Value: the tab "dialer", "contacts" or "settings"), "authorize-click" (the service's
// Authorize/Unauthorize button, which requests its authorizationPath), "login" (URL: the
// authorize endpoint to use instead of appServer's), "logout", "search" (Value, typed into the
// dialer's name-or-number field), "filter" (Value, typed into the Contacts tab's search box),
// "refresh" (the contacts' refresh button), "state", "ring" (Message: from, fromUserName),
// "inbound-message" (Message: from, fromName, subject).
type Command struct {
	ID        int            `json:"id"`
	Op        string         `json:"op"`
	Path      string         `json:"path,omitempty"`
	Body      any            `json:"body,omitempty"`
	TimeoutMS int            `json:"timeoutMs,omitempty"`
	Message   map[string]any `json:"message,omitempty"`
	Key       string         `json:"key,omitempty"`
	Value     string         `json:"value,omitempty"`
	URL       string         `json:"url,omitempty"`
}

// ErrTimeout is returned by Request when the page gave up on the request the way the widget
// does: the host did not answer within the widget's timeout.
var ErrTimeout = errors.New("standin: the widget timed out waiting for the host's response")

// maxReports bounds what a long-running demo keeps in memory.
const maxReports = 20000

// pollWait is how long GET /next-command holds a request open when nothing is queued.
const pollWait = 20 * time.Second

// Widget is a running stand-in: the widget origin and the attacker origin, both on loopback.
type Widget struct {
	log      *slog.Logger
	main     *http.Server
	attacker *http.Server
	mainURL  string // http://127.0.0.1:PORT
	attURL   string // http://127.0.0.1:PORT2

	commands chan Command

	mu      sync.Mutex
	nextID  int
	reports []Report
	changed chan struct{} // closed and replaced on every new report
	dropped int
}

// Start serves a stand-in for the test and stops it when the test ends.
func Start(t testing.TB) *Widget {
	t.Helper()
	w, err := Listen(nil)
	if err != nil {
		t.Fatalf("standin: %v", err)
	}
	t.Cleanup(w.Close)
	return w
}

// Listen serves a stand-in on two loopback ports (widget and attacker origins) until Close.
// A nil logger means slog.Default().
func Listen(log *slog.Logger) (*Widget, error) {
	if log == nil {
		log = slog.Default()
	}
	w := &Widget{log: log, commands: make(chan Command, 64), changed: make(chan struct{})}
	lnMain, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the widget origin: %w", err)
	}
	lnAtt, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		lnMain.Close()
		return nil, fmt.Errorf("listen for the attacker origin: %w", err)
	}
	w.mainURL = "http://" + lnMain.Addr().String()
	w.attURL = "http://" + lnAtt.Addr().String()
	w.main = &http.Server{Handler: w.Handler(), ReadHeaderTimeout: 10 * time.Second}
	w.attacker = &http.Server{Handler: w.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go w.serve(w.main, lnMain)
	go w.serve(w.attacker, lnAtt)
	return w, nil
}

func (w *Widget) serve(s *http.Server, ln net.Listener) {
	if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		w.log.Error("standin: server stopped", "addr", ln.Addr().String(), "err", err)
	}
}

// Close stops both listeners; pending long polls end at once.
func (w *Widget) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for _, s := range []*http.Server{w.main, w.attacker} {
		if err := s.Shutdown(ctx); err != nil {
			s.Close()
		}
	}
}

// URL is the widget page, the app's widget.url.
func (w *Widget) URL() string { return w.mainURL + "/app.html" }

// Origin is the widget page's origin.
func (w *Widget) Origin() string { return w.mainURL }

// RedirectURL is the widget's OAuth redirect page, the app's widget.params.redirectUri.
func (w *Widget) RedirectURL() string { return w.mainURL + "/redirect.html" }

// AttackerURL is a page on a foreign origin that posts to its parent as if it were the widget
// and calls the app's native message handler with a wrong secret.
func (w *Widget) AttackerURL() string { return w.attURL + "/attacker.html" }

// AttackerOrigin is AttackerURL's origin.
func (w *Widget) AttackerOrigin() string { return w.attURL }

// Handler serves the pages and the test API. Both origins share it (and so the reports).
func (w *Widget) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "assets")
	files := http.FileServerFS(static)
	mux.Handle("GET /", noStore(files))
	mux.HandleFunc("POST /report", w.handleReport)
	mux.HandleFunc("GET /next-command", w.handleNextCommand)
	return mux
}

// noStore keeps WebKit from answering a reload from its cache, so every load is seen.
func noStore(h http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(rw, r)
	})
}

// handleReport takes one report or a batch (a JSON array) from the page.
func (w *Widget) handleReport(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		http.Error(rw, "read: "+err.Error(), http.StatusBadRequest)
		return
	}
	var batch []Report
	if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] == '[' {
		err = json.Unmarshal(trimmed, &batch)
	} else {
		var one Report
		err = json.Unmarshal(trimmed, &one)
		batch = []Report{one}
	}
	if err != nil {
		w.log.Warn("standin: bad report", "err", err)
		http.Error(rw, "decode: "+err.Error(), http.StatusBadRequest)
		return
	}
	w.add(batch...)
	rw.WriteHeader(http.StatusNoContent)
}

func (w *Widget) add(rs ...Report) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range rs {
		w.nextID++
		r.Seq = w.nextID
		w.log.Debug("standin: report", "seq", r.Seq, "kind", r.Kind, "type", r.Type, "path", r.Path, "page", r.Page)
		w.reports = append(w.reports, r)
	}
	if over := len(w.reports) - maxReports; over > 0 {
		w.reports = append([]Report(nil), w.reports[over:]...)
		w.dropped += over
	}
	close(w.changed)
	w.changed = make(chan struct{})
}

// handleNextCommand hands the page the next queued command, or 204 after pollWait.
func (w *Widget) handleNextCommand(rw http.ResponseWriter, r *http.Request) {
	t := time.NewTimer(pollWait)
	defer t.Stop()
	select {
	case c := <-w.commands:
		rw.Header().Set("Content-Type", "application/json")
		rw.Header().Set("Cache-Control", "no-store")
		if err := json.NewEncoder(rw).Encode(c); err != nil {
			w.log.Warn("standin: command not delivered", "id", c.ID, "op", c.Op, "err", err)
		}
	case <-t.C:
		rw.WriteHeader(http.StatusNoContent)
	case <-r.Context().Done():
	}
}

// Reports is a copy of every report so far, in order of arrival.
func (w *Widget) Reports() []Report {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Report(nil), w.reports...)
}

// Seq is the number of the latest report, for waiting on what comes after it (see After).
func (w *Widget) Seq() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.nextID
}

// WaitFor returns the first report, past or future, that match accepts; it fails when ctx ends,
// saying what did arrive.
func (w *Widget) WaitFor(ctx context.Context, match func(Report) bool) (Report, error) {
	seen := 0
	for {
		w.mu.Lock()
		fresh := w.reports[min(seen, len(w.reports)):]
		seen = len(w.reports)
		changed := w.changed
		w.mu.Unlock()
		for _, r := range fresh {
			if match(r) {
				return r, nil
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return Report{}, fmt.Errorf("standin: no matching report (%w); got %s", ctx.Err(), w.summary())
		}
	}
}

// summary lists the reports briefly, for failure messages.
func (w *Widget) summary() string {
	rs := w.Reports()
	if len(rs) == 0 {
		return "no reports at all (did the app load the page?)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d reports:", len(rs))
	for _, r := range rs[max(0, len(rs)-60):] {
		fmt.Fprintf(&b, "\n  #%d %s", r.Seq, r.Kind)
		for _, s := range []string{r.Type, r.Path, r.Error} {
			if s != "" {
				b.WriteString(" " + s)
			}
		}
		if r.Kind == KindMessage && !r.Echo {
			fmt.Fprintf(&b, " %.300s", r.Message)
		}
		if r.Kind == KindResponse {
			fmt.Fprintf(&b, " -> %.300s", r.Response)
		}
	}
	return b.String()
}

// send queues c for the page and gives it an id.
func (w *Widget) send(c Command) int {
	w.mu.Lock()
	w.nextID++ // ids share the report counter: unique and increasing
	c.ID = w.nextID
	w.mu.Unlock()
	w.commands <- c
	return c.ID
}

// Do queues c and waits until the page says it is done: a result, response, timeout or search
// report. A result with an error (the page could not do it) is an error.
func (w *Widget) Do(ctx context.Context, c Command) (Report, error) {
	id := w.send(c)
	r, err := w.WaitFor(ctx, func(r Report) bool {
		return r.Command == id && (r.Kind == KindResult || r.Kind == KindResponse || r.Kind == KindTimeout || r.Kind == KindSearch)
	})
	if err != nil {
		return r, fmt.Errorf("command %s %s: %w", c.Op, c.Path, err)
	}
	if r.Kind == KindResult && r.Error != "" {
		return r, fmt.Errorf("command %s %s: %s", c.Op, c.Path, r.Error)
	}
	return r, nil
}

// Request makes the page send rc-post-message-request {path, body} to the host and returns the
// host's response. It returns ErrTimeout when the widget gave up (its timeout for the path).
func (w *Widget) Request(ctx context.Context, path string, body any) (json.RawMessage, error) {
	r, err := w.Do(ctx, Command{Op: "request", Path: path, Body: body})
	if err != nil {
		return nil, err
	}
	if r.Kind == KindTimeout {
		return nil, fmt.Errorf("request %s (id %s, %d ms): %w", path, r.RequestID, r.TimeoutMS, ErrTimeout)
	}
	return r.Response, nil
}

// Post makes the page post msg to window.parent with targetOrigin '*', as the widget posts its
// events (rc-login-status-notify, rc-dialer-status-notify, rc-call-ring-notify, ...). It does
// not wait: Post is fire-and-forget like postMessage; wait for KindSent to know it went out.
func (w *Widget) Post(msg map[string]any) {
	w.send(Command{Op: "post", Message: msg})
}

// LoginPopup makes the widget ask the host to open its login page, as it does when loaded with
// disableLoginPopup=1.
func (w *Widget) LoginPopup(oAuthURI string) {
	w.Post(map[string]any{"type": bridge.TypeLoginPopup, "oAuthUri": oAuthURI})
}

// SetStorage writes key=value into the page's localStorage.
func (w *Widget) SetStorage(ctx context.Context, key, value string) error {
	_, err := w.Do(ctx, Command{Op: "storage-set", Key: key, Value: value})
	return err
}

// Storage reads the page's localStorage.
func (w *Widget) Storage(ctx context.Context) (map[string]string, error) {
	r, err := w.Do(ctx, Command{Op: "storage-get"})
	return r.Storage, err
}

// Reload reloads the page and waits for the new load's report.
func (w *Widget) Reload(ctx context.Context) (Report, error) {
	r, err := w.Do(ctx, Command{Op: "reload"})
	if err != nil {
		return r, err
	}
	return w.WaitFor(ctx, After(r.Seq, IsKind(KindLoad)))
}

// Attack opens attacker.html in a frame of the widget page. The frame posts a request to the
// widget window as if it were the widget (request id "attacker-probe") and calls the app's native
// message handler with a wrong secret; it reports KindAttack once done.
func (w *Widget) Attack(ctx context.Context) (Report, error) {
	seq := w.Seq()
	if _, err := w.Do(ctx, Command{Op: "attack", URL: w.AttackerURL()}); err != nil {
		return Report{}, err
	}
	return w.WaitFor(ctx, After(seq, IsKind(KindAttack)))
}

// Show switches the page to a tab: "dialer", "contacts" or "settings" (for screenshots).
func (w *Widget) Show(ctx context.Context, tab string) error {
	_, err := w.Do(ctx, Command{Op: "show", Value: tab})
	return err
}

// ClickAuthorize clicks the registered service's Authorize/Unauthorize button, as a user would:
// the page requests the service's authorizationPath with {authorized: <its current state>}.
func (w *Widget) ClickAuthorize(ctx context.Context) error {
	_, err := w.Do(ctx, Command{Op: "authorize-click"})
	return err
}

// State is what the page holds now.
func (w *Widget) State(ctx context.Context) (PageState, error) {
	r, err := w.Do(ctx, Command{Op: "state"})
	if err != nil || r.State == nil {
		return PageState{}, errors.Join(err, errors.New("standin: no state in the page's answer"))
	}
	return *r.State, nil
}

// StartLogin starts the widget's own RingCentral login as a click on its Sign In button does:
// the page makes a PKCE verifier (kept in its memory) and, loaded with disableLoginPopup=1,
// posts rc-login-popup-notify with the oAuthUri it returns. authorizeURL stands in for
// <appServer>/restapi/oauth/authorize.
func (w *Widget) StartLogin(ctx context.Context, authorizeURL string) (string, error) {
	r, err := w.Do(ctx, Command{Op: "login", URL: authorizeURL})
	return r.URL, err
}

// Ring makes the widget report an incoming call from the number, with the caller ID name,
// in the real shape: call.from and call.to are strings (rc-call-ring-notify).
func (w *Widget) Ring(ctx context.Context, from, fromUserName string) error {
	_, err := w.Do(ctx, Command{Op: "ring", Message: map[string]any{"from": from, "fromUserName": fromUserName}})
	return err
}

// InboundMessage makes the widget report an incoming SMS from the number (rc-inbound-message-
// notify), in the real shape: the platform's message record, from {phoneNumber, name?}.
func (w *Widget) InboundMessage(ctx context.Context, from, fromName, subject string) error {
	_, err := w.Do(ctx, Command{Op: "inbound-message", Message: map[string]any{"from": from, "fromName": fromName, "subject": subject}})
	return err
}

// Search types query into the dialer's "Enter a name or number" field, the one that asks the
// host (contactSearchPath), and returns what the widget shows: the host's answer after the
// widget's own re-filter. An error is the widget's crash on the answer.
func (w *Widget) Search(ctx context.Context, query string) (SearchResult, error) {
	r, err := w.Do(ctx, Command{Op: "search", Value: query})
	if err != nil {
		return SearchResult{}, err
	}
	var res SearchResult
	if err := json.Unmarshal(r.Result, &res); err != nil {
		return res, fmt.Errorf("standin: search result %s: %w", r.Result, err)
	}
	if r.Error != "" {
		return res, fmt.Errorf("standin: the widget failed on the search answer: %s", r.Error)
	}
	return res, nil
}

// FilterContacts types query into the Contacts tab's search box and returns the names the tab
// then lists. As in the real widget, that box filters the contacts the widget holds (by name,
// a number containing the query verbatim, or a whole e-mail address) and asks the host nothing.
func (w *Widget) FilterContacts(ctx context.Context, query string) ([]string, error) {
	r, err := w.Do(ctx, Command{Op: "filter", Value: query})
	if err != nil {
		return nil, err
	}
	var res struct {
		Names []string `json:"names"`
	}
	if err := json.Unmarshal(r.Result, &res); err != nil {
		return nil, fmt.Errorf("standin: filter result %s: %w", r.Result, err)
	}
	return res.Names, nil
}

// RefreshContacts clicks the contacts' refresh button (a sync of type "manual") and returns the
// state once that sync ended.
func (w *Widget) RefreshContacts(ctx context.Context) (PageState, error) {
	r, err := w.Do(ctx, Command{Op: "refresh"})
	if err != nil || r.State == nil {
		return PageState{}, errors.Join(err, errors.New("standin: no state after the refresh"))
	}
	return *r.State, nil
}

// AttackerRequestID is the requestId of the request the attacker frame posts.
const AttackerRequestID = "attacker-probe"

// IsKind matches reports of the kind.
func IsKind(kind string) func(Report) bool {
	return func(r Report) bool { return r.Kind == kind }
}

// IsMessage matches messages of the type received by the page that are not its own posts.
func IsMessage(typ string) func(Report) bool {
	return func(r Report) bool { return r.Kind == KindMessage && !r.Echo && r.Type == typ }
}

// After narrows match to reports newer than seq.
func After(seq int, match func(Report) bool) func(Report) bool {
	return func(r Report) bool { return r.Seq > seq && match(r) }
}

// All matches when every one of ms does.
func All(ms ...func(Report) bool) func(Report) bool {
	return func(r Report) bool {
		for _, m := range ms {
			if !m(r) {
				return false
			}
		}
		return true
	}
}
