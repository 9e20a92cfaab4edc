package localpage

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFormSecondPost: a form takes one answer; a second one is refused, not used.
func TestFormSecondPost(t *testing.T) {
	f := Form[string]{
		Template: testPage,
		MaxBody:  1 << 10,
		Blank:    func(Token) any { return "form" },
		Save: func(_ Token, fields url.Values) (string, any, bool) {
			return fields.Get("password"), "saved", true
		},
		CancelledPage: "cancelled",
		Over:          "over",
	}.handler("127.0.0.1:1", "/p", "tok")
	serve := func(form url.Values) int {
		req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/p", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		f.ServeHTTP(rec, req)
		return rec.Code
	}
	assert.Equal(t, http.StatusOK, serve(url.Values{"csrf": {"tok"}, "action": {"save"}, "password": {"first"}}))
	assert.Equal(t, http.StatusGone, serve(url.Values{"csrf": {"tok"}, "action": {"save"}, "password": {"second"}}))
	assert.Equal(t, http.StatusGone, serve(url.Values{"csrf": {"tok"}, "action": {"cancel"}}))
	require.Len(t, f.results, 1)
	assert.Equal(t, formResult[string]{answer: "first"}, <-f.results)
}
