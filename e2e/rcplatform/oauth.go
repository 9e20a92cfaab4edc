package rcplatform

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// The OAuth side, as the widget's SDK uses it (@ringcentral/sdk's Platform): a form POST to
// /restapi/oauth/token with HTTP Basic client authentication, answered with a token document
// that carries owner_id and endpoint_id; /restapi/oauth/authorize for the login window
// (answered at once with a code, PKCE S256 checked at the token endpoint), /revoke on logout.

const (
	accessTTL  = time.Hour
	refreshTTL = 7 * 24 * time.Hour
	grantJWT   = "urn:ietf:params:oauth:grant-type:jwt-bearer"
)

// tokens is the platform's one store of codes and tokens.
type tokens struct {
	jwt string

	mu      sync.Mutex
	access  map[string]time.Time // token -> expiry
	refresh map[string]bool
	codes   map[string]pendingCode
}

type pendingCode struct {
	challenge, redirect string
}

func newTokens(jwt string) *tokens {
	return &tokens{jwt: jwt, access: map[string]time.Time{}, refresh: map[string]bool{}, codes: map[string]pendingCode{}}
}

// issue makes a new access/refresh pair.
func (t *tokens) issue() map[string]any {
	at, rt := "AT-"+randomID(16), "RT-"+randomID(16)
	t.mu.Lock()
	t.access[at] = time.Now().Add(accessTTL)
	t.refresh[rt] = true
	t.mu.Unlock()
	return map[string]any{
		"access_token":             at,
		"token_type":               "bearer",
		"expires_in":               int(accessTTL.Seconds()),
		"refresh_token":            rt,
		"refresh_token_expires_in": int(refreshTTL.Seconds()),
		"scope":                    "ReadAccounts ReadCallLog ReadMessages ReadPresence SMS RingOut VoipCalling Contacts WebSocketsSubscription CallControl TelephonySessions",
		"owner_id":                 ownerID,
		"endpoint_id":              "rcplatform-endpoint",
	}
}

// valid reports whether r carries a live access token.
func (t *tokens) valid(r *http.Request) bool {
	// The SDK writes the token_type as the token endpoint gave it ("bearer"): the scheme is
	// case-insensitive (RFC 7235).
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	exp, ok := t.access[tok]
	return ok && time.Now().Before(exp)
}

func (t *tokens) revoke(token string) {
	t.mu.Lock()
	delete(t.access, token)
	delete(t.refresh, token)
	t.mu.Unlock()
}

func (p *Platform) oauthRoutes() {
	p.mux.HandleFunc("POST /restapi/oauth/token", p.handleToken)
	p.mux.HandleFunc("GET /restapi/oauth/authorize", p.handleAuthorize)
	p.mux.HandleFunc("POST /restapi/oauth/revoke", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		p.auth.revoke(r.PostForm.Get("token"))
		w.WriteHeader(http.StatusOK)
	})
}

func (p *Platform) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, "invalid_request", err.Error())
		return
	}
	f := r.PostForm
	switch f.Get("grant_type") {
	case grantJWT:
		if f.Get("assertion") != p.auth.jwt {
			oauthError(w, "invalid_grant", "the JWT is not the one this platform accepts")
			return
		}
	case "password":
		if f.Get("username") == "" || f.Get("password") == "" {
			oauthError(w, "invalid_grant", "username and password are required")
			return
		}
	case "refresh_token":
		p.auth.mu.Lock()
		ok := p.auth.refresh[f.Get("refresh_token")]
		delete(p.auth.refresh, f.Get("refresh_token"))
		p.auth.mu.Unlock()
		if !ok {
			oauthError(w, "invalid_grant", "Token not found")
			return
		}
	case "authorization_code":
		p.auth.mu.Lock()
		c, ok := p.auth.codes[f.Get("code")]
		delete(p.auth.codes, f.Get("code"))
		p.auth.mu.Unlock()
		if !ok || c.redirect != f.Get("redirect_uri") {
			oauthError(w, "invalid_grant", "unknown code or another redirect_uri")
			return
		}
		if c.challenge != "" && s256(f.Get("code_verifier")) != c.challenge {
			oauthError(w, "invalid_grant", "code_verifier does not match the code_challenge")
			return
		}
	default:
		oauthError(w, "unsupported_grant_type", "grant_type "+f.Get("grant_type"))
		return
	}
	writeJSON(w, http.StatusOK, p.auth.issue())
}

// handleAuthorize is the login page: there is no one to ask, so it answers at once with a
// code for the redirect URI (which must be on loopback: the stand-in never sends a code
// off the machine).
func (p *Platform) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Scheme != "http" || (redirect.Hostname() != "127.0.0.1" && redirect.Hostname() != "localhost") {
		http.Error(w, "redirect_uri must be a loopback http URL", http.StatusBadRequest)
		return
	}
	if q.Get("response_type") != "code" {
		http.Error(w, "response_type must be code", http.StatusBadRequest)
		return
	}
	if m := q.Get("code_challenge_method"); q.Get("code_challenge") != "" && m != "S256" {
		http.Error(w, "code_challenge_method must be S256", http.StatusBadRequest)
		return
	}
	code := "CODE-" + randomID(12)
	p.auth.mu.Lock()
	p.auth.codes[code] = pendingCode{challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
	p.auth.mu.Unlock()
	back := redirect.Query()
	back.Set("code", code)
	if s := q.Get("state"); s != "" {
		back.Set("state", s)
	}
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func oauthError(w http.ResponseWriter, code, desc string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": desc, "message": desc})
}

// apiError is the REST API's error document.
func apiError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{
		"errorCode": code, "message": msg,
		"errors": []map[string]string{{"errorCode": code, "message": msg}},
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
