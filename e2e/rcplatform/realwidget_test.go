//go:build realwidget

// The app against a build of the real widget (WIDGET_DIR) on the stand-in platform: make
// test-real WIDGET_DIR=... (the tag keeps these out of make test, which has no widget build).
package rcplatform_test

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/app/config"
	"github.com/embeddable-tray/embeddable-tray/e2e/apptest"
	"github.com/embeddable-tray/embeddable-tray/e2e/rcplatform"
	"github.com/embeddable-tray/embeddable-tray/e2e/rcsip"
	"github.com/embeddable-tray/embeddable-tray/internal/realpart"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// platform serves WIDGET_DIR where the build expects its API server; with calling also the
// platform's calling side (rcsip: sip-provision, the registrar, a far end) and the test
// driver in the widget's page.
func platform(t *testing.T, calling bool) (*rcplatform.Server, *rcsip.Server) {
	t.Helper()
	dir := os.Getenv("WIDGET_DIR")
	if dir == "" {
		realpart.Missing(t, "WIDGET_DIR is not set: a build of the real widget (see README.md, Performance)")
	}
	p, err := rcplatform.New(rcplatform.Options{WidgetDir: dir, Driver: calling, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	require.NoError(t, err)
	u, err := rcplatform.BuildServer(dir)
	require.NoError(t, err)
	var sip *rcsip.Server
	if calling {
		sip = p.MountCalling(rcsip.Config{Trace: func(m string) { t.Log(m) }}, u.Host)
		t.Cleanup(sip.Close)
	}
	s, err := rcplatform.Listen(u.Host, p)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s, sip
}

func realConfig(t *testing.T, s *rcplatform.Server) config.Config {
	cfg := config.Default()
	cfg.Widget.URL = s.AppURL(nil)
	cfg.Widget.Params = map[string]string{"clientId": "embeddable-tray-e2e", "jwt": rcplatform.DefaultJWT}
	cfg.Service.Name = apptest.ServiceName(t, "Real")
	return cfg
}

func wait(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// TestRealWidgetLogsInAndTheAppRegisters: the widget logs in through its jwt parameter, loads
// its data from the platform, opens its subscription socket, and the app registers the
// third-party service in it.
func TestRealWidgetLogsInAndTheAppRegisters(t *testing.T) {
	apptest.RequireSession(t)
	s, _ := platform(t, false)
	seq := s.Seq()
	app := apptest.Launch(t, realConfig(t, s))

	_, err := s.WaitFor(wait(t, 2*time.Minute), seq, rcplatform.LoggedIn)
	require.NoError(t, err, "the widget never loaded its account")
	require.NoError(t, app.WaitLog(wait(t, time.Minute), "registered the service"))
	_, err = s.WaitFor(wait(t, time.Minute), seq, func(r rcplatform.Request) bool {
		return r.Method == rcplatform.MethodWS && strings.HasPrefix(r.Path, "ClientRequest POST /restapi/v1.0/subscription")
	})
	require.NoError(t, err, "the widget did not subscribe over its socket")

	for _, r := range s.Requests()[seq:] {
		if strings.HasPrefix(r.Path, "/restapi/") && r.Status == http.StatusUnauthorized {
			t.Errorf("the widget was refused: %s %s", r.Method, r.Path)
		}
	}
}

// TestRealWidgetReleaseWhenHiddenKeepsItConnected: hidden a while, the app releases WebKit's
// memory cache; the widget's page is still alive afterwards (its socket keeps working: the
// platform sees its next heartbeat or request).
func TestRealWidgetReleaseWhenHiddenKeepsItConnected(t *testing.T) {
	apptest.RequireSession(t, "xdotool")
	t.Setenv("EMBEDDABLE_TRAY_TUNING", "release=2")
	s, _ := platform(t, false)
	seq := s.Seq()
	app := apptest.Launch(t, realConfig(t, s))
	_, err := s.WaitFor(wait(t, 2*time.Minute), seq, rcplatform.LoggedIn)
	require.NoError(t, err)
	w, err := app.WaitWindow(wait(t, 30*time.Second), "Embeddable Tray", true)
	require.NoError(t, err)
	require.NoError(t, apptest.CloseWindow(w))
	require.NoError(t, app.WaitLog(wait(t, time.Minute), "memory cache released"))

	after := s.Seq()
	_, err = s.WaitFor(wait(t, 3*time.Minute), after, func(r rcplatform.Request) bool {
		return r.Method == rcplatform.MethodWS
	})
	require.NoError(t, err, "the widget's socket went quiet after the release")
}
