// Package loopback is the project's one answer to "is this this machine?", and the one way
// it serves HTTP on loopback: with read, write and idle timeouts and a connection cap that
// an idle-connection flood cannot use to lock real requests out.
package loopback

import (
	"net"
	"net/url"
	"strings"
)

// IsHost reports whether host (a name or IP literal, without port or brackets) names this
// machine: "localhost" or a loopback IP (127.0.0.0/8, ::1).
func IsHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Secure reports whether a secret may travel to u: https, or plain http to this machine
// (a local server, tests). Anything else crosses a network in the clear.
func Secure(u *url.URL) bool {
	if u == nil || u.Host == "" {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return true
	case "http":
		return IsHost(u.Hostname())
	}
	return false
}
