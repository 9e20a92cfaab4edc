package main

import (
	"log/slog"

	"github.com/embeddable-tray/embeddable-tray/calling"
)

// newCallEngine starts the Go media engine behind the calling shim (issue 12): on Linux,
// WebKitGTK is often built without WebRTC, and the engine gives the page one through the
// sound server. It connects to the sound server only when the page first asks for media.
func newCallEngine(send func([]byte), log *slog.Logger) (callEngine, error) {
	return calling.New(calling.Options{Send: send, Logger: log})
}
