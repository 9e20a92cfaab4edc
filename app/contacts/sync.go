package contacts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/emersion/go-webdav/carddav"

	"github.com/embeddable-tray/embeddable-tray/internal/redact"
	"github.com/embeddable-tray/embeddable-tray/internal/weborigin"
)

// multigetBatch bounds the hrefs of one addressbook-multiget REPORT.
const multigetBatch = 200

// wantedProps are the vCard properties we read; a server may send the whole card anyway.
var wantedProps = []string{"VERSION", "UID", "FN", "N", "TEL", "EMAIL", "ORG", "TITLE", "PHOTO"}

// errCleared: Clear ran while a sync was on the wire; its result is thrown away.
var errCleared = errors.New("contacts: signed out during the sync")

// sync brings the held state up to the server's: sync-collection from our token (or an
// ETag listing), then a multiget of what changed. One at a time; the network part runs
// without Book.mu so search and match keep answering from the previous state.
func (b *Book) sync(ctx context.Context) error {
	// A lookup waiting behind a long sync still answers within its own timeout.
	select {
	case b.syncMu <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("contacts: waiting for the sync under way: %w", ctx.Err())
	}
	defer func() { <-b.syncMu }()

	b.mu.RLock()
	gen, st := b.gen, b.st
	b.mu.RUnlock()

	var c conn
	held := map[string]*entry{}
	if st != nil {
		// Only commits (under syncMu, which we hold) change st's maps: safe to read.
		c, held = st.conn, st.byHref
	} else {
		var err error
		if c, err = b.discover(ctx); err != nil {
			return err
		}
	}

	l, err := b.list(ctx, &c)
	if err != nil {
		return err
	}
	var fetch, gone []string
	for href, etag := range l.changed {
		if e, ok := held[href]; ok && etag != "" && e.etag == etag {
			continue
		}
		fetch = append(fetch, href)
	}
	if l.full {
		for href := range held {
			if _, ok := l.changed[href]; !ok {
				gone = append(gone, href)
			}
		}
	} else {
		gone = l.deleted
	}
	slices.Sort(fetch)

	fetched := make([]*entry, 0, len(fetch))
	got := make(map[string]bool, len(fetch))
	for batch := range slices.Chunk(fetch, multigetBatch) {
		objs, err := c.dav.MultiGetAddressBook(ctx, c.book, &carddav.AddressBookMultiGet{
			Paths:       batch,
			DataRequest: carddav.AddressDataRequest{Props: wantedProps},
		})
		if err != nil {
			return fmt.Errorf("contacts: fetching %d cards from %s: %w", len(batch), c.book, err)
		}
		for _, o := range objs {
			fetched = append(fetched, toEntry(o.Path, o.ETag, o.Card, b.cfg.ServiceName, b.cfg.Region))
			got[o.Path] = true
		}
	}
	for _, href := range fetch {
		if !got[href] { // removed between the listing and the multiget
			gone = append(gone, href)
		}
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	if b.gen != gen {
		return errCleared
	}
	if b.st == nil {
		b.st = newState(c)
	}
	st = b.st
	var ids []string
	for _, href := range gone {
		if e, ok := st.byHref[href]; ok {
			st.remove(e)
			ids = append(ids, e.c.ID)
		}
	}
	for _, e := range fetched {
		if old, ok := st.byHref[e.href]; ok {
			st.remove(old)
			if old.c.ID != e.c.ID {
				ids = append(ids, old.c.ID)
			}
		}
		st.add(e)
		ids = append(ids, e.c.ID)
	}
	st.conn = c
	st.record(b.now().UnixMilli(), ids)
	b.synced = b.now()
	b.log.Debug("contacts synced", "book", c.book, "changed", len(fetched), "removed", len(gone), "held", len(st.byHref), "etags", c.useETags)
	return nil
}

// list asks the server what changed since c.token. It falls back to ETag listings for
// good when the very first sync-collection gets an HTTP error answer.
func (b *Book) list(ctx context.Context, c *conn) (*listing, error) {
	if !c.useETags {
		l, err := syncCollection(ctx, b.hc, c.base, c.book, c.token)
		if errors.Is(err, errInvalidSyncToken) && c.token != "" {
			b.log.Info("contacts: sync token expired on the server, listing the whole book")
			l, err = syncCollection(ctx, b.hc, c.base, c.book, "")
		}
		if err == nil {
			c.token = l.token
			return l, nil
		}
		var se *statusError
		if c.token != "" || !errors.As(err, &se) {
			return nil, err
		}
		b.log.Info("contacts: no sync-collection on the server, comparing ETags", "err", err)
		c.useETags = true
	}
	infos, err := c.dav.ReadDir(ctx, c.book, false)
	if err != nil {
		return nil, fmt.Errorf("contacts: listing %s: %w", c.book, err)
	}
	l := &listing{changed: make(map[string]string, len(infos)), full: true}
	for _, fi := range infos {
		if fi.IsDir || samePath(fi.Path, c.book) {
			continue
		}
		l.changed[fi.Path] = normalizeETag(fi.ETag)
	}
	return l, nil
}

// discover finds the address book from Config.URL (RFC 6764 well-known URI, RFC 5397
// current-user-principal, RFC 6352 addressbook-home-set). A server that answers none of
// that gets the URL's path taken as the address book itself.
func (b *Book) discover(ctx context.Context) (conn, error) {
	u, err := url.Parse(b.cfg.URL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return conn{}, fmt.Errorf("contacts: the address book URL %q is not an absolute URL", b.cfg.URL)
	}
	u.RawQuery, u.Fragment = "", ""
	if u.Path == "" || u.Path == "/" {
		if loc, err := b.wellKnown(ctx, u); err != nil {
			if errors.Is(err, ErrUnauthorized) {
				return conn{}, err
			}
			if errors.Is(err, ErrOtherOrigin) {
				b.log.Warn("contacts: not following /.well-known/carddav", "err", err)
			} else {
				b.log.Debug("contacts: no /.well-known/carddav", "err", err)
			}
		} else if loc != nil {
			u = loc
		}
	}
	dav, err := carddav.NewClient(b.hc, u.String())
	if err != nil {
		return conn{}, fmt.Errorf("contacts: %w", err)
	}
	c := conn{base: u, dav: dav, book: u.Path}
	found, err := b.findBook(ctx, dav, u.Path)
	switch {
	case errors.Is(err, ErrUnauthorized):
		return conn{}, err
	case err != nil:
		b.log.Debug("contacts: address book discovery failed, using the URL as the address book", "err", err)
	case found != "":
		c.book = found
	}
	if c.book == "" || c.book == "/" {
		return conn{}, fmt.Errorf("contacts: no address book found at %s", redact.URL(u.String()))
	}
	return c, nil
}

// findBook returns the address book at path if it is one of the user's, or the user's
// first address book when path is the server root, the principal or the home set.
func (b *Book) findBook(ctx context.Context, dav *carddav.Client, path string) (string, error) {
	principal, err := dav.FindCurrentUserPrincipal(ctx)
	if err != nil {
		return "", err
	}
	home, err := dav.FindAddressBookHomeSet(ctx, principal)
	if err != nil {
		return "", err
	}
	books, err := dav.FindAddressBooks(ctx, home)
	if err != nil {
		return "", err
	}
	for _, ab := range books {
		if samePath(ab.Path, path) {
			return ab.Path, nil
		}
	}
	if len(books) > 0 && (samePath(path, "") || samePath(path, principal) || samePath(path, home)) {
		return books[0].Path, nil
	}
	return "", nil
}

// wellKnown follows /.well-known/carddav by hand: Go's client would turn a redirected
// PROPFIND into a GET. It returns nil when the server does not redirect.
func (b *Book) wellKnown(ctx context.Context, u *url.URL) (*url.URL, error) {
	noRedirect := *b.hc.hc
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	wk := u.ResolveReference(&url.URL{Path: "/.well-known/carddav"})
	req, err := http.NewRequestWithContext(ctx, "PROPFIND", wk.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Depth", "0")
	resp, err := guardedClient{hc: &noRedirect}.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode/100 != 3 || loc == "" {
		return nil, nil
	}
	to, err := wk.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("contacts: bad well-known redirect %q: %w", redact.URL(loc), err)
	}
	if !weborigin.Same(to, u) {
		// The credentials stay with the configured origin (see NewClient).
		return nil, fmt.Errorf("%w: /.well-known/carddav points to %s; configure that address book URL instead", ErrOtherOrigin, weborigin.Of(to))
	}
	return to, nil
}
