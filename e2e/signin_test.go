package e2e

// Issue 3: signing in to the CRM from the widget's Authorize button, against a real OIDC
// provider (mockoidc) on loopback, and the tray and widget agreeing on the state.

import (
	"path/filepath"
	"testing"

	"github.com/oauth2-proxy/mockoidc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/bridge"
	"github.com/embeddable-tray/embeddable-tray/e2e/apptest"
	"github.com/embeddable-tray/embeddable-tray/e2e/standin"
)

func TestSignInFromWidget(t *testing.T) {
	ctx, w, cfg := setup(t)
	startOIDC(t, &cfg)
	d := startDesktop(t)
	a := apptest.Launch(t, cfg)
	bus := d.item(ctx, t)
	_, s, _ := registration(ctx, t, w, 0)
	require.False(t, s.Authorized)
	d.waitLabel(ctx, t, bus, "Not signed in to "+displayName)
	account := mockoidc.DefaultUser().Email

	// The widget's Authorize button: the app answers and signs in in its own window.
	seq := w.Seq()
	require.NoError(t, w.ClickAuthorize(ctx))
	got := authStatus(ctx, t, w, seq, true)
	assert.Equal(t, account, got)
	d.waitLabel(ctx, t, bus, "Signed in to "+displayName+" as "+account)
	require.NoError(t, w.Show(ctx, "settings"))
	screenshot(t, "main-window-signed-in")

	// Restart: the first registration already says authorized, with the account.
	seq = w.Seq()
	a.Restart(t)
	bus = d.item(ctx, t)
	_, s, _ = registration(ctx, t, w, seq)
	assert.True(t, s.Authorized, "the sign-in survives a restart")
	assert.Equal(t, account, s.AuthorizedAccount)
	d.waitLabel(ctx, t, bus, "Signed in to "+displayName+" as "+account)

	// The tray's Sign out reaches the widget.
	seq = w.Seq()
	d.click(ctx, t, bus, "Sign out of "+displayName)
	authStatus(ctx, t, w, seq, false)
	d.waitLabel(ctx, t, bus, "Not signed in to "+displayName)

	// Sign in again from the widget, then its Unauthorize reaches the tray.
	seq = w.Seq()
	require.NoError(t, w.ClickAuthorize(ctx))
	authStatus(ctx, t, w, seq, true)
	d.waitLabel(ctx, t, bus, "Signed in to "+displayName)
	seq = w.Seq()
	require.NoError(t, w.ClickAuthorize(ctx))
	authStatus(ctx, t, w, seq, false)
	d.waitLabel(ctx, t, bus, "Not signed in to "+displayName)
}

// TestSignInWindowAnswersWidgetInTime: with the app's demo provider the sign-in window waits for
// the user. The widget ignores /authorize's answer and gives up after 3 s, so the app answers
// at once (no wait for an outcome that could race the widget's timeout on a loaded machine)
// and shows the outcome itself; closing the window ends signed out.
func TestSignInWindowAnswersWidgetInTime(t *testing.T) {
	ctx, w, cfg := setup(t)
	apptest.RequireSession(t, "xdotool")
	d := startDesktop(t)
	a := apptest.Launch(t, cfg) // no "oauth": the demo provider
	bus := d.item(ctx, t)
	registration(ctx, t, w, 0)

	seq := w.Seq()
	require.NoError(t, w.ClickAuthorize(ctx))
	// Screenshot of the sign-in window once its page has painted.
	shot := filepath.Join(screenshotDir(t), "signin-window.png")
	signin := secondWindow(ctx, t, a, shot)
	t.Logf("screenshot: %s", shot)
	r, err := w.WaitFor(ctx, standin.After(seq, func(r standin.Report) bool {
		return (r.Kind == standin.KindResponse || r.Kind == standin.KindTimeout) && r.Path == "/authorize"
	}))
	require.NoError(t, err)
	assert.Equal(t, standin.KindResponse, r.Kind, "the widget timed out on /authorize while the sign-in window was open")

	require.NoError(t, apptest.CloseWindow(signin))
	d.waitLabel(ctx, t, bus, "Not signed in to "+displayName)
	for _, r := range w.Reports() {
		var on bool
		if standin.IsMessage(bridge.TypeUpdateAuthorization)(r) && r.Field("authorized", &on) {
			assert.False(t, on, "closing the sign-in window must not sign in")
		}
	}
}
