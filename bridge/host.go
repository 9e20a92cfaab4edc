package bridge

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/embeddable-tray/embeddable-tray/assets"
)

// HostScript renders the host script (assets/host.js) for the widget at origin, the
// per-launch secret, and the name of the bound Go function (whose body is Conn.Receive).
// Every value is written as a JSON literal, which is a valid JS literal: quotes, "<",
// line separators and the like in a value cannot break out of it.
func HostScript(origin, secret, binding string) string {
	return strings.NewReplacer(
		`/*ORIGIN*/""`, jsLiteral(origin),
		`/*SECRET*/""`, jsLiteral(secret),
		`/*BINDING*/""`, jsLiteral(binding),
		`/*HOST_TYPES*/[]`, jsLiteral(OutboundTypes()),
	).Replace(assets.HostJS)
}

// PostScript is the JS that posts msg (JSON from Encode) to the widget page:
// window.postMessage(msg, origin), with the widget's origin as target, never "*", so
// the message is not delivered if the window shows another origin by then.
func PostScript(origin string, msg []byte) string {
	var b strings.Builder
	b.Grow(len(msg) + len(origin) + 24)
	b.WriteString("window.postMessage(")
	b.Write(msg)
	b.WriteString(", ")
	b.WriteString(jsLiteral(origin))
	b.WriteString(");")
	return b.String()
}

// jsLiteral writes v as JSON, which escapes everything a JS string literal needs
// (and "<", ">", "&", U+2028, U+2029 as well).
func jsLiteral(v any) string {
	b, err := json.Marshal(v)
	if err != nil { // strings and []string always marshal
		panic("bridge: " + err.Error())
	}
	return string(b)
}

// NewSecret returns a fresh per-launch secret for the host script: 32 random bytes, hex.
func NewSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil { // crypto/rand does not fail on supported systems
		panic("bridge: no randomness for the host secret: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}
