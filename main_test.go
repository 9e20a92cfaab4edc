package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/app"
	"github.com/embeddable-tray/embeddable-tray/app/config"
	"github.com/embeddable-tray/embeddable-tray/app/tokenstore"
	"github.com/embeddable-tray/embeddable-tray/bridge"
)

// fakeWindow is a window that is never drawn.
type fakeWindow struct {
	mu      sync.Mutex
	visible bool
}

func (w *fakeWindow) Navigate(string)               {}
func (w *fakeWindow) SetHTML(string)                {}
func (w *fakeWindow) Show()                         { w.mu.Lock(); w.visible = true; w.mu.Unlock() }
func (w *fakeWindow) Hide()                         { w.mu.Lock(); w.visible = false; w.mu.Unlock() }
func (w *fakeWindow) Visible() bool                 { w.mu.Lock(); defer w.mu.Unlock(); return w.visible }
func (w *fakeWindow) Close()                        {}
func (w *fakeWindow) OnClose(func())                {}
func (w *fakeWindow) OnPageReached(func(string))    {}
func (fakeUI) NewWindow(string) (app.Window, error) { return &fakeWindow{}, nil }
func (fakeUI) Quit()                                {}

type fakeUI struct{}

type fakeNotifier struct{}

func (fakeNotifier) Notify(string, string, func()) error { return nil }

type fakeAutostart struct{ on bool }

func (a *fakeAutostart) Enabled() (bool, error) { return a.on, nil }
func (a *fakeAutostart) Enable(string) error    { a.on = true; return nil }
func (a *fakeAutostart) Disable() error         { a.on = false; return nil }

func testDesktop() desktop {
	return desktop{UI: fakeUI{}, Main: &fakeWindow{}, Store: tokenstore.NewMemory(), Remembered: true,
		Notifier: fakeNotifier{}, Autostart: &fakeAutostart{}}
}

// TestBuildDemo: without service.oauth the app is built on the demo provider, with its
// address book; the config given is not changed (the demo's logo is in the built config),
// and the address book's token comes from the app (no part bound after the fact).
func TestBuildDemo(t *testing.T) {
	cfg := config.Default()
	b, err := build(context.Background(), cfg, testDesktop())
	require.NoError(t, err)
	defer b.close()

	assert.Empty(t, cfg.Service.AuthorizationLogo, "the caller's config is not changed")
	assert.True(t, strings.HasPrefix(b.cfg.Service.AuthorizationLogo, "data:image/png;base64,"))
	assert.True(t, b.svc.demo)

	reg := b.app.Registration()
	assert.Equal(t, b.cfg.Service.AuthorizationLogo, reg.AuthorizationLogo)
	assert.Equal(t, app.ContactsPath, reg.ContactsPath, "the demo's address book is wired")
	assert.False(t, reg.Authorized)

	_, err = b.app.Token()
	require.ErrorIs(t, err, app.ErrNotAuthorized)
	r := bridge.NewRouter()
	b.app.Routes(r)
	resp := r.Serve(context.Background(), bridge.Request{RequestID: "1", Path: app.ContactsPath, Body: json.RawMessage(`{"page":1}`)})
	out, err := json.Marshal(resp)
	require.NoError(t, err)
	assert.Contains(t, string(out), "not authorized", "the book asks the app for a token, and is refused while signed out")
}

// TestBuildKeepsTheConfiguredLogo and the configured service.
func TestBuildKeepsTheConfiguredLogo(t *testing.T) {
	cfg := config.Default()
	cfg.Service.AuthorizationLogo = "https://example.com/logo.png"
	b, err := build(context.Background(), cfg, testDesktop())
	require.NoError(t, err)
	defer b.close()
	assert.Equal(t, "https://example.com/logo.png", b.app.Registration().AuthorizationLogo)
}

// TestBuildWithAppPassword: with "auth": "password" the book is built too, and a 401 from it
// does not sign out (it refuses the app password, not the sign-in).
func TestBuildWithAppPassword(t *testing.T) {
	cfg := config.Default()
	cfg.Service.Contacts = &config.Contacts{CardDAVURL: "http://127.0.0.1:9/dav/", Auth: "password", Username: "ann"}
	b, err := build(context.Background(), cfg, testDesktop())
	require.NoError(t, err)
	defer b.close()
	assert.Equal(t, app.ContactsPath, b.app.Registration().ContactsPath)
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		numbers []string
		wantErr string
	}{
		{"none", nil, nil, ""},
		{"tel", []string{"tel:+1-555-123-4567"}, []string{"+15551234567"}, ""},
		{"callto and flags", []string{"--hidden", "callto://+15550001111"}, []string{"+15550001111"}, ""},
		{"not a link", []string{"https://example.com"}, nil, "is not a tel: or callto: link"},
		{"unknown flag", []string{"--nope"}, nil, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			f, err := parseFlags(tt.args, &stderr)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.numbers, f.numbers)
		})
	}
}

// TestRunBeforeTheDesktop: what run answers before it needs a display.
func TestRunBeforeTheDesktop(t *testing.T) {
	broken := filepath.Join(t.TempDir(), "config.json")
	require.NoError(t, os.WriteFile(broken, []byte("{\n\"service\": {\"name\": \"\"}}"), 0o600))
	tests := []struct {
		name           string
		args           []string
		code           int
		stdout, stderr string
	}{
		{"version", []string{"--version"}, 0, "embeddable-tray " + version + "\n", ""},
		{"help", []string{"-h"}, 0, "", "Usage: embeddable-tray"},
		{"bad link", []string{"mailto:x"}, 2, "", `"mailto:x" is not a tel: or callto: link`},
		{"bad config names file and line", []string{"--config", broken}, 2, "", "config " + broken + ": line 2: service.name must not be empty"},
		{"bad widget url", []string{"--config", filepath.Join(t.TempDir(), "none.json"), "--widget-url", "ftp://x"}, 2, "", "--widget-url: widget.url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			assert.Equal(t, tt.code, run(tt.args, &stdout, &stderr), stderr.String())
			assert.Equal(t, tt.stdout, stdout.String())
			assert.Contains(t, stderr.String(), tt.stderr)
		})
	}
}
