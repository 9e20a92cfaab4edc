// Package redact is the one way a URL is written to a log or an error text: user info (a
// password), the query and the fragment (codes, states, tokens, keys) are dropped, so a
// secret someone put in a configured URL never reaches a log.
package redact

import "net/url"

// URL returns raw as scheme://host/path, with "?…" or "#…" where a query or fragment was
// dropped, and no user info at all.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	query, fragment := u.RawQuery != "" || u.ForceQuery, u.Fragment != ""
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	s := u.String()
	if query {
		s += "?…"
	}
	if fragment {
		s += "#…"
	}
	return s
}
