package provider

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-oauth2/oauth2/v4"
	oerrors "github.com/go-oauth2/oauth2/v4/errors"
	"github.com/go-oauth2/oauth2/v4/server"
)

//go:embed signin.html
var pages embed.FS

var signinPage = template.Must(template.ParseFS(pages, "signin.html"))

const (
	// pendingTTL bounds how long a sign-in form stays usable.
	pendingTTL = 10 * time.Minute
	// maxPending bounds the forms open at once, so a page reloaded in a loop cannot grow
	// memory; the oldest form makes room for a new one.
	maxPending = 256
	// maxPendingPerClient bounds the forms of one client (one redirect_uri: each sign-in of
	// the app has a callback port of its own). Its oldest form makes room, so one client
	// asking again and again pushes out only its own forms, never another sign-in's.
	maxPendingPerClient = 4
)

// pendingStore holds the authorization requests whose sign-in form is on screen, keyed by
// a random single-use token put in the form. The token is the form's CSRF protection: a
// page of another origin can post to this loopback server but cannot read a token out of
// our form. The request's parameters stay here, so the posted form cannot change the
// redirect_uri or the PKCE challenge that were checked when the form was shown.
type pendingStore struct {
	mu   sync.Mutex
	reqs map[string]pending
	seq  uint64 // orders the forms by age
	now  func() time.Time
}

type pending struct {
	params  url.Values
	expires time.Time
	seq     uint64
}

func newPendingStore() *pendingStore {
	return &pendingStore{reqs: map[string]pending{}, now: time.Now}
}

// add keeps params and returns the form token. It never refuses: when the client, or the
// store, is full, the oldest form of the client, or of the store, is dropped.
func (s *pendingStore) add(params url.Values) (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	client := params.Get("redirect_uri")
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for k, p := range s.reqs {
		if !now.Before(p.expires) {
			delete(s.reqs, k)
		}
	}
	s.dropOldest(func(p pending) bool { return p.params.Get("redirect_uri") == client }, maxPendingPerClient)
	s.dropOldest(func(pending) bool { return true }, maxPending)
	s.seq++
	s.reqs[tok] = pending{params: params, expires: now.Add(pendingTTL), seq: s.seq}
	return tok, nil
}

// dropOldest drops the oldest forms that match until fewer than limit match.
func (s *pendingStore) dropOldest(match func(pending) bool, limit int) {
	for {
		n, oldest, oldestSeq := 0, "", uint64(0)
		for k, p := range s.reqs {
			if !match(p) {
				continue
			}
			n++
			if oldest == "" || p.seq < oldestSeq {
				oldest, oldestSeq = k, p.seq
			}
		}
		if n < limit {
			return
		}
		delete(s.reqs, oldest)
	}
}

// take returns and forgets the request of a form token; ok is false for an unknown,
// used or expired token.
func (s *pendingStore) take(tok string) (url.Values, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.reqs[tok]
	delete(s.reqs, tok)
	if !ok || !s.now().Before(p.expires) {
		return nil, false
	}
	return p.params, true
}

// formView is what signin.html shows.
type formView struct {
	Token, Account, PasswordHint, Error string
}

// handleAuthorize serves /authorize: GET checks the request and shows the sign-in form,
// POST is that form's answer.
func (p *Provider) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	// The form must not be framed (clickjacking) nor cached, and the code-bearing
	// redirect must not leak the form's URL as a Referer.
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http://127.0.0.1:*; frame-ancestors 'none'")
	// same-origin, not no-referrer: under no-referrer a browser sends "Origin: null" even
	// with the page's own form POST (Fetch, "append a request Origin header"), and the
	// Origin check would refuse every real sign-in. Other origins still get no Referer.
	h.Set("Referrer-Policy", "same-origin")
	switch r.Method {
	case http.MethodGet:
		p.showForm(w, r)
	case http.MethodPost:
		p.submitForm(w, r)
	default:
		h.Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// showForm validates an authorization request. A bad client_id or redirect_uri gets an
// error page and no redirect (RFC 6749 §4.1.2.1: never redirect to an unchecked URI);
// any other fault is sent back to the client's redirect_uri.
func (p *Provider) showForm(w http.ResponseWriter, r *http.Request) {
	params := r.URL.Query()
	for _, k := range []string{"client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method", "response_type"} {
		if len(params[k]) > 1 {
			p.errorPage(w, "The request repeats the parameter "+k+".")
			return
		}
	}
	if params.Get("client_id") != demoClientID {
		p.errorPage(w, "This demo provider does not know the application "+quote(params.Get("client_id"))+".")
		return
	}
	if err := checkRedirectURI(params.Get("redirect_uri")); err != nil {
		p.errorPage(w, "The application asked to be answered at an address this provider does not allow: "+err.Error()+".")
		return
	}
	if _, err := p.srv.ValidationAuthorizeRequest(withForm(r, params)); err != nil {
		p.log.Info("provider: authorization request refused", "err", err, "description", oerrors.Descriptions[err])
		p.redirectError(w, params, err, "")
		return
	}
	// This provider insists on state, the client's CSRF defence (RFC 6749 §10.12), so a
	// client that forgets it finds out here rather than against a real provider.
	if params.Get("state") == "" {
		p.log.Info("provider: authorization request refused: no state")
		p.redirectError(w, params, oerrors.ErrInvalidRequest, "state is required")
		return
	}
	tok, err := p.pending.add(params)
	if err != nil {
		p.redirectError(w, params, oerrors.ErrTemporarilyUnavailable, err.Error())
		return
	}
	p.render(w, http.StatusOK, formView{Token: tok, Account: p.opts.Account, PasswordHint: p.opts.Password})
}

// submitForm handles the sign-in form: Cancel answers access_denied, a right password
// issues the code through the library and redirects with code and state.
func (p *Provider) submitForm(w http.ResponseWriter, r *http.Request) {
	if origin := r.Header.Get("Origin"); origin != "" && origin != p.URL() {
		p.errorPage(w, "The sign-in form was sent from another site.")
		return
	}
	if err := r.ParseForm(); err != nil {
		p.errorPage(w, "The sign-in form could not be read.")
		return
	}
	params, ok := p.pending.take(r.PostForm.Get("request"))
	if !ok {
		p.errorPage(w, "This sign-in form has expired or was already used. Start the sign-in again from the app.")
		return
	}
	if r.PostForm.Get("action") == "cancel" {
		p.log.Info("provider: sign-in cancelled")
		p.redirectError(w, params, oerrors.ErrAccessDenied, "the user cancelled the sign-in")
		return
	}
	account := strings.TrimSpace(r.PostForm.Get("account"))
	password := r.PostForm.Get("password")
	if !strings.EqualFold(account, p.opts.Account) ||
		subtle.ConstantTimeCompare([]byte(password), []byte(p.opts.Password)) != 1 {
		p.log.Info("provider: sign-in refused: wrong account or password", "account", account)
		tok, err := p.pending.add(params)
		if err != nil {
			p.redirectError(w, params, oerrors.ErrTemporarilyUnavailable, err.Error())
			return
		}
		p.render(w, http.StatusOK, formView{Token: tok, Account: account, PasswordHint: p.opts.Password,
			Error: "That account and password do not match."})
		return
	}
	req := withForm(r.WithContext(context.WithValue(r.Context(), userKey{}, p.opts.Account)), params)
	if err := p.srv.HandleAuthorizeRequest(w, req); err != nil {
		p.log.Error("provider: issuing the authorization code failed", "err", err)
		p.redirectError(w, params, oerrors.ErrServerError, "")
		return
	}
	p.log.Info("provider: signed in; code issued", "account", p.opts.Account)
}

// withForm returns a copy of r whose form values are params, which is where the library
// reads the authorization request from.
func withForm(r *http.Request, params url.Values) *http.Request {
	r2 := r.Clone(r.Context())
	r2.Form = params
	r2.PostForm = url.Values{}
	return r2
}

// redirectError sends an OAuth error, with the request's state, to its redirect_uri,
// which the caller has already checked. A non-empty description replaces the library's.
func (p *Provider) redirectError(w http.ResponseWriter, params url.Values, err error, description string) {
	data, _, _ := p.srv.GetErrorData(err)
	if description != "" {
		data["error_description"] = description
	}
	uri, uerr := p.srv.GetRedirectURI(&server.AuthorizeRequest{
		RedirectURI:  params.Get("redirect_uri"),
		State:        params.Get("state"),
		ResponseType: oauth2.Code,
	}, data)
	if uerr != nil {
		p.errorPage(w, "The application's address could not be used.")
		return
	}
	w.Header().Set("Location", uri)
	w.WriteHeader(http.StatusFound)
}

// errorPage shows a problem that cannot go back to the client.
func (p *Provider) errorPage(w http.ResponseWriter, msg string) {
	p.render(w, http.StatusBadRequest, formView{Error: msg})
}

func (p *Provider) render(w http.ResponseWriter, status int, v formView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := signinPage.Execute(w, v); err != nil {
		p.log.Error("provider: rendering the sign-in page failed", "err", err)
	}
}

func quote(s string) string {
	if s == "" {
		return "(none)"
	}
	return `"` + s + `"`
}
