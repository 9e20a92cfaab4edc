package provider

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"path"
	"time"

	"github.com/emersion/go-vcard"
	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/carddav"
)

// The CardDAV layout, in the depths go-webdav's carddav.Handler expects below its prefix:
// principal, address-book home set, address book, address object.
const (
	davPrefix    = "/carddav"
	davPrincipal = davPrefix + "/me/"
	davHome      = davPrincipal + "contacts/"
	davBook      = davHome + "demo-crm/"
	realm        = "Demo CRM"
)

var errReadOnly = webdav.NewHTTPError(http.StatusForbidden, errors.New("the demo address book is read-only"))

// addressBook is a read-only carddav.Backend over the sample contacts. All of it is built
// once at start, so every request sees the same ETags.
type addressBook struct {
	book    carddav.AddressBook
	objects []carddav.AddressObject
	byPath  map[string]*carddav.AddressObject
}

func newAddressBook(modTime time.Time) (*addressBook, error) {
	b := &addressBook{
		book: carddav.AddressBook{
			Path:        davBook,
			Name:        realm,
			Description: "Sample contacts of the built-in demo provider",
			SupportedAddressData: []carddav.AddressDataType{
				{ContentType: vcard.MIMEType, Version: "3.0"},
			},
		},
		byPath: map[string]*carddav.AddressObject{},
	}
	for i, s := range samples {
		card := s.card(i)
		var buf bytes.Buffer
		if err := vcard.NewEncoder(&buf).Encode(card); err != nil {
			return nil, fmt.Errorf("provider: encoding sample contact %d: %w", i, err)
		}
		sum := sha256.Sum256(buf.Bytes())
		b.objects = append(b.objects, carddav.AddressObject{
			Path:          davBook + s.uid(i) + ".vcf",
			ModTime:       modTime,
			ContentLength: int64(buf.Len()),
			ETag:          hex.EncodeToString(sum[:16]),
			Card:          card,
		})
	}
	for i := range b.objects {
		b.byPath[b.objects[i].Path] = &b.objects[i]
	}
	return b, nil
}

var _ carddav.Backend = (*addressBook)(nil)

func samePath(a, b string) bool { return path.Clean(a) == path.Clean(b) }

func notFound(p string) error {
	return webdav.NewHTTPError(http.StatusNotFound, fmt.Errorf("%s: no such address book or contact", p))
}

// CurrentUserPrincipal is the same for every token: the demo has one account.
func (b *addressBook) CurrentUserPrincipal(context.Context) (string, error) { return davPrincipal, nil }

// AddressBookHomeSetPath is where the one address book lives.
func (b *addressBook) AddressBookHomeSetPath(context.Context) (string, error) { return davHome, nil }

// ListAddressBooks lists the "Demo CRM" book.
func (b *addressBook) ListAddressBooks(context.Context) ([]carddav.AddressBook, error) {
	return []carddav.AddressBook{b.book}, nil
}

// GetAddressBook returns the book at p.
func (b *addressBook) GetAddressBook(_ context.Context, p string) (*carddav.AddressBook, error) {
	if !samePath(p, b.book.Path) {
		return nil, notFound(p)
	}
	ab := b.book
	return &ab, nil
}

// GetAddressObject returns one card.
func (b *addressBook) GetAddressObject(_ context.Context, p string, _ *carddav.AddressDataRequest) (*carddav.AddressObject, error) {
	ao, ok := b.byPath[path.Clean(p)]
	if !ok {
		return nil, notFound(p)
	}
	c := *ao
	return &c, nil
}

// ListAddressObjects returns every card of the book at p.
func (b *addressBook) ListAddressObjects(_ context.Context, p string, _ *carddav.AddressDataRequest) ([]carddav.AddressObject, error) {
	if !samePath(p, b.book.Path) {
		return nil, notFound(p)
	}
	return append([]carddav.AddressObject(nil), b.objects...), nil
}

// QueryAddressObjects runs an addressbook-query with go-webdav's own matcher. A query
// without prop-filters matches every card, as Radicale and other servers answer it;
// go-webdav's "anyof" over no filters would match none, so such a query is run as "allof".
func (b *addressBook) QueryAddressObjects(ctx context.Context, p string, q *carddav.AddressBookQuery) ([]carddav.AddressObject, error) {
	all, err := b.ListAddressObjects(ctx, p, &q.DataRequest)
	if err != nil {
		return nil, err
	}
	if len(q.PropFilters) == 0 {
		everything := *q
		everything.FilterTest = carddav.FilterAllOf
		q = &everything
	}
	return carddav.Filter(q, all)
}

// CreateAddressBook is refused: the demo book is fixed.
func (b *addressBook) CreateAddressBook(context.Context, *carddav.AddressBook) error {
	return errReadOnly
}

// DeleteAddressBook is refused: the demo book is fixed.
func (b *addressBook) DeleteAddressBook(context.Context, string) error { return errReadOnly }

// PutAddressObject is refused: the demo book is fixed.
func (b *addressBook) PutAddressObject(context.Context, string, vcard.Card, *carddav.PutAddressObjectOptions) (*carddav.AddressObject, error) {
	return nil, errReadOnly
}

// DeleteAddressObject is refused: the demo book is fixed.
func (b *addressBook) DeleteAddressObject(context.Context, string) error { return errReadOnly }

// collections are the CardDAV collection paths, each with its trailing slash.
var collections = map[string]string{}

func init() {
	for _, c := range []string{davPrefix + "/", davPrincipal, davHome, davBook} {
		collections[path.Clean(c)] = c
	}
}

// canonicalCollection gives a collection's path its trailing slash. go-webdav's server
// finds the principal and the home set only at exactly the path the backend returns,
// while its client drops the slash when it resolves "" against an endpoint such as
// /carddav/me/ (path.Join); without this, discovery from that URL finds nothing.
func canonicalCollection(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := collections[path.Clean(r.URL.Path)]; ok && r.URL.Path != c {
			r2 := r.Clone(r.Context())
			r2.URL.Path, r2.URL.RawPath = c, ""
			r = r2
		}
		next.ServeHTTP(w, r)
	})
}

// requireBearer lets a request through only with an access token this provider issued
// and that has not expired or been revoked.
func (p *Provider) requireBearer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.bearer(w, r) == nil {
			return
		}
		next.ServeHTTP(w, r)
	})
}
