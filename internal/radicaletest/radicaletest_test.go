package radicaletest

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCredentialsAreChecked: Radicale takes User only with Password, and a Gateway only
// the tokens it was told or its check accepts; nothing else reaches the cards.
func TestCredentialsAreChecked(t *testing.T) {
	s := Start(t)
	book := s.MkBook(t, "crm")
	s.Put(t, book, "ann", Card("ann", "Ann Example"))

	get := func(url, user, pass, bearer string) int {
		req, err := http.NewRequest(http.MethodGet, url+book+"ann.vcf", nil)
		require.NoError(t, err)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusOK, get(s.URL, User, Password, ""))
	assert.Equal(t, http.StatusUnauthorized, get(s.URL, User, "wrong", ""), "Radicale checks the password")
	assert.Equal(t, http.StatusUnauthorized, get(s.URL, "", "", ""))

	g := NewGateway(t, s, "told")
	assert.Equal(t, http.StatusOK, get(g.URL, "", "", "told"))
	assert.Equal(t, http.StatusUnauthorized, get(g.URL, "", "", "other"))
	assert.Equal(t, http.StatusUnauthorized, get(g.URL, "", "", ""))
	g.SetTokens()
	assert.Equal(t, http.StatusUnauthorized, get(g.URL, "", "", "told"), "revoked")

	c := NewCheckingGateway(t, s, func(tok string) bool { return tok == "valid-at-the-provider" })
	assert.Equal(t, http.StatusOK, get(c.URL, "", "", "valid-at-the-provider"))
	assert.Equal(t, http.StatusUnauthorized, get(c.URL, "", "", "made-up"))
}
