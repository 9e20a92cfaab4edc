package signin

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"golang.org/x/oauth2"
)

// claims are the JSON members of an ID token payload or a userinfo answer.
type claims map[string]any

// accountKeys are the claims that can name the account, best first.
var accountKeys = []string{"email", "preferred_username", "sub"}

// pickAccount returns the first non-empty account claim: each key of accountKeys in
// turn, looked up in each source in turn (the ID token before userinfo).
func pickAccount(sources ...claims) string {
	for _, k := range accountKeys {
		for _, s := range sources {
			if v, ok := s[k].(string); ok && strings.TrimSpace(v) != "" {
				return oneLine(strings.TrimSpace(v))
			}
		}
	}
	return ""
}

// idTokenClaims reads the payload of the token response's "id_token", if any.
//
// The signature is not verified: the ID token came straight from the token endpoint in
// the response to our own code exchange (over TLS, or loopback for a local provider),
// which OpenID Connect Core 1.0 §3.1.3.7 point 6 allows to stand in for signature
// validation. The claims name the account for display only; they grant nothing.
// An ID token for another audience is ignored all the same.
func idTokenClaims(tok *oauth2.Token, clientID string) (claims, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, nil
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, errors.New("the ID token is not a JWS compact serialization")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, fmt.Errorf("the ID token's payload is not base64url: %w", err)
	}
	var c claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, fmt.Errorf("the ID token's payload is not JSON: %w", err)
	}
	if !audienceHas(c["aud"], clientID) {
		return nil, fmt.Errorf("the ID token is for another client (aud %v)", c["aud"])
	}
	return c, nil
}

// audienceHas reports whether the "aud" claim (a string or an array) names clientID.
// A missing aud is tolerated: the token came from our own exchange.
func audienceHas(aud any, clientID string) bool {
	switch a := aud.(type) {
	case nil:
		return true
	case string:
		return a == clientID
	case []any:
		for _, v := range a {
			if s, ok := v.(string); ok && s == clientID {
				return true
			}
		}
	}
	return false
}

// account finds the account: the ID token's email, else userinfo's email, then
// preferred_username, then sub. Userinfo is asked only when the ID token has no email.
func (c *Client) account(ctx context.Context, ep endpoints, tok *oauth2.Token) (string, error) {
	id, err := idTokenClaims(tok, c.cfg.ClientID)
	if err != nil {
		c.log.Warn("ignoring the ID token for the account name", "err", err)
		id = nil
	}
	if email, ok := id["email"].(string); ok && strings.TrimSpace(email) != "" {
		return pickAccount(id), nil
	}
	var info claims
	var infoErr error
	if ep.userinfo != "" {
		if info, infoErr = c.userinfo(ctx, ep.userinfo, tok); infoErr != nil {
			c.log.Warn("cannot read userinfo for the account name", "err", infoErr)
		}
	}
	if a := pickAccount(id, info); a != "" {
		return a, nil
	}
	return "", &Error{Kind: Exchange, Description: "the provider named no account (no email, preferred_username or sub in the ID token or userinfo)", Err: infoErr}
}

// userinfo asks the OpenID userinfo endpoint with the access token.
func (c *Client) userinfo(ctx context.Context, endpoint string, tok *oauth2.Token) (claims, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	tok.SetAuthHeader(req)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, &Error{Kind: Unavailable, Description: "cannot reach the userinfo endpoint", Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
		return nil, fmt.Errorf("the userinfo endpoint answered %s", resp.Status)
	}
	var info claims
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(&info); err != nil {
		return nil, fmt.Errorf("the userinfo answer is not JSON: %w", err)
	}
	return info, nil
}
