package contacts

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"

	"golang.org/x/oauth2"

	"github.com/embeddable-tray/embeddable-tray/internal/redact"
)

// errInvalidSyncToken: the server no longer knows our sync token (RFC 6578 3.2, DAV:
// valid-sync-token precondition, sent with 403 or 409). A full listing follows.
var errInvalidSyncToken = errors.New("contacts: the server rejected the sync token")

// guardedClient sits between go-webdav and the caller's *http.Client. go-webdav wraps HTTP
// errors in an internal type nobody outside can inspect, so the statuses that matter are
// turned into our errors here, before go-webdav sees them: 401/403 become ErrUnauthorized,
// except a 403/409 that only says our sync token is stale.
type guardedClient struct {
	hc *http.Client
}

// maxErrorBody bounds what is read of an error answer to look for DAV:valid-sync-token.
const maxErrorBody = 64 << 10

func (g guardedClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := g.hc.Do(req)
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode/100 == 4 {
			// The refresh token was refused (invalid_grant and the like): signed out.
			return nil, fmt.Errorf("%w: token refresh: %v", ErrUnauthorized, re.ErrorCode)
		}
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		resp.Body.Close()
		return nil, statusErr(req, resp, ErrUnauthorized)
	case http.StatusForbidden, http.StatusConflict:
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		if bytes.Contains(body, []byte("valid-sync-token")) {
			return nil, statusErr(req, resp, errInvalidSyncToken)
		}
		if resp.StatusCode == http.StatusForbidden {
			return nil, statusErr(req, resp, ErrUnauthorized)
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	return resp, nil
}

// statusErr names the request without its query or user info: no secret reaches a log.
func statusErr(req *http.Request, resp *http.Response, kind error) error {
	return fmt.Errorf("%w: %s %s answered %s", kind, req.Method, redact.URL(req.URL.String()), resp.Status)
}
