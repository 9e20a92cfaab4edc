package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-oauth2/oauth2/v4"
	oerrors "github.com/go-oauth2/oauth2/v4/errors"
	"github.com/go-oauth2/oauth2/v4/generates"
	"github.com/go-oauth2/oauth2/v4/manage"
	"github.com/go-oauth2/oauth2/v4/models"
	"github.com/go-oauth2/oauth2/v4/server"
)

const (
	// demoClientID is the one public client this provider knows. It has no secret:
	// a desktop app cannot keep one (RFC 8252 §8.5), so PKCE is what binds the code to it.
	demoClientID = "embeddable-tray-demo"

	// refreshTTL is how long an unused refresh token lives; each refresh renews it.
	refreshTTL = 30 * 24 * time.Hour
)

// userKey carries the signed-in account from the sign-in form into the library's
// UserAuthorizationHandler.
type userKey struct{}

// checkRedirectURI allows only a loopback redirect http://127.0.0.1:PORT/callback, any
// port (RFC 8252 §7.3): the app listens on a fresh port for each sign-in. Nothing else is
// allowed, so a code can never be sent off the machine.
func checkRedirectURI(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("redirect_uri %q does not parse: %w", raw, err)
	}
	port, perr := strconv.Atoi(u.Port())
	switch {
	case u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.User != nil:
		return fmt.Errorf("redirect_uri %q is not http://127.0.0.1:PORT/callback", raw)
	case perr != nil || port < 1 || port > 65535:
		return fmt.Errorf("redirect_uri %q has no valid port", raw)
	case u.Path != "/callback" || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return fmt.Errorf("redirect_uri %q must have exactly the path /callback", raw)
	}
	return nil
}

// newAuthServer builds the go-oauth2 authorization server: authorization code grant and
// refresh only, PKCE forced and S256 the only method, the loopback redirect rule checked
// by the manager both when the code is issued and when it is exchanged.
func newAuthServer(tokens oauth2.TokenStore, accessTTL time.Duration) *server.Server {
	m := manage.NewManager()
	m.MapAuthorizeGenerate(generates.NewAuthorizeGenerate())
	m.MapAccessGenerate(generates.NewAccessGenerate())
	m.MapTokenStorage(tokens)
	m.MapClientStorage(oneClient{&models.Client{ID: demoClientID, Domain: "http://127.0.0.1", Public: true}})
	m.SetAuthorizeCodeExp(5 * time.Minute)
	m.SetAuthorizeCodeTokenCfg(&manage.Config{AccessTokenExp: accessTTL, RefreshTokenExp: refreshTTL, IsGenerateRefresh: true})
	m.SetRefreshTokenCfg(&manage.RefreshingConfig{
		AccessTokenExp:     accessTTL,
		RefreshTokenExp:    refreshTTL,
		IsGenerateRefresh:  true, // rotate: the old refresh token stops working
		IsResetRefreshTime: true,
		IsRemoveAccess:     true,
		IsRemoveRefreshing: true,
	})
	m.SetValidateURIHandler(func(_, redirectURI string) error {
		if checkRedirectURI(redirectURI) != nil {
			return oerrors.ErrInvalidRedirectURI
		}
		return nil
	})

	cfg := server.NewConfig()
	cfg.ForcePKCE = true
	cfg.AllowedResponseTypes = []oauth2.ResponseType{oauth2.Code}
	cfg.AllowedGrantTypes = []oauth2.GrantType{oauth2.AuthorizationCode, oauth2.Refreshing}
	cfg.AllowedCodeChallengeMethods = []oauth2.CodeChallengeMethod{oauth2.CodeChallengeS256}
	srv := server.NewServer(cfg, m)
	srv.ClientInfoHandler = clientInfo
	srv.ClientAuthorizedHandler = func(clientID string, gt oauth2.GrantType) (bool, error) {
		if clientID != demoClientID {
			return false, oerrors.ErrInvalidClient
		}
		return gt == oauth2.AuthorizationCode || gt == oauth2.Refreshing, nil
	}
	srv.UserAuthorizationHandler = func(_ http.ResponseWriter, r *http.Request) (string, error) {
		if user, _ := r.Context().Value(userKey{}).(string); user != "" {
			return user, nil
		}
		return "", oerrors.ErrAccessDenied
	}
	// Bearer tokens only in the Authorization header (RFC 6750 §2.1): the library's default
	// also reads ?access_token=, which would put a secret in URLs and logs.
	srv.AccessTokenResolveHandler = func(r *http.Request) (string, bool) {
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			return "", false
		}
		return token, true
	}
	return srv
}

// oneClient is a ClientStore that knows the demo client only. (The library's store
// package would do, but it drags buntdb in with its token store.)
type oneClient struct{ c *models.Client }

func (s oneClient) GetByID(_ context.Context, id string) (oauth2.ClientInfo, error) {
	if id != s.c.ID {
		return nil, oerrors.ErrInvalidClient
	}
	return s.c, nil
}

// clientInfo identifies the client by HTTP Basic auth or, for a public client, by the
// client_id form field (RFC 6749 §2.3.1, §3.2.1); golang.org/x/oauth2 may send either.
func clientInfo(r *http.Request) (string, string, error) {
	if id, secret, err := server.ClientBasicHandler(r); err == nil {
		if uid, err := url.QueryUnescape(id); err == nil {
			id = uid
		}
		return id, secret, nil
	}
	if err := r.ParseForm(); err != nil {
		return "", "", oerrors.ErrInvalidRequest
	}
	return server.ClientFormHandler(r)
}

// handleToken serves POST /token through the library.
func (p *Provider) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := p.srv.HandleTokenRequest(w, r); err != nil {
		p.log.Error("provider: token endpoint failed", "err", err)
		http.Error(w, "token endpoint failed", http.StatusInternalServerError)
	}
}

// bearer returns the token info of a valid access token in the request, or writes the
// RFC 6750 §3 challenge and returns nil.
func (p *Provider) bearer(w http.ResponseWriter, r *http.Request) oauth2.TokenInfo {
	ti, err := p.srv.ValidationBearerToken(r)
	if err == nil {
		return ti
	}
	challenge := `Bearer realm="` + realm + `"`
	if r.Header.Get("Authorization") != "" {
		challenge += `, error="invalid_token"`
	}
	w.Header().Set("WWW-Authenticate", challenge)
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": "a valid bearer token is required"})
	return nil
}

// handleUserinfo serves GET /userinfo: who the bearer token belongs to.
func (p *Provider) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	ti := p.bearer(w, r)
	if ti == nil {
		return
	}
	user := ti.GetUserID()
	name, _, _ := strings.Cut(user, "@")
	writeJSON(w, http.StatusOK, map[string]string{"sub": user, "email": user, "preferred_username": name})
}

// handleRevoke serves POST /revoke (RFC 7009). An unknown or already revoked token is not
// an error (§2.2: 200 all the same). Revoking either token of a grant ends both, so a
// signed-out app leaves nothing usable behind. A client_id other than the demo client's
// is refused with 401 invalid_client (§2.2.1); none at all is accepted, since the demo
// client is public and holding the token is what proves the right to drop it.
func (p *Provider) handleRevoke(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	clientID, _, _ := clientInfo(r)
	if clientID != "" && clientID != demoClientID {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	token := r.PostForm.Get("token")
	if token == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "token is required"})
		return
	}
	ctx := r.Context()
	lookups := []func(context.Context, string) (oauth2.TokenInfo, error){p.tokens.GetByAccess, p.tokens.GetByRefresh}
	if r.PostForm.Get("token_type_hint") == "refresh_token" {
		lookups[0], lookups[1] = lookups[1], lookups[0]
	}
	for _, lookup := range lookups {
		ti, err := lookup(ctx, token)
		if err != nil || ti == nil {
			continue
		}
		if ti.GetClientID() == demoClientID {
			_ = p.tokens.RemoveByAccess(ctx, ti.GetAccess())
			if rt := ti.GetRefresh(); rt != "" {
				_ = p.tokens.RemoveByRefresh(ctx, rt)
			}
			p.log.Info("provider: token revoked", "account", ti.GetUserID())
		}
		break
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

// handleDiscovery serves the metadata document (RFC 8414 fields, at the OpenID path the
// app's discovery reads) so the app can find this provider from its issuer URL alone.
func (p *Provider) handleDiscovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                     p.URL(),
		"authorization_endpoint":                     p.AuthorizeURL(),
		"token_endpoint":                             p.TokenURL(),
		"userinfo_endpoint":                          p.UserinfoURL(),
		"revocation_endpoint":                        p.RevokeURL(),
		"response_types_supported":                   []string{"code"},
		"grant_types_supported":                      []string{"authorization_code", "refresh_token"},
		"code_challenge_methods_supported":           []string{"S256"},
		"token_endpoint_auth_methods_supported":      []string{"none"},
		"revocation_endpoint_auth_methods_supported": []string{"none"},
		"subject_types_supported":                    []string{"public"},
		"claims_supported":                           []string{"sub", "email", "preferred_username"},
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
