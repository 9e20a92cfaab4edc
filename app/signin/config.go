package signin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/embeddable-tray/embeddable-tray/internal/loopback"
)

// DefaultTimeout is how long a sign-in waits for the provider's callback.
const DefaultTimeout = 5 * time.Minute

// Config names the provider and this app's registration with it.
type Config struct {
	// Issuer, when set, is read with OpenID discovery (/.well-known/openid-configuration)
	// at the first sign-in, refresh or revoke; it fills the URLs below that are empty.
	Issuer string
	// AuthorizeURL, TokenURL: required unless Issuer is set. UserinfoURL, RevokeURL: optional.
	AuthorizeURL, TokenURL, UserinfoURL, RevokeURL string
	// ClientID is required; ClientSecret is empty for a public client (PKCE protects the code).
	ClientID, ClientSecret string
	Scopes                 []string
	// Timeout: no callback within it ends the sign-in with ErrTimeout; 0 means DefaultTimeout.
	Timeout time.Duration
}

// endpoints are the provider's URLs once discovery (if any) is done.
type endpoints struct {
	authorize, token, userinfo, revoke string
	// basicOnly: discovery lists client_secret_basic and not client_secret_post.
	basicOnly bool
}

// check says what is wrong with cfg, in words for whoever wrote the config.
func (cfg Config) check() error {
	if cfg.ClientID == "" {
		return errors.New("signin: the client ID is empty")
	}
	if cfg.Timeout < 0 {
		return fmt.Errorf("signin: the timeout %v is negative", cfg.Timeout)
	}
	if cfg.Issuer != "" {
		if err := checkEndpoint("issuer", cfg.Issuer); err != nil {
			return err
		}
	} else if cfg.AuthorizeURL == "" || cfg.TokenURL == "" {
		return errors.New("signin: give the authorize and token URLs, or an issuer for OpenID discovery")
	}
	for _, u := range []struct{ name, url string }{
		{"authorize URL", cfg.AuthorizeURL}, {"token URL", cfg.TokenURL},
		{"userinfo URL", cfg.UserinfoURL}, {"revoke URL", cfg.RevokeURL},
	} {
		if u.url == "" {
			continue
		}
		if err := checkEndpoint(u.name, u.url); err != nil {
			return err
		}
	}
	return nil
}

// checkEndpoint wants an absolute https URL; plain http only to a loopback host (a local
// or test provider), since tokens and codes travel to these URLs (RFC 6749 §3.1, §3.2).
func checkEndpoint(name, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("signin: the %s %q is not a URL: %w", name, raw, err)
	}
	if loopback.Secure(u) {
		return nil
	}
	return fmt.Errorf("signin: the %s %q must be an https URL (plain http only on 127.0.0.1/localhost)", name, raw)
}

// discoveryDoc is the part of OpenID Provider Metadata (OIDC Discovery §3) we use.
type discoveryDoc struct {
	Issuer                string   `json:"issuer"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	UserinfoEndpoint      string   `json:"userinfo_endpoint"`
	RevocationEndpoint    string   `json:"revocation_endpoint"`
	TokenAuthMethods      []string `json:"token_endpoint_auth_methods_supported"`
}

// maxBody bounds every response body read from the provider.
const maxBody = 1 << 20

// discover reads the issuer's OpenID configuration; URLs set in cfg win over it.
func discover(ctx context.Context, hc *http.Client, cfg Config) (endpoints, error) {
	fail := func(format string, a ...any) (endpoints, error) {
		return endpoints{}, &Error{Kind: Discovery, Description: oneLine(fmt.Sprintf(format, a...))}
	}
	where := strings.TrimSuffix(cfg.Issuer, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, where, nil)
	if err != nil {
		return fail("%s: %v", where, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return endpoints{}, &Error{Kind: Discovery, Description: oneLine(fmt.Sprintf("cannot reach %s", where)), Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fail("%s answered %s", where, resp.Status)
	}
	var doc discoveryDoc
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(&doc); err != nil {
		return fail("%s is not an OpenID configuration: %v", where, err)
	}
	// OIDC Discovery §4.3: the document must be the issuer's own.
	if strings.TrimSuffix(doc.Issuer, "/") != strings.TrimSuffix(cfg.Issuer, "/") {
		return fail("%s names the issuer %q, not %q", where, doc.Issuer, cfg.Issuer)
	}
	ep := endpoints{
		authorize: first(cfg.AuthorizeURL, doc.AuthorizationEndpoint),
		token:     first(cfg.TokenURL, doc.TokenEndpoint),
		userinfo:  first(cfg.UserinfoURL, doc.UserinfoEndpoint),
		revoke:    first(cfg.RevokeURL, doc.RevocationEndpoint),
		basicOnly: slices.Contains(doc.TokenAuthMethods, "client_secret_basic") &&
			!slices.Contains(doc.TokenAuthMethods, "client_secret_post"),
	}
	if ep.authorize == "" || ep.token == "" {
		return fail("%s has no authorization_endpoint or token_endpoint", where)
	}
	for _, u := range []struct{ name, url string }{
		{"authorization_endpoint", ep.authorize}, {"token_endpoint", ep.token},
		{"userinfo_endpoint", ep.userinfo}, {"revocation_endpoint", ep.revoke},
	} {
		if u.url == "" {
			continue
		}
		if err := checkEndpoint(u.name, u.url); err != nil {
			return fail("%s: %v", where, err)
		}
	}
	return ep, nil
}

// first returns the first non-empty string.
func first(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
