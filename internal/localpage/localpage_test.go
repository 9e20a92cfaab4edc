package localpage

import (
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/assets"
)

var testPage = Parse("test", `<!DOCTYPE html><style>{{pageCSS}}</style><h1>{{.}}</h1>`)

// TestServeAndClose serves a page on loopback, checks the locked-down headers and the
// shared stylesheet, then checks Close really stops the listener.
func TestServeAndClose(t *testing.T) {
	var handlerAddr string
	s, err := Listen(func(addr string) http.Handler {
		handlerAddr = addr
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			Write(w, http.StatusTeapot, testPage, "<b>hi</b>")
		})
	}, nil)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(s.Addr, "127.0.0.1:"), s.Addr)
	assert.Equal(t, s.Addr, handlerAddr, "the handler is made for the listener's address")

	resp, err := http.Get("http://" + s.Addr + "/")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, resp.Body.Close())
	require.NoError(t, err)
	assert.Equal(t, http.StatusTeapot, resp.StatusCode)
	for k, want := range map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Cache-Control":           "no-store",
		"Referrer-Policy":         "same-origin",
		"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
	} {
		assert.Equal(t, want, resp.Header.Get(k), k)
	}
	assert.Contains(t, string(body), string(assets.PageCSS), "the shared stylesheet, verbatim")
	assert.Contains(t, string(body), "<h1>&lt;b&gt;hi&lt;/b&gt;</h1>", "data is escaped")

	require.NoError(t, s.Close())
	_, err = http.Get("http://" + s.Addr + "/")
	require.Error(t, err, "the listener is closed")
}

func TestWriteBrokenTemplate(t *testing.T) {
	broken := template.Must(template.New("b").Parse(`{{.Missing}}`))
	rec := httptest.NewRecorder()
	Write(rec, http.StatusOK, broken, 42)
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.NotContains(t, rec.Header().Get("Content-Type"), "text/html")
}
