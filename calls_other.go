//go:build !linux

package main

import (
	"errors"
	"log/slog"
)

// newCallEngine: WebView2 and WKWebView have WebRTC of their own, so the shim stays inert
// there and no engine is built (the engine's codec is cgo libopus, linked on Linux only).
func newCallEngine(func([]byte), *slog.Logger) (callEngine, error) {
	return nil, errors.New("the app's call engine is built for Linux only; this platform's web view calls by itself")
}
