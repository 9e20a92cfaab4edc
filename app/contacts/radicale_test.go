package contacts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/embeddable-tray/embeddable-tray/internal/radicaletest"
)

// The tests run against Radicale behind a gateway that plays the CRM's API front and
// accepts only the bearer tokens it was told about (internal/radicaletest).

func bearerClient(token string) *http.Client {
	return oauth2.NewClient(context.Background(), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}))
}

// seeded is a Radicale address book with the five cards below, behind a gateway.
func seeded(t *testing.T) (*radicaletest.Server, *radicaletest.Gateway, string) {
	t.Helper()
	r := radicaletest.Start(t)
	book := r.MkBook(t, "contacts")
	for _, c := range fiveCards {
		r.Put(t, book, c[0], c[1])
	}
	return r, radicaletest.NewGateway(t, r, "good-token"), book
}

var fiveCards = [][2]string{
	{"ada", radicaletest.Card("ada", "Ada Lovelace",
		"TEL;TYPE=CELL:+1 (212) 555-0101",
		"TEL;TYPE=WORK,FAX:212.555.0109",
		"EMAIL;TYPE=INTERNET:ada@analytical.example",
		"ORG:Analytical Engines;Research",
		"TITLE:Programmer",
		"PHOTO;VALUE=uri:https://img.example/ada.png")},
	{"bob", radicaletest.Card("bob", "Bob Builder", "TEL;TYPE=WORK:(415) 555-0142", "EMAIL:bob@build.example", "ORG:BuildCo")},
	{"carol", radicaletest.Card("carol", "Carol Danvers", "TEL;TYPE=HOME:+44 20 7946 0958", "EMAIL:carol@marvel.example")},
	{"dave", radicaletest.Card("dave", "Dave Null", "TEL:12345", "ORG:Nowhere Inc")},
	{"erin", radicaletest.Card("erin", "erin example", "TEL;TYPE=MAIN:+1 415 555 0199")},
}

func newTestBook(g *radicaletest.Gateway, pageSize int) *Book {
	return New(Config{URL: g.URL + "/" + radicaletest.User + "/contacts/", ServiceName: "TestCRM", Region: "US", PageSize: pageSize},
		bearerClient("good-token"), nil)
}

func contactsPage(t *testing.T, b *Book, body string) *ContactsResponse {
	t.Helper()
	got, err := b.HandleContacts(context.Background(), []byte(body))
	require.NoError(t, err)
	return got.(*ContactsResponse)
}

func ids(l []Contact) []string {
	out := make([]string, len(l))
	for i, c := range l {
		out[i] = c.ID
		if c.Deleted {
			out[i] += "(deleted)"
		}
	}
	return out
}

func TestFirstSyncAndPaging(t *testing.T) {
	_, g, _ := seeded(t)
	b := newTestBook(g, 2)

	p1 := contactsPage(t, b, `{"page":1}`)
	require.NotNil(t, p1.SyncTimestamp)
	require.NotNil(t, p1.NextPage)
	p2 := contactsPage(t, b, fmt.Sprintf(`{"page":"%d"}`, *p1.NextPage)) // the docs show a string page
	require.NotNil(t, p2.NextPage)
	p3 := contactsPage(t, b, fmt.Sprintf(`{"page":%d}`, *p2.NextPage))
	require.Nil(t, p3.NextPage)

	require.Equal(t, []string{"ada", "bob", "carol"}, ids(append(p1.Data, p2.Data[0])))
	require.Equal(t, []string{"dave", "erin"}, ids(append(p2.Data[1:], p3.Data...)))
	require.Equal(t, *p1.SyncTimestamp, *p3.SyncTimestamp)

	require.Equal(t, Contact{
		ID: "ada", Name: "Ada Lovelace", Type: "TestCRM",
		PhoneNumbers: []Phone{{"+12125550101", "mobile"}, {"+12125550109", "fax"}},
		Emails:       []string{"ada@analytical.example"},
		Company:      "Analytical Engines", JobTitle: "Programmer",
		ProfileImageURL: "https://img.example/ada.png",
	}, p1.Data[0])
	require.Equal(t, []Phone{{"12345", "phone"}}, p2.Data[1].PhoneNumbers, "an invalid number is kept as written")
}

func TestDiscoveryFromServerURL(t *testing.T) {
	_, g, _ := seeded(t)
	b := New(Config{URL: g.URL, ServiceName: "TestCRM"}, bearerClient("good-token"), nil)
	got := contactsPage(t, b, `{}`)
	require.Len(t, got.Data, len(fiveCards))
}

func TestIncrementalSync(t *testing.T) {
	for _, tc := range []struct {
		name      string
		noSync    bool
		wantSyncs bool
	}{
		{name: "sync-collection", wantSyncs: true},
		{name: "etags without sync-collection", noSync: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, g, book := seeded(t)
			g.SetNoSync(tc.noSync)
			b := newTestBook(g, 100)
			first := contactsPage(t, b, `{"page":1}`)
			require.Len(t, first.Data, 5)
			t1 := *first.SyncTimestamp

			r.Put(t, book, "bob", radicaletest.Card("bob", "Robert Builder", "TEL;TYPE=WORK:(415) 555-0142"))
			r.Remove(t, book, "dave")
			r.Put(t, book, "frank", radicaletest.Card("frank", "Frank Castle", "TEL;TYPE=CELL:+1 646 555 0123"))

			delta := contactsPage(t, b, fmt.Sprintf(`{"page":1,"syncTimestamp":%d}`, t1))
			require.Equal(t, []string{"dave(deleted)", "frank", "bob"}, ids(delta.Data))
			require.Equal(t, "Robert Builder", delta.Data[2].Name) // deleted ones have no name: first
			require.NotNil(t, delta.SyncTimestamp)
			require.Greater(t, *delta.SyncTimestamp, t1)

			// The widget holding the newest state gets nothing; an older one gets the same delta.
			none := contactsPage(t, b, fmt.Sprintf(`{"page":1,"syncTimestamp":%d}`, *delta.SyncTimestamp))
			require.Empty(t, none.Data)
			again := contactsPage(t, b, fmt.Sprintf(`{"page":1,"syncTimestamp":%d}`, t1))
			require.Equal(t, ids(delta.Data), ids(again.Data))

			// An unknown timestamp: everything, and no syncTimestamp so the widget replaces its list.
			unknown := contactsPage(t, b, `{"page":1,"syncTimestamp":42}`)
			require.Equal(t, []string{"ada", "carol", "erin", "frank", "bob"}, ids(unknown.Data))
			require.Nil(t, unknown.SyncTimestamp)

			reports := g.SyncReports()
			require.Equal(t, tc.wantSyncs, reports > 1, "sync-collection REPORTs: %d", reports)
		})
	}
}

func TestSearch(t *testing.T) {
	_, g, _ := seeded(t)
	b := newTestBook(g, 100)
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{query: "LOVELACE", want: []string{"ada"}},
		{query: "build.example", want: []string{}}, // the widget drops e-mail hits: not claimed
		{query: "nowhere", want: []string{}},       // and company hits
		{query: "12345", want: []string{"dave"}},
		{query: "(415) 555", want: []string{"bob", "erin"}},
		{query: "5550101", want: []string{"ada"}},
		{query: "e", want: []string{"ada", "bob", "carol", "dave", "erin"}},
		{query: "zzz", want: []string{}},
		{query: "  ", want: []string{}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			got, err := b.HandleSearch(context.Background(), []byte(fmt.Sprintf(`{"searchString":%q}`, tc.query)))
			require.NoError(t, err)
			require.Equal(t, tc.want, ids(got.(*SearchResponse).Data))
		})
	}
}

func TestMatch(t *testing.T) {
	_, g, _ := seeded(t)
	b := newTestBook(g, 100)
	asked := []string{"+12125550101", "+12125550109", "+14155550142", "+442079460958", "2125550101", "+10000000000", "garbage", "", "12345", "101"}
	body := `{"phoneNumbers":["` + strings.Join(asked, `","`) + `"],"callerIds":{}}`
	got, err := b.HandleMatch(context.Background(), []byte(body))
	require.NoError(t, err)
	m := got.(*MatchResponse).Data
	want := map[string][]string{
		"+12125550101":  {"ada"}, // written "+1 (212) 555-0101"
		"+12125550109":  {"ada"}, // written "212.555.0109", national with region US
		"+14155550142":  {"bob"},
		"+442079460958": {"carol"},
		"2125550101":    {"ada"},
		"+10000000000":  {},
		"garbage":       {},
		"":              {},
		"12345":         {"dave"}, // an extension number, as the widget asks it
		"101":           {},
	}
	require.Len(t, m, len(want))
	for n, w := range want {
		require.Equal(t, w, ids(m[n]), n)
	}
}

// A notification names a sender from what the book holds, and never waits for the server.
func TestHeldName(t *testing.T) {
	_, g, _ := seeded(t)
	b := newTestBook(g, 100)
	assert.Empty(t, b.HeldName("+12125550101"), "nothing held before the first sync: no name, no sync")
	assert.Nil(t, b.st)
	contactsPage(t, b, `{}`)
	assert.Equal(t, "Ada Lovelace", b.HeldName("+12125550101"))
	assert.Equal(t, "Ada Lovelace", b.HeldName("212.555.0109"), "a national number, region US")
	assert.Empty(t, b.HeldName("+10000000000"))
	b.Clear()
	assert.Empty(t, b.HeldName("+12125550101"), "nothing after sign-out")
}

func TestUnauthorizedDropsEverything(t *testing.T) {
	_, g, _ := seeded(t)
	b := newTestBook(g, 100)
	contactsPage(t, b, `{}`)
	require.NotNil(t, b.st)

	g.SetTokens("another-token") // the CRM revoked ours
	b.now = func() time.Time { return time.Now().Add(staleAfter) }
	for name, handle := range map[string]func(context.Context, []byte) (any, error){
		"contacts": func(ctx context.Context, body []byte) (any, error) { return b.HandleContacts(ctx, body) },
		"search":   func(ctx context.Context, body []byte) (any, error) { return b.HandleSearch(ctx, body) },
		"match":    func(ctx context.Context, body []byte) (any, error) { return b.HandleMatch(ctx, body) },
	} {
		_, err := handle(context.Background(), []byte(`{"searchString":"ada","phoneNumbers":["+12125550101"]}`))
		require.ErrorIs(t, err, ErrUnauthorized, name)
		require.NotContains(t, err.Error(), "good-token", name)
		b.mu.RLock()
		require.Nil(t, b.st, "%s: contacts held after a 401", name)
		b.mu.RUnlock()
	}
}

func TestClear(t *testing.T) {
	_, g, _ := seeded(t)
	b := newTestBook(g, 2)
	contactsPage(t, b, `{"page":1}`)
	b.Clear()
	b.mu.RLock()
	require.Nil(t, b.st)
	require.Nil(t, b.paged)
	b.mu.RUnlock()
	// Page 2 after a sign-out is built anew, not served from the dropped answer.
	p2 := contactsPage(t, b, `{"page":2}`)
	require.Equal(t, []string{"carol", "dave"}, ids(p2.Data))
}

// TestBearerRefresh: the sign-in's token has expired; the oauth2 client refreshes it at the
// token endpoint and the gateway sees only the new one.
func TestBearerRefresh(t *testing.T) {
	_, g, _ := seeded(t)
	g.SetTokens("fresh-token")
	var refreshes int
	var mu sync.Mutex
	tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, r.ParseForm())
		mu.Lock()
		refreshes++
		mu.Unlock()
		if r.PostForm.Get("grant_type") != "refresh_token" || r.PostForm.Get("refresh_token") != "the-refresh-token" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_grant"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"fresh-token","token_type":"Bearer","expires_in":3600,"refresh_token":"the-refresh-token"}`)
	}))
	defer tokenSrv.Close()
	conf := &oauth2.Config{ClientID: "app", Endpoint: oauth2.Endpoint{TokenURL: tokenSrv.URL, AuthStyle: oauth2.AuthStyleInParams}}
	expired := &oauth2.Token{AccessToken: "old-token", RefreshToken: "the-refresh-token", Expiry: time.Now().Add(-time.Minute)}
	hc := conf.Client(context.Background(), expired)

	b := New(Config{URL: g.URL + "/" + radicaletest.User + "/contacts/", ServiceName: "TestCRM"}, hc, nil)
	got := contactsPage(t, b, `{}`)
	require.Len(t, got.Data, len(fiveCards))
	mu.Lock()
	require.Equal(t, 1, refreshes)
	mu.Unlock()

	// A refresh token the IdP refuses is a sign-out too.
	revoked := conf.Client(context.Background(), &oauth2.Token{AccessToken: "x", RefreshToken: "revoked", Expiry: time.Now().Add(-time.Minute)})
	_, err := New(Config{URL: g.URL + "/" + radicaletest.User + "/contacts/"}, revoked, nil).HandleContacts(context.Background(), nil)
	require.ErrorIs(t, err, ErrUnauthorized)
}

// TestHeldContactsAfterTheServerWentAway: the book answers /contacts from its last good
// sync when asked to (the app does so when a sync fails, so the widget keeps its list);
// before any sync and after Clear it holds nothing.
func TestHeldContactsAfterTheServerWentAway(t *testing.T) {
	_, g, _ := seeded(t)
	var down atomic.Bool
	client := bearerClient("good-token")
	client.Transport = failingWhen{&down, client.Transport}
	b := New(Config{URL: g.URL + "/" + radicaletest.User + "/contacts/", ServiceName: "TestCRM", Region: "US", PageSize: 100}, client, nil)
	_, ok := b.HeldContacts([]byte(`{"page":1}`))
	require.False(t, ok, "nothing held before the first sync")

	first := contactsPage(t, b, `{"page":1}`)
	down.Store(true) // the server goes away
	b.now = func() time.Time { return time.Now().Add(staleAfter) }
	_, err := b.HandleContacts(context.Background(), []byte(`{"page":1}`))
	require.Error(t, err)

	v, ok := b.HeldContacts([]byte(`{"page":1}`))
	require.True(t, ok)
	require.Equal(t, ids(first.Data), ids(v.(*ContactsResponse).Data), "the last good list, whole")

	b.Clear()
	_, ok = b.HeldContacts([]byte(`{"page":1}`))
	require.False(t, ok, "nothing held after a sign-out")
}

// failingWhen fails every request while down is set, as a server that went away.
type failingWhen struct {
	down *atomic.Bool
	next http.RoundTripper
}

func (f failingWhen) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.down.Load() {
		return nil, errors.New("dial tcp: connection refused")
	}
	return f.next.RoundTrip(r)
}
