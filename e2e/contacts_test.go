package e2e

// Issue 6: the CRM's address book reaches the widget only while signed in.

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/app/config"
	"github.com/embeddable-tray/embeddable-tray/e2e/apptest"
	"github.com/embeddable-tray/embeddable-tray/e2e/standin"
	"github.com/embeddable-tray/embeddable-tray/internal/radicaletest"
)

func TestContactsOnlyWhileSignedIn(t *testing.T) {
	ctx, w, cfg := setup(t)
	oidc := startOIDC(t, &cfg)
	book := radicaletest.AddressBook(t, map[string]string{
		"ann": radicaletest.Card("ann", "Ann Example", "TEL;TYPE=WORK:+1 201 555 0123", "ORG:Example Inc", "EMAIL:ann@example.com"),
		"bob": radicaletest.Card("bob", "Bob Sample", "TEL;TYPE=WORK:+1 201 555 0124", "ORG:Sample LLC"),
		"eve": radicaletest.Card("eve", "Eve Extension", "TEL;TYPE=WORK:101"),
	}, radicaletest.UserinfoCheck(oidc.UserinfoEndpoint())) // the server checks the app's token
	cfg.Service.Contacts = &config.Contacts{CardDAVURL: book, Region: "US"}
	apptest.Launch(t, cfg)
	registration(ctx, t, w, 0)

	paths := []struct {
		path string
		body any
	}{
		{"/contacts", map[string]any{"page": 1}},
		{"/contacts/search", map[string]any{"searchString": "Ann"}},
		{"/contacts/match", map[string]any{"phoneNumbers": []string{"+15551230001"}}},
	}
	for _, p := range paths {
		resp, err := w.Request(ctx, p.path, p.body)
		require.NoError(t, err, p.path)
		assertError(t, resp, "not authorized")
	}

	seq := w.Seq()
	require.NoError(t, w.ClickAuthorize(ctx))
	authStatus(ctx, t, w, seq, true)

	// On authorization the widget matches its call history's numbers, an extension number
	// among them (PROTOCOL.md, Contacts: match): answered, the extension by a contact's.
	m, err := w.WaitFor(ctx, standin.After(seq, standin.All(standin.IsKind(standin.KindResponse),
		func(r standin.Report) bool {
			return r.Path == "/contacts/match" && strings.Contains(string(r.Request), `"101"`)
		})))
	require.NoError(t, err)
	var matched struct {
		Data  map[string][]struct{ Name string } `json:"data"`
		Error string                             `json:"error"`
	}
	require.NoError(t, json.Unmarshal(m.Response, &matched), "%s", m.Response)
	require.Empty(t, matched.Error)
	require.Len(t, matched.Data["101"], 1, "%s", m.Response)
	assert.Equal(t, "Eve Extension", matched.Data["101"][0].Name)
	require.Len(t, matched.Data["+12015550124"], 1, "%s", m.Response)
	assert.Equal(t, "Bob Sample", matched.Data["+12015550124"][0].Name)

	// Search as the user sees it: the widget re-filters the answer by name and by the number
	// string; a formatted query still finds the numbers, a company alone is not claimed.
	found, err := w.Search(ctx, "Sample LLC")
	require.NoError(t, err)
	assert.Empty(t, shown(found))
	found, err = w.Search(ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, []string{"Ann Example +12015550123"}, shown(found))
	// A tel: number reaches the dialer as E.164, and the widget searches it as typed.
	found, err = w.Search(ctx, "+12015550124")
	require.NoError(t, err)
	assert.Equal(t, []string{"Bob Sample +12015550124"}, shown(found))
	found, err = w.Search(ctx, "+1 201-555")
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"Ann Example +1 201-555-0123", "Bob Sample +1 201-555-0124"}, shown(found))

	// The Contacts tab's own search box filters the list the app gave, in the widget, asking
	// the app nothing (observed with the real widget): a name, the digits of a number as the
	// app wrote it, a whole e-mail address; not a company.
	_, err = w.WaitFor(ctx, standin.After(seq, standin.IsKind(standin.KindContacts)))
	require.NoError(t, err, "the widget fetched the contacts on authorization")
	for _, f := range []struct {
		query string
		names []string
	}{
		{"bob", []string{"Bob Sample"}},
		{"2015550123", []string{"Ann Example"}},
		{"ann@example.com", []string{"Ann Example"}},
		{"Example Inc", nil},
	} {
		names, err := w.FilterContacts(ctx, f.query)
		require.NoError(t, err, f.query)
		assert.ElementsMatch(t, f.names, names, "filter %q", f.query)
	}
	_, err = w.FilterContacts(ctx, "")
	require.NoError(t, err)

	resp, err := w.Request(ctx, "/contacts", map[string]any{"page": 1})
	require.NoError(t, err)
	var page struct {
		Data []struct {
			Name         string `json:"name"`
			Type         string `json:"type"`
			PhoneNumbers []struct {
				PhoneNumber string `json:"phoneNumber"`
			} `json:"phoneNumbers"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(resp, &page), "%s", resp)
	names := map[string]string{}
	for _, c := range page.Data {
		assert.Equal(t, cfg.Service.Name, c.Type, "contact type is the service name")
		if len(c.PhoneNumbers) > 0 {
			names[c.Name] = digits(c.PhoneNumbers[0].PhoneNumber) // any format the widget can dial
		}
	}
	assert.Equal(t, map[string]string{"Ann Example": "12015550123", "Bob Sample": "12015550124", "Eve Extension": "101"}, names)

	resp, err = w.Request(ctx, "/contacts/match", map[string]any{"phoneNumbers": []string{"+12015550124"}})
	require.NoError(t, err)
	assert.Contains(t, string(resp), "Bob Sample")
	require.NoError(t, w.Show(ctx, "contacts"))
	screenshot(t, "main-window-contacts")

	seq = w.Seq()
	require.NoError(t, w.ClickAuthorize(ctx)) // Unauthorize
	authStatus(ctx, t, w, seq, false)
	for _, p := range paths {
		resp, err := w.Request(ctx, p.path, p.body)
		require.NoError(t, err, p.path)
		assertError(t, resp, "not authorized")
	}
}

// shown is what the widget lists for a search: name and number of each entry.
func shown(res standin.SearchResult) []string {
	var out []string
	for _, r := range res.Results {
		out = append(out, r.Name+" "+r.PhoneNumber)
	}
	return out
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// TestContactsWithAppPassword: with "auth": "password" the address book is read with Basic
// auth; the app asks for the app password once, in a native window whose form the user
// types into, keeps it in the keyring, and forgets it on sign-out.
func TestContactsWithAppPassword(t *testing.T) {
	ctx, w, cfg := setup(t)
	apptest.RequireSession(t, "xdotool", "secret-tool")
	startOIDC(t, &cfg)
	dav := radicaletest.Start(t)
	book := dav.MkBook(t, "crm")
	dav.Put(t, book, "ann", radicaletest.Card("ann", "Ann Example", "TEL;TYPE=WORK:+1 201 555 0123"))
	cfg.Service.Contacts = &config.Contacts{CardDAVURL: dav.URL + book, Auth: "password", Username: radicaletest.User, Region: "US"}
	a := apptest.Launch(t, cfg)
	registration(ctx, t, w, 0)
	seq := w.Seq()
	require.NoError(t, w.ClickAuthorize(ctx))
	authStatus(ctx, t, w, seq, true)

	type result struct {
		resp json.RawMessage
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := w.Request(ctx, "/contacts", map[string]any{"page": 1})
		done <- result{resp, err}
	}()
	prompt := secondWindow(ctx, t, a, filepath.Join(screenshotDir(t), "app-password-window.png"))
	typeInto(ctx, t, prompt, radicaletest.Password) // Radicale itself checks it

	r := <-done
	require.NoError(t, r.err)
	assert.Contains(t, string(r.resp), "Ann Example")
	keyringUser := cfg.Service.Name + "/carddav-password"
	out, err := exec.CommandContext(ctx, "secret-tool", "lookup", "service", "embeddable-tray", "username", keyringUser).Output()
	require.NoError(t, err, "the app password is in the keyring")
	assert.Equal(t, radicaletest.Password, strings.TrimSpace(string(out)))

	seq = w.Seq()
	require.NoError(t, w.ClickAuthorize(ctx)) // Unauthorize
	authStatus(ctx, t, w, seq, false)
	eventually(ctx, t, "sign-out forgets the app password", func() bool {
		return exec.CommandContext(ctx, "secret-tool", "lookup", "service", "embeddable-tray", "username", keyringUser).Run() != nil
	})
}
