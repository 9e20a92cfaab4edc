// Package signin signs the user in to a third-party (CRM) service with OAuth 2.0: the
// authorization-code flow with PKCE (S256) and state, answered on a loopback listener
// that lives only for that one sign-in (RFC 8252, "OAuth 2.0 for Native Apps").
//
// It has no GUI: a Presenter (the app's native window, or the system browser) shows the
// provider's page. It also refreshes and revokes tokens. Tokens, codes, verifiers and the
// client secret never reach a log, an error text or a URL.
package signin

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/embeddable-tray/embeddable-tray/internal/weborigin"
)

// Presenter shows the authorization URL to the user and reports a close by hand.
// The app implements it with a native window; BrowserPresenter uses the system browser.
type Presenter interface {
	// Present opens authURL; the returned channel is closed if the user closes the
	// window/tab by hand (a nil channel never fires).
	Present(authURL string) (closed <-chan struct{}, err error)
	// Dismiss closes the window once the flow is over (success or not). Idempotent.
	Dismiss()
}

// Result is a successful sign-in. Token.Extra("id_token") holds the ID token, if any.
type Result struct {
	Token   *oauth2.Token
	Account string
}

// Client runs sign-ins, refreshes and revocations for one provider registration.
// It is safe for concurrent use; each SignIn has its own listener, state and verifier.
type Client struct {
	cfg Config
	hc  *http.Client
	log *slog.Logger

	mu sync.Mutex
	ep *endpoints // nil until discovery has succeeded
}

// New checks cfg and returns a Client. With cfg.Issuer set, discovery happens at the
// first use, not here: the app starts even while the provider is unreachable.
// A nil httpClient means one with a 30 s timeout; a nil logger means slog.Default().
func New(cfg Config, httpClient *http.Client, logger *slog.Logger) (*Client, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	// Codes, verifiers, tokens and the client secret go to the provider's endpoints only: a
	// redirect to another origin (a 307 would re-post the form) is not followed.
	sameOrigin := *httpClient
	sameOrigin.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !weborigin.Same(req.URL, via[0].URL) {
			return fmt.Errorf("signin: %s redirected to another origin (%s); not followed", weborigin.Of(via[0].URL), weborigin.Of(req.URL))
		}
		if httpClient.CheckRedirect != nil {
			return httpClient.CheckRedirect(req, via)
		}
		if len(via) >= 10 {
			return errors.New("signin: stopped after 10 redirects")
		}
		return nil
	}
	httpClient = &sameOrigin
	if logger == nil {
		logger = slog.Default()
	}
	c := &Client{cfg: cfg, hc: httpClient, log: logger}
	if cfg.Issuer == "" {
		c.ep = &endpoints{authorize: cfg.AuthorizeURL, token: cfg.TokenURL, userinfo: cfg.UserinfoURL, revoke: cfg.RevokeURL}
	}
	return c, nil
}

// endpoints returns the provider's URLs, reading the OpenID configuration once.
func (c *Client) endpoints(ctx context.Context) (endpoints, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ep != nil {
		return *c.ep, nil
	}
	ep, err := discover(ctx, c.hc, c.cfg)
	if err != nil {
		return endpoints{}, err
	}
	c.log.Info("read the provider's OpenID configuration", "issuer", c.cfg.Issuer)
	c.ep = &ep
	return ep, nil
}

// oauth returns the x/oauth2 configuration for ep; redirectURI is empty outside a sign-in.
func (c *Client) oauth(ep endpoints, redirectURI string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     c.cfg.ClientID,
		ClientSecret: c.cfg.ClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: ep.authorize, TokenURL: ep.token, AuthStyle: c.authStyle(ep)},
		RedirectURL:  redirectURI,
		Scopes:       c.cfg.Scopes,
	}
}

// authStyle is how the client authenticates at the token endpoint, fixed rather than
// guessed: x/oauth2's auto-detection posts a refused code a second time the other way.
// A public client sends its client_id in the body (RFC 6749 §3.2.1). A client with a
// secret sends it in the body too (client_secret_post, what most providers and the test
// IdPs take), unless the provider's discovery document lists only client_secret_basic.
func (c *Client) authStyle(ep endpoints) oauth2.AuthStyle {
	if c.cfg.ClientSecret != "" && ep.basicOnly {
		return oauth2.AuthStyleInHeader
	}
	return oauth2.AuthStyleInParams
}

// withClient makes x/oauth2 use our HTTP client.
func (c *Client) withClient(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, c.hc)
}

// SignIn runs one authorization-code + PKCE (S256) flow. It listens on 127.0.0.1 on a
// random port (path /callback) for this flow only (RFC 8252 §7.3), has p show the
// authorization URL, and waits for the callback, the user closing the window, the
// timeout or ctx. A callback with a wrong state ends the flow (StateMismatch): it may be
// an attacker's request, and waiting on would hide it. Every failure is an *Error.
func (c *Client) SignIn(ctx context.Context, p Presenter) (Result, error) {
	// One deadline for the whole flow: discovery, the wait for the user, the code exchange
	// and userinfo. A provider that accepts the connection and never answers must not
	// outlast it.
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	ep, err := c.endpoints(ctx)
	if err != nil {
		return Result{}, err
	}
	cb, err := listenCallback(c.log)
	if err != nil {
		return Result{}, err
	}
	// Close the listener first (its last page is written by then), then the window.
	defer p.Dismiss()
	defer cb.close()

	conf := c.oauth(ep, cb.redirectURI)
	state := rand.Text()
	verifier := oauth2.GenerateVerifier()
	closed, err := p.Present(conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		return Result{}, fmt.Errorf("signin: cannot show the sign-in page: %w", err)
	}
	c.log.Info("sign-in started", "redirect_uri", cb.redirectURI, "timeout", c.cfg.Timeout)

	var res Result
	select {
	case <-ctx.Done():
		err = c.stopped(parent)
	case <-closed:
		err = &Error{Kind: Cancelled, Description: closedReason(p)}
	case h := <-cb.hits:
		res, err = c.finish(ctx, conf, ep, state, verifier, h.query)
		if ctx.Err() != nil {
			err = c.stopped(parent)
		}
		h.reply <- err
	}
	if err != nil {
		c.log.Warn("sign-in ended without a token", "err", err)
		return Result{}, err
	}
	c.log.Info("signed in", "account", res.Account)
	return res, nil
}

// stopped says why the flow's context ended: parent was cancelled, or the sign-in's own
// deadline passed.
func (c *Client) stopped(parent context.Context) error {
	if err := parent.Err(); err != nil {
		return &Error{Kind: Cancelled, Description: "the sign-in was stopped", Err: err}
	}
	return &Error{Kind: Timeout, Description: fmt.Sprintf("no answer from the provider within %v", c.cfg.Timeout)}
}

// closedReason says why p ended the flow; a window closed by hand unless p knows better.
func closedReason(p Presenter) string {
	if r, ok := p.(interface{ closedReason() string }); ok {
		return r.closedReason()
	}
	return "the sign-in window was closed"
}

// finish checks the callback's query and turns its code into a token and an account.
func (c *Client) finish(ctx context.Context, conf *oauth2.Config, ep endpoints, state, verifier string, q url.Values) (Result, error) {
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
		return Result{}, &Error{Kind: StateMismatch}
	}
	if q.Get("error") != "" {
		return Result{}, providerError(Denied, q)
	}
	code := q.Get("code")
	if code == "" {
		return Result{}, &Error{Kind: Exchange, Description: "the provider's answer carried no authorization code"}
	}
	tok, err := conf.Exchange(c.withClient(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return Result{}, tokenError(Exchange, "cannot reach the token endpoint", err, code, verifier, c.cfg.ClientSecret)
	}
	account, err := c.account(ctx, ep, tok)
	if err != nil {
		return Result{}, err
	}
	return Result{Token: tok, Account: account}, nil
}
