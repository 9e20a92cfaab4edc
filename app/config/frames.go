package config

import (
	"fmt"
	"net/url"
	"strings"
)

// DefaultFrameOrigins is widget.frameOrigins when the config names none: RingCentral's own
// sites. The widget obeys any frame in its window (PROTOCOL.md, Transport), so only these
// may load in it.
var DefaultFrameOrigins = []string{"https://*.ringcentral.com"}

// validFrameOrigins checks widget.frameOrigins: each an origin, scheme://host[:port], whose
// host may start with "*." for every subdomain.
func validFrameOrigins(patterns []string) error {
	for _, p := range patterns {
		if _, _, _, err := parseOriginPattern(p); err != nil {
			return err
		}
	}
	return nil
}

func parseOriginPattern(p string) (scheme, host string, any bool, err error) {
	u, perr := url.Parse(p)
	bad := perr != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != ""
	if bad {
		return "", "", false, fmt.Errorf("widget.frameOrigins: %q is not an origin such as \"https://*.example.com\" or \"https://app.example.com:8443\"", p)
	}
	host = strings.ToLower(u.Host)
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		if rest == "" || strings.Contains(rest, "*") {
			return "", "", false, fmt.Errorf("widget.frameOrigins: %q: \"*.\" needs a domain after it", p)
		}
		return u.Scheme, rest, true, nil
	}
	if strings.Contains(host, "*") {
		return "", "", false, fmt.Errorf("widget.frameOrigins: %q: a wildcard may only start the host (\"*.example.com\")", p)
	}
	return u.Scheme, host, false, nil
}

// AllowsFrame reports whether a frame of the widget's page may load the document at uri:
// a document at the widget's origin or at one of widget.frameOrigins (default
// DefaultFrameOrigins) over http(s), or one with no network origin of its own (about:blank,
// data:, blob:, which their parent made).
func (c Config) AllowsFrame(uri string) bool {
	u, err := url.Parse(uri)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "about", "data", "blob":
		return true
	case "http", "https":
	default:
		return false
	}
	if sameOriginAs(u, c.WidgetOrigin()) {
		return true
	}
	patterns := c.Widget.FrameOrigins
	if patterns == nil {
		patterns = DefaultFrameOrigins
	}
	for _, p := range patterns {
		scheme, host, any, err := parseOriginPattern(p)
		if err != nil || !strings.EqualFold(u.Scheme, scheme) {
			continue
		}
		h := strings.ToLower(hostPort(u))
		if (!any && h == host) || (any && strings.HasSuffix(h, "."+host)) {
			return true
		}
	}
	return false
}

// AllowsPage reports whether the main window may show a top-level page at uri: one at the
// widget's origin, or about: (the app's own offline page is about:blank). Any other page
// is refused (an http(s) one opens in the system browser instead).
func (c Config) AllowsPage(uri string) bool {
	u, err := url.Parse(uri)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return sameOriginAs(u, c.WidgetOrigin())
	case "about":
		return true
	}
	return false
}

func sameOriginAs(u *url.URL, origin string) bool {
	return strings.EqualFold(u.Scheme+"://"+hostPort(u), origin)
}

// hostPort is u's host as an origin writes it: without the scheme's default port.
func hostPort(u *url.URL) string {
	host := strings.ToLower(u.Host)
	switch strings.ToLower(u.Scheme) {
	case "https":
		return strings.TrimSuffix(host, ":443")
	case "http":
		return strings.TrimSuffix(host, ":80")
	}
	return host
}
