package contacts

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// listing is what the server says changed: href -> ETag for new or changed objects, and the
// hrefs that are gone. full means "this is every object" (a first sync or an ETag listing),
// so anything we hold and it lacks is gone too.
type listing struct {
	token   string
	changed map[string]string
	deleted []string
	full    bool
}

// syncCollection runs an RFC 6578 sync-collection REPORT asking for ETags only.
// go-webdav's carddav.Client.SyncCollection always asks for address-data as well, which
// would send the whole book on a first sync and then again in the multiget; this asks for
// just getetag and lets the multiget fetch the cards that changed.
func syncCollection(ctx context.Context, hc guardedClient, base *url.URL, book, token string) (*listing, error) {
	var body bytes.Buffer
	body.WriteString(xml.Header)
	body.WriteString(`<d:sync-collection xmlns:d="DAV:"><d:sync-token>`)
	if err := xml.EscapeText(&body, []byte(token)); err != nil {
		return nil, err
	}
	body.WriteString(`</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`)

	u := base.ResolveReference(&url.URL{Path: book})
	req, err := http.NewRequestWithContext(ctx, "REPORT", u.String(), &body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", `application/xml; charset="utf-8"`)
	req.Header.Set("Depth", "1")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusMultiStatus {
		return nil, &statusError{op: "sync-collection on " + book, status: resp.Status, code: resp.StatusCode}
	}
	var ms struct {
		Responses []struct {
			Href     string `xml:"DAV: href"`
			Status   string `xml:"DAV: status"`
			Propstat []struct {
				Status string `xml:"DAV: status"`
				ETag   string `xml:"DAV: prop>getetag"`
			} `xml:"DAV: propstat"`
		} `xml:"DAV: response"`
		SyncToken string `xml:"DAV: sync-token"`
	}
	if err := xml.NewDecoder(resp.Body).Decode(&ms); err != nil {
		return nil, fmt.Errorf("contacts: sync-collection on %s: %w", book, err)
	}
	l := &listing{token: strings.TrimSpace(ms.SyncToken), changed: map[string]string{}, full: token == ""}
	for _, r := range ms.Responses {
		p, err := hrefPath(r.Href)
		if err != nil {
			return nil, err
		}
		if samePath(p, book) {
			continue
		}
		if strings.Contains(r.Status, " 404") {
			l.deleted = append(l.deleted, p)
			continue
		}
		for _, ps := range r.Propstat {
			if strings.Contains(ps.Status, " 200") {
				l.changed[p] = normalizeETag(ps.ETag)
			}
		}
	}
	return l, nil
}

// hrefPath decodes an href the way go-webdav does, so our keys equal its AddressObject.Path.
func hrefPath(href string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return "", fmt.Errorf("contacts: bad href %q: %w", href, err)
	}
	return u.Path, nil
}

func samePath(a, b string) bool {
	return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/")
}

// statusError is an answer the server gave that we did not expect (a server without
// sync-collection answers 400, 403, 405, 501...): the request reached a server, unlike a
// network error, so it is worth falling back to ETags.
type statusError struct {
	op, status string
	code       int
}

func (e *statusError) Error() string { return fmt.Sprintf("contacts: %s: %s", e.op, e.status) }
