package assets

import _ "embed"

// CallingJS is the page-world calling shim: injected at document start in the top frame
// with AddPageScript, it gives a page without WebRTC a standards-shaped RTCPeerConnection
// and media APIs backed by the Go engine, over the RTC port of CONTRACTS.md §3. It does
// nothing in a view that has WebRTC of its own.
//
//go:embed calling.js
var CallingJS string
