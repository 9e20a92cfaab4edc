package contacts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Book is the widget's view of one CardDAV address book. Its handlers are safe for
// concurrent use; a sync runs one at a time while lookups answer from the last state.
type Book struct {
	cfg Config
	hc  guardedClient
	log *slog.Logger
	now func() time.Time // test seam

	syncMu chan struct{} // one sync with the server at a time (full: a sync is under way)

	mu     sync.RWMutex
	gen    uint64    // bumped by Clear: a sync begun before it must not bring data back
	st     *state    // nil before the first sync and after Clear
	paged  *answer   // the /contacts answer being paged through
	synced time.Time // last successful sync
}

// New returns a Book that reaches cfg.URL through httpClient, which carries the auth
// (NewClient with a Bearer over the app's Token, or app/apppassword's Basic auth).
// Nothing is fetched until the widget asks.
func New(cfg Config, httpClient *http.Client, logger *slog.Logger) *Book {
	if cfg.PageSize <= 0 {
		cfg.PageSize = 100
	}
	if cfg.Region == "" {
		cfg.Region = "US"
	}
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Book{cfg: cfg, hc: guardedClient{hc: httpClient}, log: logger, now: time.Now, syncMu: make(chan struct{}, 1)}
}

// Clear drops everything held about the address book (sign-out). Nothing is ever written
// to disk, so nothing else remains. A sync on the wire is thrown away when it returns.
func (b *Book) Clear() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.gen++
	b.st, b.paged, b.synced = nil, nil, time.Time{}
}

// HandleContacts answers contactsPath: body {page, syncTimestamp}. Page 1 syncs with the
// server; later pages come from the answer frozen at page 1, so pages never disagree.
func (b *Book) HandleContacts(ctx context.Context, body json.RawMessage) (any, error) {
	req, err := decodeContactsRequest(body)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, contactsTimeout)
	defer cancel()
	if req.page > 1 {
		if p, ok := b.pageOfLastAnswer(req); ok {
			return p, nil
		}
		// The first page's answer is gone (Clear, or another page 1 since): build it again.
	}
	if err := b.sync(ctx); err != nil {
		return nil, b.failed(err)
	}
	return b.answerFromHeld(req)
}

// HeldContacts answers a /contacts request from what the book holds, without asking the
// server: after a failed sync the widget keeps its list only if it gets an array (an
// {error} empties it, PROTOCOL.md, Contacts), and the book's last good sync is what it
// shows. ok is false when the book holds nothing (never synced, or cleared).
func (b *Book) HeldContacts(body json.RawMessage) (any, bool) {
	req, err := decodeContactsRequest(body)
	if err != nil {
		return nil, false
	}
	if req.page > 1 {
		if p, ok := b.pageOfLastAnswer(req); ok {
			return p, true
		}
	}
	v, err := b.answerFromHeld(req)
	return v, err == nil
}

// contactsRequest is a /contacts body: {page, syncTimestamp}.
type contactsRequest struct {
	page    int64
	from    int64
	hasFrom bool
}

func decodeContactsRequest(body json.RawMessage) (contactsRequest, error) {
	var raw struct {
		Page          json.RawMessage `json:"page"`
		SyncTimestamp json.RawMessage `json:"syncTimestamp"`
	}
	if err := decodeBody(body, &raw); err != nil {
		return contactsRequest{}, err
	}
	page, ok := intOf(raw.Page)
	if !ok || page < 1 {
		page = 1
	}
	from, hasFrom := intOf(raw.SyncTimestamp)
	return contactsRequest{page: page, from: from, hasFrom: hasFrom}, nil
}

// pageOfLastAnswer serves page 2+ of the answer built for page 1 of the same sync.
func (b *Book) pageOfLastAnswer(req contactsRequest) (any, bool) {
	b.mu.RLock()
	a := b.paged
	b.mu.RUnlock()
	if a == nil || a.hasFrom != req.hasFrom || a.from != req.from {
		return nil, false
	}
	return a.page(int(req.page), b.cfg.PageSize), true
}

// answerFromHeld builds the answer to req from the book's state and keeps it for the
// following pages.
func (b *Book) answerFromHeld(req contactsRequest) (any, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.st == nil {
		return nil, errCleared
	}
	b.paged = b.st.answer(req.from, req.hasFrom, b.cfg.ServiceName)
	return b.paged.page(int(req.page), b.cfg.PageSize), nil
}

// HandleSearch answers contactSearchPath: body {searchString}; at most PageSize contacts.
func (b *Book) HandleSearch(ctx context.Context, body json.RawMessage) (any, error) {
	var req struct {
		SearchString string `json:"searchString"`
	}
	if err := decodeBody(body, &req); err != nil {
		return nil, err
	}
	return b.lookup(ctx, func(st *state) any {
		return &SearchResponse{Data: st.search(req.SearchString, b.cfg.PageSize)}
	})
}

// HandleMatch answers contactMatchPath: body {phoneNumbers}. The widget asks for E.164
// numbers and extension numbers such as "101" in one batch (PROTOCOL.md, Contacts: match):
// a valid number is looked up by its E.164 form, an extension among the contacts'
// extension numbers; anything else is no match, never an error for the batch.
func (b *Book) HandleMatch(ctx context.Context, body json.RawMessage) (any, error) {
	var req struct {
		PhoneNumbers []json.RawMessage `json:"phoneNumbers"`
	}
	if err := decodeBody(body, &req); err != nil {
		return nil, err
	}
	numbers := make([]string, 0, len(req.PhoneNumbers))
	for _, raw := range req.PhoneNumbers {
		if n, ok := numberAsked(raw); ok {
			numbers = append(numbers, n)
		}
	}
	return b.lookup(ctx, func(st *state) any {
		return &MatchResponse{Data: st.match(numbers, b.cfg.Region)}
	})
}

// numberAsked is one element of phoneNumbers as the widget will look it up in the answer:
// a string as is, a JSON number as its digits (a JavaScript object key); nothing else.
func numberAsked(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	var s string
	if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	var n json.Number
	if len(raw) > 0 && raw[0] != 'n' && json.Unmarshal(raw, &n) == nil {
		return n.String(), true
	}
	return "", false
}

// lookup answers a search or match from the index: it syncs first when the index is
// missing or stale (within lookupTimeout), then runs answer on the state under the read
// lock, so a Clear meanwhile yields errCleared and never an answer from dropped data.
func (b *Book) lookup(ctx context.Context, answer func(*state) any) (any, error) {
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	if err := b.fresh(ctx); err != nil {
		return nil, err
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.st == nil {
		return nil, errCleared
	}
	return answer(b.st), nil
}

func (s *state) match(numbers []string, region string) map[string][]Contact {
	out := make(map[string][]Contact, len(numbers))
	for _, n := range numbers {
		found := []Contact{}
		var hits []*entry
		if e164, ok := NormalizeNumber(n, region); ok {
			hits = s.byNumber[e164]
		} else if x, ok := extensionOf(n); ok {
			hits = s.byExt[x]
		}
		for _, e := range hits {
			found = append(found, e.c)
		}
		out[n] = found
	}
	return out
}

// HeldName is the name of the first contact the book holds for number, "" when none or
// when the book holds nothing. It never syncs: a notification must not wait for the server.
func (b *Book) HeldName(number string) string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.st == nil {
		return ""
	}
	for _, c := range b.st.match([]string{number}, b.cfg.Region)[number] {
		return c.Name
	}
	return ""
}

// HandleViewMatchedContact answers viewMatchedContactPath (the user opened a matched
// contact). There is no CRM page to open for a CardDAV card, so it only acknowledges.
func (b *Book) HandleViewMatchedContact(ctx context.Context, body json.RawMessage) (any, error) {
	var req struct {
		ID string `json:"id"`
	}
	if err := decodeBody(body, &req); err != nil {
		return nil, err
	}
	b.log.Debug("contacts: matched contact viewed", "id", req.ID)
	return &AckResponse{Data: "ok"}, nil
}

// fresh syncs before a lookup when nothing is held yet or the last sync is stale. With stale
// data and a failing server it answers from memory, except when signed out.
func (b *Book) fresh(ctx context.Context) error {
	b.mu.RLock()
	have, synced := b.st != nil, b.synced
	b.mu.RUnlock()
	if have && b.now().Sub(synced) < staleAfter {
		return nil
	}
	err := b.sync(ctx)
	if err == nil || errors.Is(err, errCleared) {
		return err
	}
	if err = b.failed(err); errors.Is(err, ErrUnauthorized) || !have {
		return err
	}
	b.log.Warn("contacts: refresh failed, answering from the last sync", "err", err)
	return nil
}

// failed drops everything on ErrUnauthorized: no contact is served without valid auth.
func (b *Book) failed(err error) error {
	if errors.Is(err, ErrUnauthorized) {
		b.log.Warn("contacts: the address book server refused our credentials", "err", err)
		b.Clear()
	}
	return err
}

func decodeBody(body json.RawMessage, v any) error {
	if len(bytes.TrimSpace(body)) == 0 || string(bytes.TrimSpace(body)) == "null" {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("contacts: bad request body: %w", err)
	}
	return nil
}

// intOf reads a JSON number or numeric string (the docs show page="${nextPage}").
func intOf(raw json.RawMessage) (int64, bool) {
	s := string(bytes.Trim(bytes.TrimSpace(raw), `"`))
	if s == "" || s == "null" {
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return int64(f), true
}
