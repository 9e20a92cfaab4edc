package apppassword

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/embeddable-tray/embeddable-tray/internal/loopback"
	"github.com/embeddable-tray/embeddable-tray/internal/weborigin"
)

// Transport sets HTTP Basic auth on every request to Server, with User and the password
// from Source. On a 401 it forgets the password (the next request asks again) and returns
// the response as is: app/contacts maps the 401 to contacts.ErrUnauthorized.
//
// The password goes only where it belongs: to Server's origin (scheme, host and port;
// not a subdomain, not another port), and only over https, or plain http to a loopback
// address. Other requests pass through without it (app/contacts refuses them before).
type Transport struct {
	Base   http.RoundTripper // nil means http.DefaultTransport
	User   func() string     // the account; "" means nobody is signed in
	Source *Source
	// Server is the address book URL (or its server's); its host is where the password may go.
	Server string
}

// ErrNoUser means there is no account to send the password for (signed out, or the
// sign-in found no account name and service.contacts.username is unset).
var ErrNoUser = errors.New("apppassword: no account name for the address book: set service.contacts.username")

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.ours(req.URL) {
		return t.base().RoundTrip(req)
	}
	fail := func(err error) (*http.Response, error) {
		if req.Body != nil { // a RoundTripper closes the body, even on error
			req.Body.Close()
		}
		return nil, err
	}
	if !loopback.Secure(req.URL) {
		return fail(fmt.Errorf("apppassword: refusing to send the app password to %s over plain http; use https", req.URL.Host))
	}
	user := ""
	if t.User != nil {
		user = t.User()
	}
	if user == "" {
		return fail(ErrNoUser)
	}
	pw, err := t.Source.Password(req.Context())
	if err != nil {
		return fail(fmt.Errorf("apppassword: no app password for %s: %w", req.URL.Host, err))
	}
	r2 := req.Clone(req.Context()) // a RoundTripper must not change the caller's request
	r2.SetBasicAuth(user, pw)
	resp, err := t.base().RoundTrip(r2)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized {
		if ferr := t.Source.forgetRefused(pw); ferr != nil {
			t.Source.logger().Warn("cannot delete the refused app password from the keyring", "err", ferr)
		}
	}
	return resp, nil
}

func (t *Transport) base() http.RoundTripper {
	if t.Base == nil {
		return http.DefaultTransport
	}
	return t.Base
}

// ours says whether u is on Server's origin.
func (t *Transport) ours(u *url.URL) bool {
	srv, err := url.Parse(t.Server)
	return err == nil && weborigin.Same(u, srv)
}
