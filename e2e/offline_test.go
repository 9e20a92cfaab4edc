package e2e

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/app/config"
	"github.com/embeddable-tray/embeddable-tray/e2e/apptest"
)

// TestOfflineThenBack: the widget's server is down when the app starts, so the main window
// shows the offline page and the app says why; once the server is up, the app loads the widget
// by itself and the widget gets its registration. With the generic navigation path
// (-tags genericnav, `make test` runs this test that way too) the offline page comes from the
// widget never announcing itself within widget.startTimeout, with no help from WebKit.
func TestOfflineThenBack(t *testing.T) {
	ctx, w, cfg := setup(t)
	// A port nobody listens on yet: the widget's origin for this test.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	origin := "http://" + addr
	cfg.Widget.URL = origin + "/app.html"
	cfg.Widget.Params["redirectUri"] = origin + "/redirect.html"
	cfg.Widget.StartTimeout = config.Duration(3 * time.Second)

	a := apptest.Launch(t, cfg)
	require.NoError(t, a.WaitLog(ctx, "the widget could not be loaded; retrying"), "no offline page")
	generic := strings.Contains(a.Log(), "navigation=generic")
	t.Logf("navigation path: generic=%v", generic)
	if generic {
		assert.Contains(t, a.Log(), "did not start within 3s", "the generic path: the widget never announced itself")
	}
	assert.NotContains(t, a.Log(), "the widget is reachable again", "it was not")

	// The server comes up on that origin (the stand-in's pages and reports).
	ln, err = net.Listen("tcp", addr)
	require.NoError(t, err, "the port was taken meanwhile")
	srv := &http.Server{Handler: w.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	require.NoError(t, a.WaitLog(ctx, "the widget is reachable again"))
	r, _, _ := registration(ctx, t, w, 0)
	assert.Equal(t, origin, r.Origin, "the widget loaded from the origin that was down")
}
