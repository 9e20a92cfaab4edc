package provider

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/emersion/go-vcard"
	"github.com/emersion/go-webdav/carddav"
	"github.com/nyaruka/phonenumbers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func TestCardDAVWithToken(t *testing.T) {
	p := start(t, Options{})
	cfg := config(p, oauth2.AuthStyleInParams)
	tok := login(t, p, cfg)
	ctx := context.Background()
	dav, err := carddav.NewClient(cfg.Client(ctx, tok), p.CardDAVURL())
	require.NoError(t, err)

	principal, err := dav.FindCurrentUserPrincipal(ctx)
	require.NoError(t, err)
	assert.Equal(t, "/carddav/me/", principal)
	home, err := dav.FindAddressBookHomeSet(ctx, principal)
	require.NoError(t, err)
	books, err := dav.FindAddressBooks(ctx, home)
	require.NoError(t, err)
	require.Len(t, books, 1)
	assert.Equal(t, "Demo CRM", books[0].Name)
	book := books[0].Path

	all, err := dav.QueryAddressBook(ctx, book, &carddav.AddressBookQuery{DataRequest: carddav.AddressDataRequest{AllProp: true}})
	require.NoError(t, err)
	require.Len(t, all, len(samples))
	byName := map[string]carddav.AddressObject{}
	for _, ao := range all {
		assert.NotEmpty(t, ao.ETag, ao.Path)
		byName[ao.Card.Value(vcard.FieldFormattedName)] = ao
	}
	olivia, ok := byName["Olivia Bennett"]
	require.True(t, ok)
	assert.Equal(t, "Northwind Traders", olivia.Card.Value(vcard.FieldOrganization))
	assert.Equal(t, []string{"+14155550101", "(415) 555-0102"}, olivia.Card.Values(vcard.FieldTelephone))
	assert.Equal(t, "olivia.bennett@northwind.example.com", olivia.Card.Value(vcard.FieldEmail))
	var types [][]string
	for _, f := range olivia.Card[vcard.FieldTelephone] {
		types = append(types, f.Params.Types())
	}
	assert.Equal(t, [][]string{{"work"}, {"cell"}}, types)

	t.Run("addressbook-query with a filter", func(t *testing.T) {
		got, err := dav.QueryAddressBook(ctx, book, &carddav.AddressBookQuery{
			DataRequest: carddav.AddressDataRequest{Props: []string{vcard.FieldFormattedName, vcard.FieldTelephone}},
			PropFilters: []carddav.PropFilter{{Name: vcard.FieldOrganization, TextMatches: []carddav.TextMatch{{Text: "Contoso"}}}},
		})
		require.NoError(t, err)
		var names []string
		for _, ao := range got {
			names = append(names, ao.Card.Value(vcard.FieldFormattedName))
		}
		assert.ElementsMatch(t, []string{"Emma Rodriguez", "Noah Kim"}, names)
	})

	t.Run("addressbook-multiget", func(t *testing.T) {
		paths := []string{all[0].Path, all[5].Path}
		got, err := dav.MultiGetAddressBook(ctx, book, &carddav.AddressBookMultiGet{Paths: paths, DataRequest: carddav.AddressDataRequest{AllProp: true}})
		require.NoError(t, err)
		require.Len(t, got, 2)
		assert.ElementsMatch(t, paths, []string{got[0].Path, got[1].Path})
	})

	t.Run("GET one card", func(t *testing.T) {
		ao, err := dav.GetAddressObject(ctx, olivia.Path)
		require.NoError(t, err)
		assert.Equal(t, olivia.ETag, ao.ETag)
		assert.Equal(t, "Olivia Bennett", ao.Card.Value(vcard.FieldFormattedName))
	})

	t.Run("read-only", func(t *testing.T) {
		_, err := dav.PutAddressObject(ctx, book+"new.vcf", olivia.Card)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "403")
	})
}

// TestCardDAVDiscovery starts go-webdav's client at every collection URL, with and without
// the trailing slash, and expects it to find the principal, the home set and the book.
func TestCardDAVDiscovery(t *testing.T) {
	p := start(t, Options{})
	cfg := config(p, oauth2.AuthStyleInParams)
	tok := login(t, p, cfg)
	ctx := context.Background()
	for _, endpoint := range []string{"/carddav", "/carddav/", "/carddav/me", "/carddav/me/",
		"/carddav/me/contacts", "/carddav/me/contacts/", "/carddav/me/contacts/demo-crm", "/carddav/me/contacts/demo-crm/"} {
		t.Run(endpoint, func(t *testing.T) {
			dav, err := carddav.NewClient(cfg.Client(ctx, tok), p.URL()+endpoint)
			require.NoError(t, err)
			principal, err := dav.FindCurrentUserPrincipal(ctx)
			require.NoError(t, err)
			assert.Equal(t, "/carddav/me/", principal)
			home, err := dav.FindAddressBookHomeSet(ctx, principal)
			require.NoError(t, err)
			assert.Equal(t, "/carddav/me/contacts/", home)
			books, err := dav.FindAddressBooks(ctx, home)
			require.NoError(t, err)
			require.Len(t, books, 1)
			assert.Equal(t, "/carddav/me/contacts/demo-crm/", books[0].Path)
		})
	}
}

func TestCardDAVNeedsToken(t *testing.T) {
	p := start(t, Options{})
	revoked := login(t, p, config(p, oauth2.AuthStyleInParams))
	require.Equal(t, http.StatusOK, revoke(t, p, map[string][]string{"token": {revoked.AccessToken}}))

	for _, tc := range []struct{ name, auth, path string }{
		{"no token, principal", "", "/carddav/me/"},
		{"no token, address book", "", "/carddav/me/contacts/demo-crm/"},
		{"no token, root", "", "/carddav/"},
		{"unknown token", "Bearer forged", "/carddav/me/contacts/demo-crm/"},
		{"revoked token", "Bearer " + revoked.AccessToken, "/carddav/me/contacts/demo-crm/"},
		{"demo password as Basic auth", "Basic ZGVtb0BleGFtcGxlLmNvbTpkZW1v", "/carddav/me/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest("PROPFIND", p.URL()+tc.path, nil)
			require.NoError(t, err)
			req.Header.Set("Depth", "1")
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			assert.True(t, strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer "))
		})
	}

	t.Run("the go-webdav client gets 401 too", func(t *testing.T) {
		dav, err := carddav.NewClient(http.DefaultClient, p.CardDAVURL())
		require.NoError(t, err)
		_, err = dav.FindCurrentUserPrincipal(context.Background())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "401")
	})

	t.Run("well-known redirect needs no token", func(t *testing.T) {
		req, err := http.NewRequest("PROPFIND", p.URL()+"/.well-known/carddav", nil)
		require.NoError(t, err)
		resp, err := noFollow.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusPermanentRedirect, resp.StatusCode)
		assert.Equal(t, "/carddav/me/", resp.Header.Get("Location"))
	})
}

// TestSamples checks the sample data is what the brief promises: a few dozen contacts,
// stable unique ids, US numbers that parse, E.164 and national formats both present.
func TestSamples(t *testing.T) {
	require.GreaterOrEqual(t, len(samples), 40)
	uids := map[string]bool{}
	numbers := map[string]bool{}
	var e164, national int
	for i, s := range samples {
		uid := s.uid(i)
		assert.False(t, uids[uid], "duplicate uid %s", uid)
		uids[uid] = true
		require.NotEmpty(t, s.phones, s.family)
		for _, ph := range s.phones {
			assert.Contains(t, vcardTypes, ph.kind, ph.number)
			n, err := phonenumbers.Parse(ph.number, "US")
			require.NoError(t, err, ph.number)
			assert.True(t, phonenumbers.IsPossibleNumber(n), ph.number)
			norm := phonenumbers.Format(n, phonenumbers.E164)
			assert.False(t, numbers[norm], "duplicate number %s", norm)
			numbers[norm] = true
			if ph.number == norm {
				e164++
			} else if strings.HasPrefix(ph.number, "(") {
				national++
			}
		}
		for _, e := range s.emails {
			assert.Regexp(t, `^[a-z.]+@([a-z]+\.)?example\.(com|net|org|edu)$`, e)
		}
	}
	assert.Greater(t, e164, 10)
	assert.Greater(t, national, 10)
}
