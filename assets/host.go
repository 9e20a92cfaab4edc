package assets

import _ "embed"

// HostJS is the host script template injected into the widget's page: it forwards the
// widget's messages to the bound Go function. Render it with bridge.HostScript, which
// fills in the widget origin, the per-launch secret, the binding name and the host's
// own message types; the template alone does nothing.
//
//go:embed host.js
var HostJS string
