package signin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// Refresh trades t's refresh token for a new token. A refusal by the provider
// (invalid_grant, or any 400/401 answer), or no refresh token at all, is ErrRefused: the
// user must sign in again. A network or server failure is ErrUnavailable: try later.
// When the provider sends no new refresh token, the old one is kept.
func (c *Client) Refresh(ctx context.Context, t *oauth2.Token) (*oauth2.Token, error) {
	if t == nil || t.RefreshToken == "" {
		return nil, &Error{Kind: Refused, Description: "there is no refresh token"}
	}
	ep, err := c.endpoints(ctx)
	if err != nil {
		return nil, err
	}
	// A token without an access token is never Valid, so this always asks the provider.
	src := c.oauth(ep, "").TokenSource(c.withClient(ctx), &oauth2.Token{RefreshToken: t.RefreshToken})
	nt, err := src.Token()
	if err != nil {
		kind := Unavailable
		if refused(err) {
			kind = Refused
		}
		return nil, tokenError(kind, "cannot reach the token endpoint", err, t.RefreshToken, t.AccessToken, c.cfg.ClientSecret)
	}
	c.log.Info("refreshed the access token", "expiry", nt.Expiry)
	return nt, nil
}

// refused reports whether the token endpoint said no, rather than failed.
func refused(err error) bool {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return false
	}
	if re.ErrorCode == "invalid_grant" {
		return true
	}
	return re.Response != nil && (re.Response.StatusCode == http.StatusBadRequest || re.Response.StatusCode == http.StatusUnauthorized)
}

// Revoke revokes t at the revocation endpoint (RFC 7009): the refresh token first (which
// usually ends the grant), then the access token. It returns nil when no RevokeURL is
// configured or discovered. Errors name the token kind and the answer, never the token.
func (c *Client) Revoke(ctx context.Context, t *oauth2.Token) error {
	if t == nil {
		return nil
	}
	ep, err := c.endpoints(ctx)
	if err != nil {
		return err
	}
	if ep.revoke == "" {
		return nil
	}
	secrets := []string{t.RefreshToken, t.AccessToken, c.cfg.ClientSecret}
	var failed []string
	var errs []error
	for _, r := range []struct{ token, hint string }{{t.RefreshToken, "refresh_token"}, {t.AccessToken, "access_token"}} {
		if r.token == "" {
			continue
		}
		if err := c.revoke(ctx, ep.revoke, r.token, r.hint, secrets); err != nil {
			failed = append(failed, err.Error())
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		// One line for the log; the causes stay reachable for errors.Is/As.
		return &revokeError{msg: "signin: revocation failed: " + strings.Join(failed, "; "), errs: errs}
	}
	c.log.Info("revoked the token")
	return nil
}

// revoke posts one RFC 7009 revocation request. The client authenticates like at the
// token endpoint: HTTP Basic with a secret (RFC 6749 §2.3.1), else client_id in the body.
func (c *Client) revoke(ctx context.Context, endpoint, token, hint string, secrets []string) error {
	form := url.Values{"token": {token}, "token_type_hint": {hint}}
	if c.cfg.ClientSecret == "" {
		form.Set("client_id", c.cfg.ClientID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("cannot revoke the %s: %w", hint, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if c.cfg.ClientSecret != "" {
		req.SetBasicAuth(url.QueryEscape(c.cfg.ClientID), url.QueryEscape(c.cfg.ClientSecret))
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the revocation endpoint to revoke the %s: %w", hint, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if resp.StatusCode == http.StatusOK { // RFC 7009 §2.2: also for tokens already invalid
		return nil
	}
	return fmt.Errorf("the revocation endpoint answered %s for the %s: %s",
		resp.Status, hint, oneLine(redact(string(body), secrets)))
}

// revokeError is Revoke's error: one line, every cause kept.
type revokeError struct {
	msg  string
	errs []error
}

func (e *revokeError) Error() string   { return e.msg }
func (e *revokeError) Unwrap() []error { return e.errs }
