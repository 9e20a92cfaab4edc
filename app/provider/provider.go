// Package provider is the built-in demo provider: an OAuth 2.0 authorization server and a
// CardDAV address book on loopback, so the app works end to end, offline, when no real
// service is configured.
//
// The OAuth side is github.com/go-oauth2/oauth2/v4 (authorization code grant with PKCE
// S256 forced, refresh with rotation); this package adds only what a desktop demo needs
// around it: a sign-in form for one account, the loopback redirect rule of RFC 8252 §7.3,
// userinfo, RFC 7009 revocation and a discovery document. The CardDAV side is go-webdav's
// carddav.Handler over ~40 fixed sample contacts, readable only with a token issued here.
package provider

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/emersion/go-webdav/carddav"
	"github.com/go-oauth2/oauth2/v4/server"

	"github.com/embeddable-tray/embeddable-tray/internal/loopback"
)

// Options configure Start. The zero value is a working demo.
type Options struct {
	// Addr is the loopback address to listen on; default 127.0.0.1:0 (a free port).
	// A non-loopback address is refused: the demo password is printed on the form.
	Addr string
	// Account is the one account that can sign in; default demo@example.com.
	Account string
	// Password is that account's password, shown on the form as a hint; default "demo".
	Password string
	// AccessTokenTTL is the lifetime of access tokens; default 1 h. Tests shorten it to
	// see expiry and refresh.
	AccessTokenTTL time.Duration
	// Logger receives what happens (never a token, code or password); nil means slog.Default().
	Logger *slog.Logger
	// Keep, when set, holds the issued access and refresh tokens between runs (the app
	// passes an entry of its keyring, never a file: they are secrets). nil forgets them
	// when the provider stops.
	Keep Keeper
}

// Provider is a running demo provider. Its methods are safe for concurrent use.
type Provider struct {
	opts    Options
	log     *slog.Logger
	url     string
	srv     *server.Server
	tokens  *memoryTokenStore
	pending *pendingStore
	http    *http.Server
	serveCh chan error
	once    sync.Once
	closed  chan struct{}
	err     error
}

// Start listens on o.Addr and serves until Close is called or ctx is done.
func Start(ctx context.Context, o Options) (*Provider, error) {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Account == "" {
		o.Account = "demo@example.com"
	}
	if o.Password == "" {
		o.Password = "demo"
	}
	if o.AccessTokenTTL <= 0 {
		o.AccessTokenTTL = time.Hour
	}
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	if err := checkLoopback(o.Addr); err != nil {
		return nil, err
	}

	tokens := newMemoryTokenStore()
	tokens.log = log
	if o.Keep != nil {
		tokens.restore(o.Keep)
	}
	srv := newAuthServer(tokens, o.AccessTokenTTL)
	book, err := newAddressBook(time.Now().UTC().Truncate(time.Second))
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("provider: listening on %s: %w", o.Addr, err)
	}
	p := &Provider{
		opts:    o,
		log:     log,
		url:     "http://" + ln.Addr().String(),
		srv:     srv,
		tokens:  tokens,
		pending: newPendingStore(),
		serveCh: make(chan error, 1),
		closed:  make(chan struct{}),
	}
	p.http = loopback.NewServer(p.routes(book))
	go func() { p.serveCh <- loopback.Serve(p.http, ln, 0) }()
	go func() {
		select {
		case <-ctx.Done():
			_ = p.Close()
		case <-p.closed:
		}
	}()
	log.Info("provider: demo provider started", "url", p.url, "account", o.Account)
	return p, nil
}

// checkLoopback refuses to serve the demo account beyond this computer.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("provider: address %q is not host:port: %w", addr, err)
	}
	if !loopback.IsHost(host) {
		return fmt.Errorf("provider: address %q is not a loopback address; the demo provider serves only this computer", addr)
	}
	return nil
}

func (p *Provider) routes(book *addressBook) http.Handler {
	dav := &carddav.Handler{Backend: book, Prefix: davPrefix}
	mux := http.NewServeMux()
	mux.HandleFunc("/authorize", p.handleAuthorize)
	mux.HandleFunc("POST /token", p.handleToken)
	mux.HandleFunc("GET /userinfo", p.handleUserinfo)
	mux.HandleFunc("POST /userinfo", p.handleUserinfo)
	mux.HandleFunc("POST /revoke", p.handleRevoke)
	mux.HandleFunc("GET /.well-known/openid-configuration", p.handleDiscovery)
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", p.handleDiscovery)
	// The well-known redirect reveals only a fixed path, so it needs no token (RFC 6764 §5).
	mux.Handle("/.well-known/carddav", dav)
	davAuthed := p.requireBearer(canonicalCollection(dav))
	mux.Handle(davPrefix, davAuthed) // no redirect to /carddav/: it would turn PROPFIND into GET
	mux.Handle(davPrefix+"/", davAuthed)
	return mux
}

// URL is the provider's base URL and OAuth issuer, http://127.0.0.1:PORT.
func (p *Provider) URL() string { return p.url }

// ClientID is the public demo client's id. It has no secret; PKCE (S256) is required.
func (p *Provider) ClientID() string { return demoClientID }

// AuthorizeURL is the authorization endpoint (the sign-in form).
func (p *Provider) AuthorizeURL() string { return p.url + "/authorize" }

// TokenURL is the token endpoint (authorization_code and refresh_token grants).
func (p *Provider) TokenURL() string { return p.url + "/token" }

// UserinfoURL answers {"sub","email","preferred_username"} for a bearer token.
func (p *Provider) UserinfoURL() string { return p.url + "/userinfo" }

// RevokeURL is the RFC 7009 revocation endpoint.
func (p *Provider) RevokeURL() string { return p.url + "/revoke" }

// CardDAVURL is the "Demo CRM" address book's own URL, which every CardDAV client can use
// as is (discovery from it, or from URL() through /.well-known/carddav, also works).
func (p *Provider) CardDAVURL() string { return p.url + davBook }

// Close stops the server at once; open connections are cut. It is safe to call twice.
func (p *Provider) Close() error {
	p.once.Do(func() {
		close(p.closed)
		err := p.http.Close()
		if serr := <-p.serveCh; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		if err != nil {
			p.err = fmt.Errorf("provider: closing: %w", err)
		}
		p.log.Info("provider: demo provider stopped", "url", p.url)
	})
	return p.err
}
