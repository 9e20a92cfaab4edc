package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/oauth2-proxy/mockoidc"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/app/config"
	"github.com/embeddable-tray/embeddable-tray/bridge"
	"github.com/embeddable-tray/embeddable-tray/e2e/apptest"
	"github.com/embeddable-tray/embeddable-tray/e2e/standin"
	"github.com/embeddable-tray/embeddable-tray/internal/desktoptest"
)

// Names the app shows; the config's displayName is "Test CRM".
const (
	mainTitle   = "Embeddable Tray"
	displayName = "Test CRM"
)

// testTimeout bounds one end-to-end test; the suite's budget is about five minutes.
const testTimeout = 90 * time.Second

// setup checks the session, starts a stand-in widget and returns a config that points the app
// at it with a service name of its own (the keyring is shared by the whole session).
func setup(t *testing.T) (context.Context, *standin.Widget, config.Config) {
	t.Helper()
	apptest.RequireSession(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	w := standin.Start(t)
	return ctx, w, apptest.NewConfig(w, serviceName(t))
}

func serviceName(t *testing.T) string {
	return apptest.ServiceName(t, "E2E")
}

// registration waits for the first registration newer than seq and decodes its service with
// bridge's own type; raw keeps the service object's fields as sent, for checking which are there.
func registration(ctx context.Context, t *testing.T, w *standin.Widget, seq int) (standin.Report, bridge.Service, map[string]json.RawMessage) {
	t.Helper()
	r, err := w.WaitFor(ctx, standin.After(seq, standin.IsMessage(bridge.TypeRegisterService)))
	require.NoError(t, err)
	var raw map[string]json.RawMessage
	require.True(t, r.Field("service", &raw), "registration without service: %s", r.Message)
	var s bridge.Service
	require.True(t, r.Field("service", &s))
	return r, s, raw
}

// authStatus waits for an rc-adapter-update-authorization-status newer than seq with the given
// state and returns its authorizedAccount.
func authStatus(ctx context.Context, t *testing.T, w *standin.Widget, seq int, authorized bool) string {
	t.Helper()
	r, err := w.WaitFor(ctx, standin.After(seq, func(r standin.Report) bool {
		var on bool
		return standin.IsMessage(bridge.TypeUpdateAuthorization)(r) && r.Field("authorized", &on) && on == authorized
	}))
	require.NoError(t, err, "widget did not get authorized=%v", authorized)
	var account string
	r.Field("authorizedAccount", &account)
	return account
}

// desktop is the fake panel and notification daemon on the session bus. It must exist before
// the app starts: the app registers its tray icon once, at start.
type desktop struct {
	conn    *dbus.Conn
	watcher *desktoptest.Watcher
}

func startDesktop(t *testing.T) *desktop {
	t.Helper()
	conn := desktoptest.SessionBus(t)
	return &desktop{conn: conn, watcher: desktoptest.StartWatcher(t, conn)}
}

// item waits for the next tray icon to register and returns its bus name.
func (d *desktop) item(ctx context.Context, t *testing.T) string {
	t.Helper()
	bus, err := d.watcher.WaitItem(ctx)
	require.NoError(t, err, "the app registered no tray icon")
	return bus
}

// waitLabel waits until the tray menu has an entry whose label starts with prefix.
func (d *desktop) waitLabel(ctx context.Context, t *testing.T, bus, prefix string) desktoptest.MenuItem {
	t.Helper()
	it, err := desktoptest.WaitLabel(ctx, d.conn, bus, func(l string) bool { return strings.HasPrefix(l, prefix) })
	require.NoError(t, err)
	return it
}

// click waits for the entry labelled prefix… and clicks it.
func (d *desktop) click(ctx context.Context, t *testing.T, bus, prefix string) {
	t.Helper()
	it := d.waitLabel(ctx, t, bus, prefix)
	require.NoError(t, desktoptest.Click(ctx, d.conn, bus, it.ID), "click %q", it.Label)
}

// startOIDC runs mockoidc on loopback and points cfg's service at it.
func startOIDC(t *testing.T, cfg *config.Config) *mockoidc.MockOIDC {
	t.Helper()
	m, err := mockoidc.Run()
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown() })
	cfg.Service.OAuth = &config.OAuth{
		Issuer:       m.Issuer(),
		AuthorizeURL: m.AuthorizationEndpoint(),
		TokenURL:     m.TokenEndpoint(),
		UserinfoURL:  m.UserinfoEndpoint(),
		ClientID:     m.ClientID,
		ClientSecret: m.ClientSecret,
		Scopes:       []string{"openid", "email", "profile"},
	}
	return m
}

// screenshot saves a screenshot under $E2E_SCREENSHOTS (default: the test's temp dir, which is
// removed), for looking at what the user would see.
func screenshot(t *testing.T, name string) {
	t.Helper()
	apptest.Screenshot(t, filepath.Join(screenshotDir(t), name+".png"))
}

func screenshotDir(t *testing.T) string {
	if dir := os.Getenv("E2E_SCREENSHOTS"); dir != "" {
		return dir
	}
	return t.TempDir()
}

// eventually polls cond until it holds or ctx ends.
func eventually(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %v", what, ctx.Err())
		case <-tick.C:
		}
	}
}

// secondWindow waits for the app's window other than the main one (a sign-in or password
// prompt) to open and paint, and returns it.
func secondWindow(ctx context.Context, t *testing.T, a *apptest.App, shot string) apptest.XWindow {
	t.Helper()
	var win apptest.XWindow
	eventually(ctx, t, "a second window opens", func() bool {
		ws, _ := a.Windows(ctx)
		for _, x := range ws {
			if x.Name != mainTitle {
				win = x
				return true
			}
		}
		return false
	})
	if shot == "" {
		shot = filepath.Join(t.TempDir(), "window.png")
	}
	eventually(ctx, t, "its page paints", func() bool {
		n, err := apptest.ScreenshotWindow(win, shot)
		return err == nil && n > 8
	})
	return win
}
