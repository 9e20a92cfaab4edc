// Package rcsip is a loopback stand-in for the RingCentral platform's calling side, for
// tests of the web phone: the sip-provision API, a SIP-over-WebSocket registrar with Digest
// auth, and a far end with one pion peer per call that can ring the client, answer it,
// send and detect tones, decode RFC 4733 DTMF, follow hold re-INVITEs and hang up. It also
// serves the test pages, so the page, the API and the WebSocket share one origin (the web
// phone's CSP connect-src, as on app.html).
package rcsip

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// SIPInfo is one entry of sip-provision's sipInfo, as the web phones read it.
type SIPInfo struct {
	Transport       string   `json:"transport"`
	Username        string   `json:"username"`
	Password        string   `json:"password"`
	AuthorizationID string   `json:"authorizationId"`
	Domain          string   `json:"domain"`
	OutboundProxy   string   `json:"outboundProxy"`
	StunServers     []string `json:"stunServers"`
}

// Config sets up a Server. The zero value serves no pages and accepts Opus and G.711.
type Config struct {
	// Pages is served at "/" (the test pages and the scripts they load); nil serves none.
	Pages http.Handler
	// G711Only makes the far end offer and accept only PCMU/PCMA (and telephone-event).
	G711Only bool
	// NoTelephoneEvent makes the far end offer and accept no telephone-event (a gateway
	// without RFC 4733 DTMF).
	NoTelephoneEvent bool
	// NoMid strips a=mid and a=group from the far end's SDP, as some gateways send it.
	NoMid bool
	// Trace, when set, hears every SIP message in ("<- ") and out ("-> "), for test logs.
	Trace func(msg string)
}

// Server is the stand-in platform on one loopback origin.
type Server struct {
	// URL is the origin, http://127.0.0.1:PORT.
	URL string
	// Info is what sip-provision hands out (the credentials the registrar checks).
	Info SIPInfo

	cfg  Config
	http *http.Server

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every change below
	conn     *sipConn      // the WebSocket of the current registration
	contact  string        // the registered Contact URI
	regs     int           // successful REGISTERs with expires > 0
	nonces   map[string]bool
	calls    map[string]*Call // by Call-ID
	incoming []*Call          // calls the client placed, not yet taken by NextCall
	ctl      control
}

// Start listens on 127.0.0.1 and serves until Close.
func Start(cfg Config) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := newServer(cfg, ln.Addr().String())
	mux := http.NewServeMux()
	s.routes(mux)
	if cfg.Pages != nil {
		mux.Handle("/", cfg.Pages)
	}
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go s.http.Serve(ln) //nolint:errcheck // ends with Close
	return s, nil
}

// Close hangs up every call and stops serving.
func (s *Server) Close() {
	s.mu.Lock()
	calls := make([]*Call, 0, len(s.calls))
	for _, c := range s.calls {
		calls = append(calls, c)
	}
	s.mu.Unlock()
	for _, c := range calls {
		c.closeMedia()
	}
	if s.http != nil { // a mounted Server: its host serves it
		s.http.Close()
	}
}

// provision answers sip-provision with the shape of the platform's fixture.
func (s *Server) provision(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{ //nolint:errcheck // the client sees a short body
		"device":        map[string]any{"id": "800001000", "uri": s.URL + "/restapi/v1.0/account/~/device/800001000", "status": "Online"},
		"sipInfo":       []SIPInfo{s.Info},
		"sipFlags":      map[string]any{"voipFeatureEnabled": true, "voipServiceAvailable": true, "voipCountryBlocked": false},
		"sipErrorCodes": []string{"408", "502", "503", "504"},
	})
}

// notify wakes every waiter; callers hold s.mu.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor waits until cond (called with s.mu held) is true.
func (s *Server) waitFor(ctx context.Context, what string, cond func() bool) error {
	for {
		s.mu.Lock()
		ok, ch := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("rcsip: waiting for %s: %w", what, ctx.Err())
		}
	}
}

// Registered waits for the client's n-th successful registration (counting from 1).
func (s *Server) Registered(ctx context.Context, n int) error {
	return s.waitFor(ctx, "a registration", func() bool { return s.regs >= n })
}

// NextCall waits for a call the client places and takes it.
func (s *Server) NextCall(ctx context.Context) (*Call, error) {
	var c *Call
	err := s.waitFor(ctx, "a call from the client", func() bool {
		if len(s.incoming) == 0 {
			return false
		}
		c, s.incoming = s.incoming[0], s.incoming[1:]
		return true
	})
	return c, err
}

// sipConn is one client WebSocket; writes are serialized.
type sipConn struct {
	ws    *websocket.Conn
	mu    sync.Mutex
	trace func(string)
}

func (c *sipConn) send(m *message) error {
	s := m.String()
	if c.trace != nil {
		c.trace("-> " + s)
	}
	return c.write(s)
}

func (c *sipConn) write(s string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ws.WriteMessage(websocket.TextMessage, []byte(s))
}

var upgrader = websocket.Upgrader{
	Subprotocols: []string{"sip"},
	// same origin only: the page that opens it is served here
	CheckOrigin: func(r *http.Request) bool {
		return r.Header.Get("Origin") == "" || r.Header.Get("Origin") == "http://"+r.Host
	},
}

func (s *Server) websocket(w http.ResponseWriter, r *http.Request) {
	if !websocket.IsWebSocketUpgrade(r) || !slices.Contains(websocket.Subprotocols(r), "sip") {
		http.Error(w, "a WebSocket with subprotocol sip (RFC 7118)", http.StatusBadRequest)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	conn := &sipConn{ws: ws, trace: s.cfg.Trace}
	defer ws.Close()
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		text := string(data)
		if strings.Trim(text, "\r\n") == "" { // RFC 5626 keep-alive: a CRLF pair, answered by a CRLF
			conn.write("\r\n") //nolint:errcheck // a dead socket ends the read loop
			continue
		}
		if s.cfg.Trace != nil {
			s.cfg.Trace("<- " + text)
		}
		m, err := parseMessage(text)
		if err != nil {
			continue
		}
		s.handle(conn, m)
	}
}

func (s *Server) handle(conn *sipConn, m *message) {
	if m.method == "" {
		s.mu.Lock()
		c := s.calls[m.get("Call-ID")]
		s.mu.Unlock()
		if c != nil {
			c.response(m)
		}
		return
	}
	switch m.method {
	case "REGISTER":
		s.register(conn, m)
	case "INVITE":
		s.invite(conn, m)
	case "ACK":
		s.mu.Lock()
		if c := s.calls[m.get("Call-ID")]; c != nil && c.clientInvite {
			c.clientInvite = false
			s.notify()
		}
		s.mu.Unlock()
	case "BYE", "CANCEL":
		s.mu.Lock()
		c := s.calls[m.get("Call-ID")]
		s.mu.Unlock()
		if c == nil {
			conn.send(response(m, 481, "Call/Transaction Does Not Exist", "")) //nolint:errcheck
			return
		}
		c.byeOrCancel(m)
	case "MESSAGE", "INFO", "NOTIFY", "OPTIONS":
		conn.send(response(m, 200, "OK", randomHex(4))) //nolint:errcheck
	default:
		r := response(m, 405, "Method Not Allowed", randomHex(4))
		r.add("Allow", "INVITE, ACK, CANCEL, BYE, MESSAGE, INFO, NOTIFY, OPTIONS, REGISTER")
		conn.send(r) //nolint:errcheck
	}
}

// register is the registrar: a Digest challenge (RFC 2617 without qop, as both web phones
// compute it), then a 200 that echoes the client's Contact (sip.js ignores one without it).
func (s *Server) register(conn *sipConn, m *message) {
	if m.get("Authorization") == "" {
		s.challenge(conn, m, 401, "Unauthorized", "WWW-Authenticate")
		return
	}
	if !s.authorized(m, "Authorization") {
		conn.send(response(m, 403, "Forbidden", randomHex(4))) //nolint:errcheck
		return
	}
	contact := m.get("Contact")
	expires := param(contact, "expires")
	if expires == "" {
		expires = m.get("Expires")
	}
	if expires == "" {
		expires = "600"
	}
	r := response(m, 200, "OK", randomHex(4))
	r.add("Contact", contactWithExpires(contact, expires))
	r.add("Expires", expires)
	s.mu.Lock()
	if expires == "0" {
		if s.conn == conn {
			s.conn, s.contact = nil, ""
		}
	} else {
		s.conn, s.contact = conn, uriOf(contact)
		s.regs++
	}
	s.notify()
	s.mu.Unlock()
	conn.send(r) //nolint:errcheck
}

// challenge answers m with a Digest challenge carrying a fresh nonce; the realm is the
// domain (ringcentral-web-phone 2.x uses the domain whatever the challenge says).
func (s *Server) challenge(conn *sipConn, m *message, code int, reason, header string) {
	nonce := randomHex(16)
	s.mu.Lock()
	s.nonces[nonce] = true
	s.mu.Unlock()
	r := response(m, code, reason, randomHex(4))
	r.add(header, fmt.Sprintf(`Digest realm="%s", nonce="%s", algorithm=MD5`, s.Info.Domain, nonce))
	conn.send(r) //nolint:errcheck
}

// authorized checks the Digest credentials in m's header against the provisioned
// authorizationId and password, for a nonce this server handed out.
func (s *Server) authorized(m *message, header string) bool {
	p := digestParams(m.get(header))
	s.mu.Lock()
	known := s.nonces[p["nonce"]]
	s.mu.Unlock()
	return known && p["username"] == s.Info.AuthorizationID && p["response"] == digestResponse(p, s.Info.Password, m.method)
}

func contactWithExpires(contact, expires string) string {
	if param(contact, "expires") != "" {
		return contact
	}
	return contact + ";expires=" + expires
}

// digestResponse is RFC 2617's response without qop: MD5(HA1:nonce:HA2).
func digestResponse(p map[string]string, password, method string) string {
	ha1 := md5hex(p["username"] + ":" + p["realm"] + ":" + password)
	ha2 := md5hex(method + ":" + p["uri"])
	if p["qop"] == "auth" {
		return md5hex(ha1 + ":" + p["nonce"] + ":" + p["nc"] + ":" + p["cnonce"] + ":auth:" + ha2)
	}
	return md5hex(ha1 + ":" + p["nonce"] + ":" + ha2)
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// registration is the connection and Contact URI of the current registration.
func (s *Server) registration() (*sipConn, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return nil, "", errors.New("rcsip: no client is registered")
	}
	return s.conn, s.contact, nil
}

func (s *Server) host() string { return strings.TrimPrefix(s.URL, "http://") }
