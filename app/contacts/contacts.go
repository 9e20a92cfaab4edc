// Package contacts serves a CardDAV address book (RFC 6352) to the RingCentral Embeddable
// widget as the contacts of the registered third-party service: the contact list with
// paging and incremental sync, search, and caller match.
//
// # The widget's side of the protocol
//
// Read in the public repository ringcentral/ringcentral-embeddable, files
// docs/integration/address-book.md and src/modules/ThirdPartyService/index.ts:
//
//   - contactsPath: request body {page, syncTimestamp, type}; page starts at 1. Response
//     {data: [contact], nextPage, syncTimestamp}. While nextPage is set the widget asks
//     again with page=nextPage and the SAME old syncTimestamp, and keeps the syncTimestamp of
//     the first page. It merges by id (deleted: true removes one) only when it sent a
//     syncTimestamp AND got one back; otherwise it replaces its whole list. Timeout 60 s.
//   - contactSearchPath: body {searchString}; response {data: [contact]}. Timeout 30 s.
//   - contactMatchPath: body {phoneNumbers: [E.164...], callerIds, triggerFrom?}; response
//     {data: {"<number as asked>": [contact]}}; a missing key counts as no match. Timeout 30 s.
//   - viewMatchedContactPath: the body is the contact the user clicked; the response is
//     ignored (the default request timeout, 3 s, applies).
//   - contact: {id (string), name, type (= the service name), phoneNumbers: [{phoneNumber,
//     phoneType}], emails, company, jobTitle, profileImageUrl, deleted}. phoneType is one of
//     business, extension, home, mobile, phone, unknown, company, direct, fax, other.
//   - The widget keeps its contacts and syncTimestamp in memory only (not localStorage), so
//     after a reload it asks for a full list again.
//
// # What this package holds
//
// Only memory: the current cards of the address book, an index from E.164 number to
// contacts (so match is a map lookup), and a short log of which contact ids changed at each
// sync, keyed by the syncTimestamp handed to the widget. Nothing is written to disk; Clear
// (sign-out) drops all of it.
package contacts

import (
	"errors"
	"time"
)

// ErrUnauthorized means the CardDAV server (or the token endpoint behind the HTTP client)
// refused the credentials: 401 or 403. The integrator signs the user out on it. The Book has
// already dropped everything it held when a handler returns it.
var ErrUnauthorized = errors.New("contacts: the address book server refused the credentials")

// Phone is one number of a contact, as the widget wants it.
type Phone struct {
	PhoneNumber string `json:"phoneNumber"`
	PhoneType   string `json:"phoneType"`
}

// Contact is a contact in the widget's format (docs/integration/address-book.md).
type Contact struct {
	ID              string   `json:"id"`
	Name            string   `json:"name"`
	Type            string   `json:"type"`
	PhoneNumbers    []Phone  `json:"phoneNumbers"`
	Emails          []string `json:"emails"`
	Company         string   `json:"company,omitempty"`
	JobTitle        string   `json:"jobTitle,omitempty"`
	ProfileImageURL string   `json:"profileImageUrl,omitempty"`
	Deleted         bool     `json:"deleted"`
}

// Config says where the address book is and how to present its contacts.
type Config struct {
	// URL is an address book URL, or a server URL: with an empty path
	// /.well-known/carddav is tried first, then current-user-principal ->
	// addressbook-home-set -> the address book at URL's path, or else the first one.
	URL string
	// ServiceName is the registered service's name; the widget wants it as contact.type.
	ServiceName string
	// Region is the default region for numbers written without a country code ("US" when
	// empty).
	Region string
	// PageSize is how many contacts one /contacts page and one search answer hold (100 when
	// zero or less).
	PageSize int
}

// ContactsResponse answers contactsPath. SyncTimestamp is nil when the widget must replace
// its list rather than merge (its syncTimestamp was unknown to us).
type ContactsResponse struct {
	Data          []Contact `json:"data"`
	NextPage      *int      `json:"nextPage"`
	SyncTimestamp *int64    `json:"syncTimestamp"`
}

// SearchResponse answers contactSearchPath.
type SearchResponse struct {
	Data []Contact `json:"data"`
}

// MatchResponse answers contactMatchPath: every number asked is a key, with [] for no match.
type MatchResponse struct {
	Data map[string][]Contact `json:"data"`
}

// AckResponse answers viewMatchedContactPath.
type AckResponse struct {
	Data string `json:"data"`
}

// The widget gives up after these (src/lib/requestWithPostMessage.js callers); we stop a
// little earlier so that our answer, even an error, still reaches it.
const (
	contactsTimeout = 55 * time.Second
	lookupTimeout   = 25 * time.Second
	// staleAfter: search and match refresh the book first when the last sync is older, so a
	// contact added in the CRM an hour ago still names the caller.
	staleAfter = 5 * time.Minute
)
