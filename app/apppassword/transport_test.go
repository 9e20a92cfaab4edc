package apppassword

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// davServer accepts Basic auth ann / the current good password and records what it saw.
type davServer struct {
	mu   sync.Mutex
	good string
	seen []string // "user:password" per request, "" without auth
}

func (d *davServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, pw, ok := r.BasicAuth()
	d.mu.Lock()
	if ok {
		d.seen = append(d.seen, user+":"+pw)
	} else {
		d.seen = append(d.seen, "")
	}
	good := d.good
	d.mu.Unlock()
	if !ok || user != "ann" || pw != good {
		w.Header().Set("WWW-Authenticate", `Basic realm="dav"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	_, _ = io.WriteString(w, "vcards")
}

func (d *davServer) requests() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.seen...)
}

func get(t *testing.T, c *http.Client, u string) (int, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
	require.NoError(t, err)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestTransportBasicAuthAndForgetOn401(t *testing.T) {
	dav := &davServer{good: "right"}
	srv := httptest.NewServer(dav)
	defer srv.Close()

	store := &memStore{}
	answers := []string{"wrong", "right"}
	var asked int
	s := NewSource(store, func(context.Context) (string, error) {
		asked++
		return answers[asked-1], nil
	})
	c := &http.Client{Transport: &Transport{User: func() string { return "ann" }, Source: s, Server: srv.URL + "/dav/"}}

	// First: the user typed a wrong password; the server says 401, the response comes
	// back as is and the password is forgotten everywhere.
	status, err := get(t, c, srv.URL+"/dav/book/")
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Empty(t, store.stored(), "a refused password leaves the keyring")

	// Next request asks again, and the right password sticks.
	status, err = get(t, c, srv.URL+"/dav/book/")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	status, err = get(t, c, srv.URL+"/dav/book/x.vcf")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, 2, asked)
	assert.Equal(t, "right", store.stored())
	assert.Equal(t, []string{"ann:wrong", "ann:right", "ann:right"}, dav.requests())
}

func TestTransportRefuses(t *testing.T) {
	dav := &davServer{good: "pw"}
	srv := httptest.NewServer(dav)
	defer srv.Close()
	s := NewSource(&memStore{pw: "pw"}, nil)

	tests := []struct {
		name    string
		tr      *Transport
		url     string
		wantErr string
		want    int
	}{
		{"no account", &Transport{User: func() string { return "" }, Source: s, Server: srv.URL},
			srv.URL + "/", "no account name", 0},
		{"plain http to a remote host", &Transport{User: func() string { return "ann" }, Source: s, Server: "http://dav.example.com/"},
			"http://dav.example.com/book/", "over plain http", 0},
		// Another host (a redirect elsewhere) gets no password: the server sees no auth.
		{"other host", &Transport{User: func() string { return "ann" }, Source: s, Server: "http://localhost" + strings.TrimPrefix(srv.URL, "http://127.0.0.1")},
			srv.URL + "/", "", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, err := get(t, &http.Client{Transport: tt.tr}, tt.url)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, status)
		})
	}
	assert.Equal(t, []string{""}, dav.requests(), "the password went nowhere it should not")
	pw, err := s.Password(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "pw", pw, "a 401 from a host the password was not sent to forgets nothing")
}

func TestTransportOurs(t *testing.T) {
	tr := &Transport{Server: "https://dav.example.com/ab/"}
	tests := []struct {
		url  string
		want bool
	}{
		{"https://dav.example.com/other", true},
		{"https://DAV.example.com:443/x", true},
		{"https://p1.dav.example.com/x", false},
		{"https://example.com/x", false},
		{"https://evildav.example.com/x", false},
		{"https://dav.example.com:8443/x", false},
		{"http://dav.example.com/x", false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, tt.url, nil)
			require.NoError(t, err)
			assert.Equal(t, tt.want, tr.ours(req.URL))
		})
	}
}
