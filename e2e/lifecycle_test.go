package e2e

import (
	"net"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/app/config"
	"github.com/embeddable-tray/embeddable-tray/bridge"
	"github.com/embeddable-tray/embeddable-tray/e2e/apptest"
	"github.com/embeddable-tray/embeddable-tray/e2e/standin"
	"github.com/embeddable-tray/embeddable-tray/internal/desktoptest"
	"github.com/embeddable-tray/embeddable-tray/internal/radicaletest"
)

// TestTraySignIn: the tray's "Sign in to …" signs in, and the widget hears it.
func TestTraySignIn(t *testing.T) {
	ctx, w, cfg := setup(t)
	startOIDC(t, &cfg)
	d := startDesktop(t)
	apptest.Launch(t, cfg)
	bus := d.item(ctx, t)
	registration(ctx, t, w, 0)

	seq := w.Seq()
	d.click(ctx, t, bus, "Sign in to "+displayName)
	authStatus(ctx, t, w, seq, true)
	d.waitLabel(ctx, t, bus, "Signed in to "+displayName+" as ")
}

// TestNoTrayClosingQuits: without a session bus there is no tray to bring a hidden window
// back, so the window's close button quits the app (status 0).
func TestNoTrayClosingQuits(t *testing.T) {
	ctx, w, cfg := setup(t)
	apptest.RequireSession(t, "xdotool")
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/embeddable-tray-test-bus")
	a := apptest.Launch(t, cfg)
	registration(ctx, t, w, 0)
	require.NoError(t, a.WaitLog(ctx, "running without a tray icon"))

	win, err := a.WaitWindow(ctx, mainTitle, true)
	require.NoError(t, err)
	require.NoError(t, apptest.CloseWindow(win))
	code, err := a.Wait(ctx)
	require.NoError(t, err, "closing the window must end the app:\n%s", a.Log())
	assert.Equal(t, 0, code)
}

// TestTelLinkOnFirstLaunch: a tel: link that starts the app reaches the widget's dialer.
func TestTelLinkOnFirstLaunch(t *testing.T) {
	ctx, w, cfg := setup(t)
	apptest.Launch(t, cfg, "tel:+1-555-123-4567")
	r, err := w.WaitFor(ctx, standin.IsMessage(bridge.TypeNewCall))
	require.NoError(t, err)
	var number string
	require.True(t, r.Field("phoneNumber", &number))
	assert.Equal(t, "+15551234567", number)
	assert.Equal(t, w.Origin(), r.Origin)
}

// TestVersion: --version prints the version and exits without a window or a config.
func TestVersion(t *testing.T) {
	out, err := exec.Command(apptest.Binary(t), "--version", "--config", "/nonexistent/config.json").CombinedOutput()
	require.NoError(t, err, "%s", out)
	line := strings.TrimSpace(string(out))
	assert.True(t, strings.HasPrefix(line, "embeddable-tray "), "%q", line)
	assert.NotEqual(t, "embeddable-tray ", line, "with a version")
	assert.NotContains(t, line, "\n", "one line, nothing else")
}

// TestRefusedTokenSignsOut: when the address book's server refuses the app's token (the
// CRM revoked it), the app signs out at once: the widget and the tray say so.
func TestRefusedTokenSignsOut(t *testing.T) {
	ctx, w, cfg := setup(t)
	oidc := startOIDC(t, &cfg)
	d := startDesktop(t)
	dav := radicaletest.Start(t)
	book := dav.MkBook(t, "crm")
	dav.Put(t, book, "ann", radicaletest.Card("ann", "Ann Example", "TEL;TYPE=WORK:+1 201 555 0123"))
	var revoked atomic.Bool
	atProvider := radicaletest.UserinfoCheck(oidc.UserinfoEndpoint())
	g := radicaletest.NewCheckingGateway(t, dav, func(tok string) bool { return !revoked.Load() && atProvider(tok) })
	cfg.Service.Contacts = &config.Contacts{CardDAVURL: g.URL + book, Region: "US"}
	apptest.Launch(t, cfg)
	bus := d.item(ctx, t)
	registration(ctx, t, w, 0)
	seq := w.Seq()
	require.NoError(t, w.ClickAuthorize(ctx))
	authStatus(ctx, t, w, seq, true)
	resp, err := w.Request(ctx, "/contacts", map[string]any{"page": 1})
	require.NoError(t, err)
	require.Contains(t, string(resp), "Ann Example", "the token is accepted first")

	revoked.Store(true)
	seq = w.Seq()
	resp, err = w.Request(ctx, "/contacts", map[string]any{"page": 1, "type": "manual"})
	require.NoError(t, err)
	assertError(t, resp, "")
	authStatus(ctx, t, w, seq, false)
	d.waitLabel(ctx, t, bus, "Not signed in to "+displayName)
	d.waitLabel(ctx, t, bus, displayName+" refused the sign-in")
}

// TestFailedSignInIsShown: the widget ignores /authorize's answer, so a sign-in that fails
// (here the provider refuses connections) is shown by the app itself: a desktop
// notification that says what to do next, and the tray's problem line.
func TestFailedSignInIsShown(t *testing.T) {
	ctx, w, cfg := setup(t)
	d := startDesktop(t)
	notes := desktoptest.StartNotifications(t, d.conn)
	cfg.Service.OAuth = &config.OAuth{Issuer: refusedURL(t), ClientID: "e2e"}
	apptest.Launch(t, cfg)
	bus := d.item(ctx, t)
	registration(ctx, t, w, 0)

	resp, err := w.Request(ctx, "/authorize", map[string]bool{"authorized": false})
	require.NoError(t, err)
	assert.JSONEq(t, `{"data":"ok"}`, string(resp), "answered at once")
	n, err := notes.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, "Sign-in to "+displayName+" failed", n.Summary)
	assert.Contains(t, n.Body, "Sign in in the tray menu", "says what to do next")
	d.waitLabel(ctx, t, bus, "Sign-in is not possible")
	d.waitLabel(ctx, t, bus, "Not signed in to "+displayName)
}

// refusedURL is a loopback address nothing listens on.
func refusedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr
}
