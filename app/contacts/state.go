package contacts

import (
	"cmp"
	"net/url"
	"slices"
	"strings"

	"github.com/emersion/go-webdav/carddav"
)

// conn is how we reach the address book, found once by discovery.
type conn struct {
	base     *url.URL
	dav      *carddav.Client
	book     string // the address book's path
	useETags bool   // the server has no sync-collection: compare ETag listings instead
	token    string // the sync token of what we hold
}

// version is one sync that changed something: the ids it touched and the syncTimestamp the
// widget got for the state after it.
type version struct {
	ts  int64
	ids []string
}

// maxVersions bounds the change log. A widget whose syncTimestamp fell off it gets a full
// list (and no syncTimestamp, so it replaces rather than merges).
const maxVersions = 64

// state is everything held about the address book. Its maps are changed only by a sync's
// commit, under both Book.syncMu and Book.mu; readers hold Book.mu.
type state struct {
	conn     conn
	byHref   map[string]*entry
	byID     map[string]*entry
	byNumber map[string][]*entry // E.164 -> entries: caller match is one lookup
	byExt    map[string][]*entry // extension number ("101") -> entries
	versions []version           // oldest first
}

func newState(c conn) *state {
	return &state{conn: c, byHref: map[string]*entry{}, byID: map[string]*entry{}, byNumber: map[string][]*entry{}, byExt: map[string][]*entry{}}
}

func (s *state) add(e *entry) {
	s.byHref[e.href] = e
	s.byID[e.c.ID] = e
	for _, n := range e.e164 {
		s.byNumber[n] = append(s.byNumber[n], e)
	}
	for _, x := range e.exts {
		s.byExt[x] = append(s.byExt[x], e)
	}
}

func (s *state) remove(e *entry) {
	delete(s.byHref, e.href)
	if s.byID[e.c.ID] == e {
		delete(s.byID, e.c.ID)
	}
	unindex(s.byNumber, e.e164, e)
	unindex(s.byExt, e.exts, e)
}

func unindex(index map[string][]*entry, keys []string, e *entry) {
	for _, k := range keys {
		l := slices.DeleteFunc(index[k], func(x *entry) bool { return x == e })
		if len(l) == 0 {
			delete(index, k)
		} else {
			index[k] = l
		}
	}
}

func (s *state) latest() int64 {
	return s.versions[len(s.versions)-1].ts
}

// record appends a version for the ids a sync touched; ts is made strictly increasing so
// every version has its own syncTimestamp.
func (s *state) record(ts int64, ids []string) {
	if len(s.versions) > 0 && len(ids) == 0 {
		return
	}
	if len(s.versions) > 0 && ts <= s.latest() {
		ts = s.latest() + 1
	}
	s.versions = append(s.versions, version{ts: ts, ids: ids})
	if len(s.versions) > maxVersions {
		s.versions = slices.Delete(s.versions, 0, len(s.versions)-maxVersions)
	}
}

// answer is the whole /contacts answer for a widget that holds the state of syncTimestamp
// from (hasFrom false: it holds nothing), frozen so that its pages agree.
type answer struct {
	from    int64
	hasFrom bool
	ts      *int64
	items   []Contact
}

func (s *state) answer(from int64, hasFrom bool, service string) *answer {
	ts := s.latest()
	a := &answer{from: from, hasFrom: hasFrom, ts: &ts}
	since := -1
	if hasFrom {
		since = slices.IndexFunc(s.versions, func(v version) bool { return v.ts == from })
		if since < 0 {
			a.ts = nil // unknown to us: send everything and make the widget replace its list
		}
	}
	if since < 0 {
		a.items = make([]Contact, 0, len(s.byHref))
		for _, e := range s.byHref {
			a.items = append(a.items, e.c)
		}
		sortContacts(a.items)
		return a
	}
	seen := map[string]bool{}
	a.items = []Contact{}
	for _, v := range s.versions[since+1:] {
		for _, id := range v.ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			if e, ok := s.byID[id]; ok {
				a.items = append(a.items, e.c)
			} else {
				a.items = append(a.items, Contact{ID: id, Type: service, PhoneNumbers: []Phone{}, Emails: []string{}, Deleted: true})
			}
		}
	}
	sortContacts(a.items)
	return a
}

func (a *answer) page(page, size int) *ContactsResponse {
	start := min((page-1)*size, len(a.items))
	end := min(start+size, len(a.items))
	r := &ContactsResponse{Data: a.items[start:end], SyncTimestamp: a.ts}
	if end < len(a.items) {
		next := page + 1
		r.NextPage = &next
	}
	return r
}

// search answers in the shape the widget keeps. The widget re-filters a search answer
// (src/lib/searchContactPhoneNumbers.js; PROTOCOL.md, Contacts): it keeps a phone entry
// only if the lower-cased name contains the lower-cased query, or the entry's phoneNumber
// contains it verbatim, and it drops contacts without phone entries. So a contact is
// returned only for such a hit: on its name with all its numbers, or on its numbers with
// only the numbers that hit, each written in a form (E.164, as on the card, national,
// international) that contains the query. A hit on e-mail or company alone is not claimed:
// the widget would drop it. The query is not trimmed, as the widget does not trim it.
func (s *state) search(query string, limit int) []Contact {
	out := []Contact{}
	if strings.TrimSpace(query) == "" {
		return out
	}
	q := strings.ToLower(query)
	for _, e := range s.byHref {
		if len(e.c.PhoneNumbers) == 0 {
			continue
		}
		if strings.Contains(e.name, q) {
			out = append(out, e.c)
			continue
		}
		var phones []Phone
		for i, p := range e.c.PhoneNumbers {
			for _, form := range e.forms[i] {
				if strings.Contains(form, q) {
					phones = append(phones, Phone{PhoneNumber: form, PhoneType: p.PhoneType})
					break
				}
			}
		}
		if len(phones) > 0 {
			c := e.c
			c.PhoneNumbers = phones
			out = append(out, c)
		}
	}
	sortContacts(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// sortContacts orders by name, then id: pages must be stable.
func sortContacts(l []Contact) {
	slices.SortFunc(l, func(a, b Contact) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
	})
}
