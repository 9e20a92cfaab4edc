package e2e

// Issue 6: the CRM's address book reaches the widget only while signed in.

import (
	"bytes"
	"encoding/json"
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
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/app/config"
	"github.com/embeddable-tray/embeddable-tray/e2e/apptest"
)

func TestContactsOnlyWhileSignedIn(t *testing.T) {
	ctx, w, cfg := setup(t)
	startOIDC(t, &cfg)
	book := startAddressBook(t, map[string]string{
		"ann": vcard("ann", "Ann Example", "+1 201 555 0123", "Example Inc"),
		"bob": vcard("bob", "Bob Sample", "+1 201 555 0124", "Sample LLC"),
	})
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
	assert.Equal(t, map[string]string{"Ann Example": "12015550123", "Bob Sample": "12015550124"}, names)

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

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func vcard(uid, name, phone, org string) string {
	return "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:" + uid + "\r\nFN:" + name + "\r\nTEL;TYPE=WORK:" + phone +
		"\r\nORG:" + org + "\r\nEND:VCARD\r\n"
}

// startAddressBook runs Radicale on loopback with one address book holding cards, behind a
// front that plays the CRM: it wants a bearer token (Radicale with auth "none" ignores
// Authorization) and forwards as the book's owner. It returns the address book's URL.
func startAddressBook(t *testing.T, cards map[string]string) string {
	t.Helper()
	bin, err := exec.LookPath("radicale")
	if err != nil {
		apptest.Missing(t, "radicale is not installed (apt-get install radicale)")
	}
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	conf := fmt.Sprintf("[server]\nhosts = %s\n[auth]\ntype = none\n[rights]\ntype = authenticated\n"+
		"[storage]\nfilesystem_folder = %s\n[logging]\nlevel = warning\n", addr, filepath.Join(dir, "store"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config"), []byte(conf), 0o600))
	cmd := exec.Command(bin, "--config", filepath.Join(dir, "config"))
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	base := "http://" + addr
	ctx, cancel := ctxWithTimeout(20 * time.Second)
	defer cancel()
	eventually(ctx, t, "radicale listening on "+addr+": "+logs.String(), func() bool {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err == nil
	})

	const user, path = "alice", "/alice/crm/"
	dav := func(method, p, ctype, body string) {
		req, err := http.NewRequest(method, base+p, strings.NewReader(body))
		require.NoError(t, err)
		req.SetBasicAuth(user, "ignored")
		req.Header.Set("Content-Type", ctype)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		msg, _ := io.ReadAll(res.Body)
		res.Body.Close()
		require.Less(t, res.StatusCode, 300, "%s %s: %s", method, p, msg)
	}
	dav("MKCOL", path, "application/xml", `<?xml version="1.0"?><mkcol xmlns="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav">`+
		`<set><prop><resourcetype><collection/><CR:addressbook/></resourcetype><displayname>CRM</displayname></prop></set></mkcol>`)
	for uid, c := range cards {
		dav(http.MethodPut, path+uid+".vcf", "text/vcard", c)
	}

	target, err := url.Parse(base)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			rw.Header().Set("WWW-Authenticate", `Bearer realm="crm"`)
			http.Error(rw, "bearer token required", http.StatusUnauthorized)
			return
		}
		r.SetBasicAuth(user, "ignored")
		proxy.ServeHTTP(rw, r)
	}))
	t.Cleanup(front.Close)
	return front.URL + path
}
