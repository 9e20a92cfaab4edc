package bridge

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/embeddable-tray/embeddable-tray/assets"
)

// HostScript renders the host script (assets/host.js) for the widget at origin; maxSize is
// the largest envelope it sends (0 means DefaultMaxSize). Every value is written as a JSON
// literal, which is a valid JS literal: quotes, "<", line separators and the like in a value
// cannot break out of it. Inject it with webview's AddHostScript, in the app's isolated world.
func HostScript(origin string, maxSize int) string {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	return strings.NewReplacer(
		`/*ORIGIN*/""`, jsLiteral(origin),
		`/*HOST_TYPES*/[]`, jsLiteral(OutboundTypes()),
		`/*MAX_SIZE*/0`, strconv.Itoa(maxSize),
	).Replace(assets.HostJS)
}

// PostScript is the JS, evaluated in the host script's world, that posts msg (JSON from
// Encode) to the widget page of the load whose secret it is, with the host world's own
// window.postMessage and the widget's origin as target, never "*".
func PostScript(secret string, msg []byte) string { return hostCall("post", secret, msg) }

// RTCScript is the JS, evaluated in the host script's world, that sends data (one JSON
// object) to the calling shim's port of the page load whose secret it is.
func RTCScript(secret string, data []byte) string { return hostCall("rtc", secret, data) }

func hostCall(fn, secret string, msg []byte) string {
	var b strings.Builder
	b.Grow(len(msg) + len(secret) + 64)
	b.WriteString("window.embeddableTrayHost && window.embeddableTrayHost.")
	b.WriteString(fn)
	b.WriteString("(")
	b.WriteString(jsLiteral(secret))
	b.WriteString(", ")
	b.Write(msg)
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
