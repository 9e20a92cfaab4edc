// Package weborigin compares URLs by origin (RFC 6454: scheme, host, port), the unit a
// credential is bound to: a token or password for one origin goes to no other.
package weborigin

import (
	"net/url"
	"strings"
)

// Of returns u's origin as a browser writes it (scheme://host[:port], lower case, no
// default port), or "" when u has no scheme or host.
func Of(u *url.URL) string {
	if u == nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host
}

// Same reports whether a and b have the same origin; a URL without one matches nothing.
func Same(a, b *url.URL) bool {
	oa := Of(a)
	return oa != "" && oa == Of(b)
}
