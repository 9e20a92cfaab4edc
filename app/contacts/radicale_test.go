package contacts

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// The tests run against Radicale, a real CardDAV server that is not our code, behind a
// small gateway that plays the CRM's API front: it accepts only the bearer tokens it was
// told about (Radicale with auth "none" ignores Authorization) and forwards as the user.

const (
	davUser = "alice"
	davPass = "radicale-ignores-it"
)

// radicale is one Radicale process on a loopback port with a temp storage folder.
type radicale struct {
	url   string // http://127.0.0.1:PORT
	store string // storage folder
}

func startRadicale(tb testing.TB) *radicale {
	tb.Helper()
	bin, err := exec.LookPath("radicale")
	if err != nil {
		if os.Getenv("CI") == "" {
			tb.Skip("radicale is not installed (apt-get install radicale); CI fails instead of skipping")
		}
		tb.Fatal("radicale is not installed: the contacts integration tests need it")
	}
	dir := tb.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	addr := l.Addr().String()
	require.NoError(tb, l.Close())
	cfg := fmt.Sprintf("[server]\nhosts = %s\n[auth]\ntype = none\n[rights]\ntype = authenticated\n"+
		"[storage]\nfilesystem_folder = %s\n[logging]\nlevel = warning\n", addr, filepath.Join(dir, "store"))
	cfgPath := filepath.Join(dir, "config")
	require.NoError(tb, os.WriteFile(cfgPath, []byte(cfg), 0o600))
	cmd := exec.Command(bin, "--config", cfgPath)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(tb, cmd.Start())
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			tb.Fatalf("radicale did not listen on %s: %s", addr, logs.String())
		}
		time.Sleep(50 * time.Millisecond) // poll interval, bounded by the deadline above
	}
	return &radicale{url: "http://" + addr, store: filepath.Join(dir, "store")}
}

// do sends one request to Radicale directly, as the user.
func (r *radicale) do(tb testing.TB, method, path, ctype, body string, want ...int) {
	tb.Helper()
	req, err := http.NewRequest(method, r.url+path, strings.NewReader(body))
	require.NoError(tb, err)
	req.SetBasicAuth(davUser, davPass)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	require.Contains(tb, want, resp.StatusCode, "%s %s: %s", method, path, got)
}

// mkBook creates /alice/<name>/ as an address book (extended MKCOL, RFC 5689).
func (r *radicale) mkBook(tb testing.TB, name string) string {
	path := "/" + davUser + "/" + name + "/"
	r.do(tb, "MKCOL", path, "application/xml", `<?xml version="1.0"?>`+
		`<mkcol xmlns="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><set><prop>`+
		`<resourcetype><collection/><CR:addressbook/></resourcetype><displayname>`+name+`</displayname>`+
		`</prop></set></mkcol>`, http.StatusCreated)
	return path
}

// put creates or replaces a card (Radicale answers 201 to both).
func (r *radicale) put(tb testing.TB, book, uid, card string) {
	r.do(tb, http.MethodPut, book+uid+".vcf", "text/vcard", card, http.StatusCreated, http.StatusNoContent)
}

func (r *radicale) remove(tb testing.TB, book, uid string) {
	r.do(tb, http.MethodDelete, book+uid+".vcf", "", "", http.StatusOK)
}

// card writes a vCard 3.0 text; lines are extra properties.
func card(uid, fn string, lines ...string) string {
	return "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:" + uid + "\r\nFN:" + fn + "\r\n" +
		strings.Join(append(lines, ""), "\r\n") + "END:VCARD\r\n"
}

// gateway checks bearer tokens in front of Radicale.
type gateway struct {
	srv *httptest.Server

	mu          sync.Mutex
	tokens      map[string]bool
	noSync      bool // answer sync-collection with 501, like a server without RFC 6578
	syncReports int
}

func newGateway(tb testing.TB, r *radicale, tokens ...string) *gateway {
	target, err := url.Parse(r.url)
	require.NoError(tb, err)
	g := &gateway{tokens: map[string]bool{}}
	for _, t := range tokens {
		g.tokens[t] = true
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		tok, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
		g.mu.Lock()
		valid, noSync := ok && g.tokens[tok], g.noSync
		g.mu.Unlock()
		if !valid {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			http.Error(w, "invalid token", http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(req.Body)
		if req.Method == "REPORT" && bytes.Contains(body, []byte("sync-collection")) {
			g.mu.Lock()
			g.syncReports++
			g.mu.Unlock()
			if noSync {
				http.Error(w, "sync-collection is not implemented", http.StatusNotImplemented)
				return
			}
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.SetBasicAuth(davUser, davPass)
		proxy.ServeHTTP(w, req)
	}))
	tb.Cleanup(g.srv.Close)
	return g
}

func (g *gateway) setTokens(tokens ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.tokens = map[string]bool{}
	for _, t := range tokens {
		g.tokens[t] = true
	}
}

func bearerClient(token string) *http.Client {
	return oauth2.NewClient(context.Background(), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}))
}

// seeded is a Radicale address book with the five cards below, behind a gateway.
func seeded(t *testing.T) (*radicale, *gateway, string) {
	t.Helper()
	r := startRadicale(t)
	book := r.mkBook(t, "contacts")
	for _, c := range fiveCards {
		r.put(t, book, c[0], c[1])
	}
	return r, newGateway(t, r, "good-token"), book
}

var fiveCards = [][2]string{
	{"ada", card("ada", "Ada Lovelace",
		"TEL;TYPE=CELL:+1 (212) 555-0101",
		"TEL;TYPE=WORK,FAX:212.555.0109",
		"EMAIL;TYPE=INTERNET:ada@analytical.example",
		"ORG:Analytical Engines;Research",
		"TITLE:Programmer",
		"PHOTO;VALUE=uri:https://img.example/ada.png")},
	{"bob", card("bob", "Bob Builder", "TEL;TYPE=WORK:(415) 555-0142", "EMAIL:bob@build.example", "ORG:BuildCo")},
	{"carol", card("carol", "Carol Danvers", "TEL;TYPE=HOME:+44 20 7946 0958", "EMAIL:carol@marvel.example")},
	{"dave", card("dave", "Dave Null", "TEL:12345", "ORG:Nowhere Inc")},
	{"erin", card("erin", "erin example", "TEL;TYPE=MAIN:+1 415 555 0199")},
}

func newTestBook(g *gateway, pageSize int) *Book {
	return New(Config{URL: g.srv.URL + "/" + davUser + "/contacts/", ServiceName: "TestCRM", Region: "US", PageSize: pageSize},
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
	b := New(Config{URL: g.srv.URL, ServiceName: "TestCRM"}, bearerClient("good-token"), nil)
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
			g.noSync = tc.noSync
			b := newTestBook(g, 100)
			first := contactsPage(t, b, `{"page":1}`)
			require.Len(t, first.Data, 5)
			t1 := *first.SyncTimestamp

			r.put(t, book, "bob", card("bob", "Robert Builder", "TEL;TYPE=WORK:(415) 555-0142"))
			r.remove(t, book, "dave")
			r.put(t, book, "frank", card("frank", "Frank Castle", "TEL;TYPE=CELL:+1 646 555 0123"))

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

			g.mu.Lock()
			defer g.mu.Unlock()
			require.Equal(t, tc.wantSyncs, g.syncReports > 1, "sync-collection REPORTs: %d", g.syncReports)
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
		{query: "build.example", want: []string{"bob"}},
		{query: "nowhere", want: []string{"dave"}},
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
	asked := []string{"+12125550101", "+12125550109", "+14155550142", "+442079460958", "2125550101", "+10000000000", "garbage", ""}
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
	}
	require.Len(t, m, len(want))
	for n, w := range want {
		require.Equal(t, w, ids(m[n]), n)
	}
}

func TestUnauthorizedDropsEverything(t *testing.T) {
	_, g, _ := seeded(t)
	b := newTestBook(g, 100)
	contactsPage(t, b, `{}`)
	require.NotNil(t, b.st)

	g.setTokens("another-token") // the CRM revoked ours
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
	g.setTokens("fresh-token")
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

	b := New(Config{URL: g.srv.URL + "/" + davUser + "/contacts/", ServiceName: "TestCRM"}, hc, nil)
	got := contactsPage(t, b, `{}`)
	require.Len(t, got.Data, len(fiveCards))
	mu.Lock()
	require.Equal(t, 1, refreshes)
	mu.Unlock()

	// A refresh token the IdP refuses is a sign-out too.
	revoked := conf.Client(context.Background(), &oauth2.Token{AccessToken: "x", RefreshToken: "revoked", Expiry: time.Now().Add(-time.Minute)})
	_, err := New(Config{URL: g.srv.URL + "/" + davUser + "/contacts/"}, revoked, nil).HandleContacts(context.Background(), nil)
	require.ErrorIs(t, err, ErrUnauthorized)
}
