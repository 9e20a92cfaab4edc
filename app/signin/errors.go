package signin

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// Kind says how a sign-in (or a refresh) ended without a token.
type Kind int

const (
	// Cancelled: the user closed the sign-in window, or the caller's context ended.
	Cancelled Kind = iota + 1
	// Denied: the provider answered the callback with an error (access_denied ...).
	Denied
	// StateMismatch: the callback's state is not this flow's. RFC 8252 §8.9 / RFC 6749
	// §10.12: such a request may be an attacker's, so the flow ends instead of waiting on.
	StateMismatch
	// Timeout: no callback within Config.Timeout.
	Timeout
	// Exchange: the token endpoint did not give a token for the code (a wrong PKCE
	// verifier, an expired code ...), or gave no account.
	Exchange
	// Discovery: the OpenID configuration of Config.Issuer could not be read.
	Discovery
	// Refused: the provider refused a refresh; the user must sign in again.
	Refused
	// Unavailable: the provider could not be reached or failed (network, 5xx) during a
	// refresh or userinfo call; trying again later may work, the sign-in still stands.
	Unavailable
)

func (k Kind) String() string {
	switch k {
	case Cancelled:
		return "cancelled"
	case Denied:
		return "denied"
	case StateMismatch:
		return "state mismatch"
	case Timeout:
		return "timeout"
	case Exchange:
		return "exchange"
	case Discovery:
		return "discovery"
	case Refused:
		return "refused"
	case Unavailable:
		return "unavailable"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// sentence is the start of Error() for each kind, written for the user.
func (k Kind) sentence() string {
	switch k {
	case Cancelled:
		return "Sign-in was cancelled"
	case Denied:
		return "Sign-in was refused by the provider"
	case StateMismatch:
		return "Sign-in was stopped: the answer did not belong to this sign-in (state mismatch), so it was rejected"
	case Timeout:
		return "Sign-in timed out"
	case Exchange:
		return "Sign-in failed: the provider did not give a token"
	case Discovery:
		return "Sign-in is not possible: the provider's OpenID configuration could not be read"
	case Refused:
		return "The provider no longer accepts the sign-in; sign in again"
	case Unavailable:
		return "The provider could not be reached; try again later"
	}
	return "Sign-in failed"
}

// Error is every error of this package that the user should hear about. Code,
// Description and URI are RFC 6749's error, error_description and error_uri when the
// provider sent them. Error() never contains a token, code, verifier or secret.
type Error struct {
	Kind Kind
	// Code is RFC 6749's "error" (access_denied, invalid_grant ...), when known.
	Code string
	// Description is the provider's error_description, or our own detail.
	Description string
	// URI is RFC 6749's "error_uri", when the provider sent one.
	URI string
	// Err is the underlying error (an *oauth2.RetrieveError, a network error ...).
	Err error
}

// Sentinels for errors.Is: errors.Is(err, signin.ErrCancelled) is true for every
// *Error of kind Cancelled.
var (
	ErrCancelled     = &Error{Kind: Cancelled}
	ErrDenied        = &Error{Kind: Denied}
	ErrStateMismatch = &Error{Kind: StateMismatch}
	ErrTimeout       = &Error{Kind: Timeout}
	ErrExchange      = &Error{Kind: Exchange}
	ErrDiscovery     = &Error{Kind: Discovery}
	ErrRefused       = &Error{Kind: Refused}
	ErrUnavailable   = &Error{Kind: Unavailable}
)

// Error is one line for the user, e.g. "Sign-in was cancelled: the sign-in window was closed."
func (e *Error) Error() string {
	var detail []string
	if e.Code != "" {
		d := e.Code
		if e.Description != "" {
			d += " (" + e.Description + ")"
		}
		detail = append(detail, d)
	} else if e.Description != "" {
		detail = append(detail, e.Description)
	}
	if e.URI != "" {
		detail = append(detail, "see "+e.URI)
	}
	s := e.Kind.sentence()
	if len(detail) > 0 {
		s += ": " + strings.Join(detail, "; ")
	}
	return oneLine(strings.TrimSuffix(s, ".") + ".")
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches a sentinel of the same Kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Code == "" && t.Description == "" && t.Err == nil
}

// maxText bounds text that came from the provider before it reaches the user or a log.
const maxText = 300

// oneLine keeps provider text on one printable line of bounded length.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > maxText {
		s = strings.ToValidUTF8(s[:maxText], "") + "…"
	}
	return s
}

// providerError builds an *Error from the RFC 6749 fields of a callback query.
func providerError(kind Kind, q url.Values) *Error {
	return &Error{Kind: kind, Code: oneLine(q.Get("error")), Description: oneLine(q.Get("error_description")), URI: oneLine(q.Get("error_uri"))}
}

// tokenError turns an error of the token endpoint into an *Error of kind, keeping the
// RFC 6749 fields of an *oauth2.RetrieveError. Secrets the request carried (code,
// verifier, refresh token) are cut out of the provider's text: some providers echo them.
func tokenError(kind Kind, what string, err error, secrets ...string) *Error {
	e := &Error{Kind: kind, Err: err}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		e.Code = oneLine(redact(re.ErrorCode, secrets))
		e.Description = oneLine(redact(re.ErrorDescription, secrets))
		e.URI = oneLine(redact(re.ErrorURI, secrets))
		if e.Code == "" && re.Response != nil {
			e.Description = fmt.Sprintf("the token endpoint answered %s", re.Response.Status)
		}
		return e
	}
	e.Description = oneLine(redact(fmt.Sprintf("%s: %v", what, err), secrets))
	return e
}

// redact replaces each non-empty secret in s.
func redact(s string, secrets []string) string {
	for _, v := range secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return s
}
