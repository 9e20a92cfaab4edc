//go:build windows

package winsmoke

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/app/config"
	"github.com/embeddable-tray/embeddable-tray/bridge"
	"github.com/embeddable-tray/embeddable-tray/e2e/appenv"
	"github.com/embeddable-tray/embeddable-tray/e2e/standin"
	"github.com/embeddable-tray/embeddable-tray/internal/realpart"
)

const timeout = 3 * time.Minute

// syncBuffer is the app's output, written by exec and read by the test on failure.
type syncBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b = append(s.b, p...)
	return len(p), nil
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.b)
}

// launch starts the exe ($EMBEDDABLE_TRAY_BIN) with cfg and args in directories of its own
// (its config file; XDG_RUNTIME_DIR, which holds its single-instance socket on Windows too;
// LocalAppData, where WebView2 keeps its data).
func launch(t *testing.T, cfg config.Config, args ...string) *launched {
	t.Helper()
	bin := os.Getenv("EMBEDDABLE_TRAY_BIN")
	if bin == "" {
		realpart.Missing(t, "EMBEDDABLE_TRAY_BIN is not set: build the Windows exe first (packaging/windows/build-exe.sh)")
	}
	dirs, err := appenv.New("et-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dirs.Root) })
	path, err := dirs.WriteConfig(cfg)
	require.NoError(t, err)
	var out syncBuffer
	l := &launched{dirs: dirs, bin: bin, config: path, env: append(dirs.Environ(), "LocalAppData="+dirs.CacheHome)}
	cmd := exec.Command(bin, append([]string{"--config", path, "--debug"}, args...)...)
	cmd.Env = l.env
	cmd.Dir = dirs.Home
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // Windows has no SIGTERM to send
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("app output:\n%s", out.String())
		}
	})
	return l
}

// launched is a running app's directories, exe, config file and environment.
type launched struct {
	dirs        appenv.Dirs
	bin, config string
	env         []string
}

// again launches the exe a second time, as a tel: link or a second click would: it hands its
// arguments to the running copy (which shows its window) and exits.
func (l *launched) again(t *testing.T, ctx context.Context, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, l.bin, append([]string{"--config", l.config}, args...)...)
	cmd.Env, cmd.Dir = l.env, l.dirs.Home
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the second launch: %s", out)
}

// TestWindowsSmoke: the widget page loads in WebView2 and registers the service through the
// host channel, /authorize is answered, and the widget's own RingCentral login hands the code
// back from the login window (the generic page report).
func TestWindowsSmoke(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	w := standin.Start(t)
	var hits atomic.Int32
	login := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		back := r.URL.Query().Get("redirect_uri") + "?code=rc-code-123&state=" + url.QueryEscape(r.URL.Query().Get("state"))
		http.Redirect(rw, r, back, http.StatusFound)
	}))
	t.Cleanup(login.Close)

	launch(t, smokeConfig(w))

	r, err := w.WaitFor(ctx, standin.IsMessage(bridge.TypeRegisterService))
	require.NoError(t, err, "the widget got no registration")
	var svc bridge.Service
	require.True(t, r.Field("service", &svc))
	assert.Equal(t, "WinSmoke", svc.Name)
	assert.Equal(t, w.Origin(), r.Origin, "the registration came from the widget's own origin")

	resp, err := w.Request(ctx, "/authorize", map[string]any{"authorized": false})
	require.NoError(t, err)
	assert.JSONEq(t, `{"data":"ok"}`, string(resp))

	_, err = w.WaitFor(ctx, sent(bridge.TypeLoginStatus, `"loggedIn":false`))
	require.NoError(t, err)
	oAuthURI, err := w.StartLogin(ctx, login.URL+"/restapi/oauth/authorize")
	require.NoError(t, err)
	u, err := url.Parse(oAuthURI)
	require.NoError(t, err)
	r, err = w.WaitFor(ctx, standin.IsMessage(bridge.TypeAuthorizationCode))
	require.NoError(t, err, "the login window did not hand the code back")
	var callback string
	require.True(t, r.Field("callbackUri", &callback))
	assert.Equal(t, w.RedirectURL()+"?code=rc-code-123&state="+url.QueryEscape(u.Query().Get("state")), callback)
	assert.Positive(t, hits.Load(), "the login window opened oAuthUri")
	_, err = w.WaitFor(ctx, standin.After(r.Seq, sent(bridge.TypeLoginStatus, `"loggedIn":true`)))
	require.NoError(t, err, "the widget logged in with the verifier it kept")
}

func smokeConfig(w *standin.Widget) config.Config {
	return config.Config{
		// No redirectUri: the app expects the widget's default, redirect.html next to app.html.
		Widget: config.Widget{URL: w.URL(), Params: map[string]string{"clientId": "e2e-client"}},
		Service: config.Service{
			Name:              "WinSmoke",
			DisplayName:       "Test CRM",
			AuthorizedTitle:   "Unauthorize",
			UnauthorizedTitle: "Authorize",
			SignIn:            "window",
			SignInTimeout:     config.Duration(2 * time.Minute),
		},
	}
}

// TestWindowsStartsHiddenWithItsData: started with --hidden (as at login) the app's window is
// never shown, not for a moment, while the widget loads in it and registers; and WebView2 keeps
// the page's data under the app's own directory, <LocalAppData>\embeddable-tray\<exe name>,
// not in webview_go's %APPDATA%\<exe name>.
func TestWindowsStartsHiddenWithItsData(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	w := standin.Start(t)
	shows := watchShows(t)
	app := launch(t, smokeConfig(w), "--hidden")

	_, err := w.WaitFor(ctx, standin.IsMessage(bridge.TypeRegisterService))
	require.NoError(t, err, "the widget got no registration")
	assert.Empty(t, shows.of(appWindowClass), "the hidden app showed its window")
	// The watch sees the window when it is shown: a second launch brings it up.
	app.again(t, ctx)
	require.Eventually(t, func() bool { return len(shows.of(appWindowClass)) > 0 }, timeout, 10*time.Millisecond,
		"the window a second launch brings up was not seen shown")

	folder := filepath.Join(app.dirs.CacheHome, "embeddable-tray", filepath.Base(app.bin))
	fi, err := os.Stat(filepath.Join(folder, "EBWebView"))
	require.NoError(t, err, "WebView2 keeps no data in %s", folder)
	assert.True(t, fi.IsDir())
}

// sent matches the widget's own posts of typ whose message contains substr.
func sent(typ, substr string) func(standin.Report) bool {
	return func(r standin.Report) bool {
		return r.Kind == standin.KindSent && r.Type == typ && strings.Contains(string(r.Message), substr)
	}
}
