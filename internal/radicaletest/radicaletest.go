// Package radicaletest runs Radicale, a real CardDAV server that is not our code, for the
// contacts tests (app/contacts) and the end-to-end tests (e2e): one server process on a
// loopback port, address books and cards written into it, and a Gateway in front of it that
// plays the CRM's API, accepting bearer tokens only.
//
// Both check credentials, so a test proves what a server accepted: Radicale itself takes
// only User with Password (htpasswd; an app password typed into the app must be that one),
// and the Gateway takes only the bearer tokens it was told, or those its check accepts (a
// provider's userinfo endpoint, for tokens not known beforehand).
package radicaletest

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/internal/realpart"
)

// User owns the address books; Radicale takes her with Password only.
const (
	User     = "alice"
	Password = "app-pass-123"
)

// Server is one Radicale process with a temporary storage folder, stopped when the test ends.
type Server struct {
	URL   string // http://127.0.0.1:PORT
	Store string // the storage folder, for writing many cards straight into it
}

// Start runs Radicale on a free loopback port and waits until it listens. Without radicale
// installed it skips the test, or fails it when CI is set.
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin, err := exec.LookPath("radicale")
	if err != nil {
		realpart.Missing(tb, "radicale is not installed (apt-get install radicale)")
	}
	dir := tb.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	addr := l.Addr().String()
	require.NoError(tb, l.Close())
	store := filepath.Join(dir, "store")
	users := filepath.Join(dir, "users")
	require.NoError(tb, os.WriteFile(users, []byte(User+":"+Password+"\n"), 0o600))
	cfg := fmt.Sprintf("[server]\nhosts = %s\n[auth]\ntype = htpasswd\nhtpasswd_filename = %s\nhtpasswd_encryption = plain\n"+
		"delay = 0\n[rights]\ntype = owner_only\n[storage]\nfilesystem_folder = %s\n[logging]\nlevel = warning\n", addr, users, store)
	cfgPath := filepath.Join(dir, "config")
	require.NoError(tb, os.WriteFile(cfgPath, []byte(cfg), 0o600))
	cmd := exec.Command(bin, "--config", cfgPath)
	logPath := filepath.Join(dir, "radicale.log") // a file, not a buffer: read while Radicale may still write
	logs, err := os.Create(logPath)
	require.NoError(tb, err)
	defer logs.Close() // the child has its own copy
	cmd.Stdout, cmd.Stderr = logs, logs
	require.NoError(tb, cmd.Start())
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(logPath)
			tb.Fatalf("radicale did not listen on %s: %s", addr, out)
		}
		time.Sleep(50 * time.Millisecond) // poll interval, bounded by the deadline above
	}
	return &Server{URL: "http://" + addr, Store: store}
}

// Do sends one request to Radicale directly, as User, and requires one of the want statuses.
func (s *Server) Do(tb testing.TB, method, path, ctype, body string, want ...int) {
	tb.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	require.NoError(tb, err)
	req.SetBasicAuth(User, Password)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	require.Contains(tb, want, resp.StatusCode, "%s %s: %s", method, path, got)
}

// MkBook creates /alice/<name>/ as an address book (extended MKCOL, RFC 5689) and returns
// that path.
func (s *Server) MkBook(tb testing.TB, name string) string {
	tb.Helper()
	path := "/" + User + "/" + name + "/"
	s.Do(tb, "MKCOL", path, "application/xml", `<?xml version="1.0"?>`+
		`<mkcol xmlns="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><set><prop>`+
		`<resourcetype><collection/><CR:addressbook/></resourcetype><displayname>`+name+`</displayname>`+
		`</prop></set></mkcol>`, http.StatusCreated)
	return path
}

// Put creates or replaces the card uid in book (Radicale answers 201 to both).
func (s *Server) Put(tb testing.TB, book, uid, card string) {
	tb.Helper()
	s.Do(tb, http.MethodPut, book+uid+".vcf", "text/vcard", card, http.StatusCreated, http.StatusNoContent)
}

// Remove deletes the card uid from book.
func (s *Server) Remove(tb testing.TB, book, uid string) {
	tb.Helper()
	s.Do(tb, http.MethodDelete, book+uid+".vcf", "", "", http.StatusOK)
}

// Card writes a vCard 3.0 text; lines are extra properties such as "TEL;TYPE=WORK:...".
func Card(uid, fn string, lines ...string) string {
	return "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:" + uid + "\r\nFN:" + fn + "\r\n" +
		strings.Join(append(lines, ""), "\r\n") + "END:VCARD\r\n"
}

// Gateway checks bearer tokens in front of a Server and forwards as User, as the CRM's API
// front would. It is closed when the test ends.
type Gateway struct {
	URL string

	mu          sync.Mutex
	tokens      map[string]bool
	check       func(token string) bool // nil: only tokens
	noSync      bool
	syncReports int
}

// NewGateway puts a Gateway in front of s that accepts the given tokens and no others.
func NewGateway(tb testing.TB, s *Server, tokens ...string) *Gateway {
	return newGateway(tb, s, nil, tokens)
}

// NewCheckingGateway puts a Gateway in front of s that accepts a bearer token when valid
// says so, as a CRM's API asks its identity provider (e.g. its userinfo endpoint).
func NewCheckingGateway(tb testing.TB, s *Server, valid func(token string) bool) *Gateway {
	return newGateway(tb, s, valid, nil)
}

func newGateway(tb testing.TB, s *Server, check func(string) bool, tokens []string) *Gateway {
	tb.Helper()
	target, err := url.Parse(s.URL)
	require.NoError(tb, err)
	g := &Gateway{check: check}
	g.SetTokens(tokens...)
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		tok, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
		g.mu.Lock()
		valid, check, noSync := ok && g.tokens[tok], g.check, g.noSync
		g.mu.Unlock()
		if ok && !valid && check != nil {
			valid = check(tok)
		}
		if !valid {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			http.Error(w, "invalid token", http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(req.Body)
		if req.Method == "REPORT" && bytes.Contains(body, []byte("sync-collection")) {
			g.mu.Lock()
			g.syncReports++
			g.mu.Unlock()
			if noSync {
				http.Error(w, "sync-collection is not implemented", http.StatusNotImplemented)
				return
			}
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.SetBasicAuth(User, Password)
		proxy.ServeHTTP(w, req)
	}))
	tb.Cleanup(srv.Close)
	g.URL = srv.URL
	return g
}

// SetTokens replaces the accepted tokens: what a CRM does when it revokes or issues tokens.
// With none, no token is accepted.
func (g *Gateway) SetTokens(tokens ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.tokens = map[string]bool{}
	for _, t := range tokens {
		g.tokens[t] = true
	}
}

// SetNoSync makes the Gateway answer sync-collection REPORTs with 501, like a server without
// RFC 6578.
func (g *Gateway) SetNoSync(on bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.noSync = on
}

// SyncReports counts the sync-collection REPORTs the Gateway has seen.
func (g *Gateway) SyncReports() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.syncReports
}

// AddressBook runs Radicale with one address book holding cards (uid -> vCard), behind a
// Gateway that accepts the bearer tokens valid accepts, and returns the address book's URL.
func AddressBook(tb testing.TB, cards map[string]string, valid func(token string) bool) string {
	tb.Helper()
	s := Start(tb)
	book := s.MkBook(tb, "crm")
	for uid, c := range cards {
		s.Put(tb, book, uid, c)
	}
	return NewCheckingGateway(tb, s, valid).URL + book
}

// UserinfoCheck accepts a bearer token when the provider's userinfo endpoint does: how a
// CRM's API checks a token it did not issue itself.
func UserinfoCheck(userinfoURL string) func(token string) bool {
	return func(token string) bool {
		req, err := http.NewRequest(http.MethodGet, userinfoURL, nil)
		if err != nil {
			return false
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
}
