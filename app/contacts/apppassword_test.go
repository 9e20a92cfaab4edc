package contacts

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/app/apppassword"
)

// fixedPassword is an apppassword.Store that holds one password.
type fixedPassword string

func (p fixedPassword) Get() (string, error) { return string(p), nil }
func (fixedPassword) Set(string) error       { return nil }
func (fixedPassword) Delete() error          { return nil }

// TestRedirectElsewhereGetsNoAppPassword: with "auth": "password", a redirect to another
// origin gets no request either, so no Basic app password (issue 9 point 4).
func TestRedirectElsewhereGetsNoAppPassword(t *testing.T) {
	evil := &recorder{}
	evilSrv := httptest.NewServer(evil)
	defer evilSrv.Close()
	dav := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := r.BasicAuth(); !ok {
			http.Error(w, "no auth", http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, evilSrv.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer dav.Close()
	url := dav.URL + "/dav/book/"
	source := apppassword.NewSource(fixedPassword("app-pass-s3cret"), func(context.Context) (string, error) { return "app-pass-s3cret", nil })
	hc, err := NewClient(url, &apppassword.Transport{User: func() string { return "ann" }, Source: source, Server: url})
	require.NoError(t, err)
	b := New(Config{URL: url, ServiceName: "TestCRM"}, hc, nil)
	_, err = b.HandleContacts(context.Background(), []byte(`{"page":1}`))
	require.Error(t, err)
	assert.Empty(t, evil.seen(), "the other origin got requests (and so the app password)")
}
