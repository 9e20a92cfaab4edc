package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/bridge"
	"github.com/embeddable-tray/embeddable-tray/e2e/apptest"
)

// TestRegistrationCarriesTheTrueState: the widget keeps the service's `authorized` in the
// page's memory only (PROTOCOL.md), so the app registers its true state on every page load.
// After a reload, and after the widget's own RingCentral logout and login on the same page,
// the widget must still know that the user is signed in, and as whom.
func TestRegistrationCarriesTheTrueState(t *testing.T) {
	ctx, w, cfg := setup(t)
	startOIDC(t, &cfg)
	apptest.Launch(t, cfg)
	registration(ctx, t, w, 0)
	_, err := w.Request(ctx, "/authorize", map[string]any{"authorized": false})
	require.NoError(t, err)
	account := authStatus(ctx, t, w, 0, true)
	require.NotEmpty(t, account)

	reload, err := w.Reload(ctx)
	require.NoError(t, err)
	_, s, _ := registration(ctx, t, w, reload.Seq)
	assert.True(t, s.Authorized, "the reloaded widget is told it is authorized")
	assert.Equal(t, account, s.AuthorizedAccount)

	// The widget's RingCentral logout and login, on the same page.
	seq := w.Seq()
	w.Post(map[string]any{"type": bridge.TypeLoginStatus, "loggedIn": false})
	w.Post(map[string]any{"type": bridge.TypeLoginStatus, "loggedIn": true})
	_, err = w.Request(ctx, "/no-such-path", map[string]any{}) // answered after both notices were handled
	require.NoError(t, err)
	for _, r := range w.Reports() {
		if r.Seq <= seq {
			continue
		}
		var on bool
		switch r.Type {
		case bridge.TypeRegisterService:
			var svc bridge.Service
			require.True(t, r.Field("service", &svc))
			assert.True(t, svc.Authorized, "a registration after the RingCentral login says authorized")
		case bridge.TypeUpdateAuthorization:
			require.True(t, r.Field("authorized", &on))
			assert.True(t, on, "no update takes the authorization away")
		}
	}
	_, s, _ = registration(ctx, t, w, reload.Seq)
	assert.True(t, s.Authorized)
}
