package webview

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pageServer serves /start (a redirect to /page) and /page, whose script writes into its URL
// hash what it sees: the mark of a page script (AddPageScript) and which message handlers
// the page can reach.
func pageServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/start", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/page", http.StatusFound)
	})
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!DOCTYPE html><title>page</title><script>
try { localStorage.setItem("webview-test", location.href); } catch (e) {}
var h = (window.webkit && window.webkit.messageHandlers) || {};
location.hash = "init=" + window.__init + "&external=" + typeof h.external + "&host=" + typeof h.embeddableTray;
</script>`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestNavigatePageScript(t *testing.T) {
	ui := needUI(t)
	srv := pageServer(t)
	w, err := ui.NewWindow(Options{Title: "page script"})
	require.NoError(t, err)
	t.Cleanup(w.Close)

	navs := make(chan string, 32)
	w.OnNavigate(send(navs))
	w.AddPageScript(`window.__init = "ran";`)
	w.Navigate(srv.URL + "/start")

	// The page sees the page script's mark and neither webview_go's handler nor the host's.
	want := srv.URL + "/page#init=ran&external=undefined&host=undefined"
	for uri := receive(t, navs, "OnNavigate"); uri != want; uri = receive(t, navs, "OnNavigate of "+want) {
		t.Logf("navigated: %s", uri)
	}
}

func TestMainWindowCloseHidesAndLoopGoesOn(t *testing.T) {
	ui := needUI(t)
	w := ui.Main()
	vis := make(chan bool, 8)
	w.OnVisibilityChange(send(vis))
	t.Cleanup(func() { w.OnVisibilityChange(nil) })

	w.Show()
	require.Eventually(t, w.Visible, 10*time.Second, 10*time.Millisecond, "Show")

	// The title-bar path: a delete event, as the window manager's close button sends.
	onUI(t, func() { gtkOf(w).requestClose() })
	require.Eventually(t, func() bool { return !w.Visible() }, 10*time.Second, 10*time.Millisecond, "closing hides")
	assert.False(t, receive(t, drainUntil(vis, false), "visibility false"))

	alive := false
	onUI(t, func() { alive = gtkOf(w) != nil })
	assert.True(t, alive, "the main window still exists and the loop still runs")

	w.Show()
	require.Eventually(t, w.Visible, 10*time.Second, 10*time.Millisecond, "shown again")

	// OnClose replaces the default: the window stays, the callback decides.
	closes := make(chan struct{}, 1)
	w.OnClose(func() { send(closes)(struct{}{}) })
	t.Cleanup(func() { w.OnClose(nil) })
	onUI(t, func() { gtkOf(w).requestClose() })
	receive(t, closes, "OnClose")
	onUI(t, func() {})
	assert.True(t, w.Visible(), "with OnClose set, closing does not hide by itself")

	w.Close() // the main window: hidden, not destroyed
	require.Eventually(t, func() bool { return !w.Visible() }, 10*time.Second, 10*time.Millisecond, "Close hides the main window")
	onUI(t, func() { alive = gtkOf(w) != nil })
	assert.True(t, alive)
}

// drainUntil returns a channel that yields the first value equal to want read from ch.
func drainUntil(ch chan bool, want bool) chan bool {
	out := make(chan bool, 1)
	go func() {
		for v := range ch {
			if v == want {
				out <- v
				return
			}
		}
	}()
	return out
}

func TestSecondaryWindowClosedByHand(t *testing.T) {
	ui := needUI(t)
	srv := pageServer(t)
	w, err := ui.NewWindow(Options{Title: "sign-in", Width: 320, Height: 400})
	require.NoError(t, err)

	closed := make(chan struct{}, 1)
	w.OnClose(func() { send(closed)(struct{}{}) })
	navs := make(chan string, 32)
	w.OnNavigate(send(navs))
	w.Navigate(srv.URL + "/page")

	// A window nobody gave scripts or a handler: the page finds none.
	want := srv.URL + "/page#init=undefined&external=undefined&host=undefined"
	for uri := receive(t, navs, "OnNavigate"); uri != want; uri = receive(t, navs, "OnNavigate of "+want) {
	}
	require.Eventually(t, w.Visible, 10*time.Second, 10*time.Millisecond, "a new window is shown")

	onUI(t, func() { gtkOf(w).requestClose() })
	receive(t, closed, "OnClose of the secondary window")
	assert.False(t, w.Visible())

	require.Eventually(t, func() bool {
		gone := false
		onUI(t, func() { gone = w.nat == nil })
		return gone
	}, 10*time.Second, 10*time.Millisecond, "the window is destroyed")
	var mainAlive bool
	onUI(t, func() { mainAlive = gtkOf(ui.Main()) != nil })
	assert.True(t, mainAlive, "the loop runs on with the main window")

	// A closed window ignores further calls.
	w.Navigate(srv.URL + "/page")
	w.Show()
	w.Close()
	onUI(t, func() {})
	assert.False(t, w.Visible())
}

func TestSecondaryWindowCloseDoesNotCallOnClose(t *testing.T) {
	ui := needUI(t)
	w, err := ui.NewWindow(Options{Title: "login"})
	require.NoError(t, err)
	called := make(chan struct{}, 1)
	w.OnClose(func() { send(called)(struct{}{}) })
	require.Eventually(t, w.Visible, 10*time.Second, 10*time.Millisecond)
	w.Close()
	require.Eventually(t, func() bool { return !w.Visible() }, 10*time.Second, 10*time.Millisecond)
	onUI(t, func() {})
	select {
	case <-called:
		t.Fatal("Close called OnClose")
	default:
	}
}

func TestLoadFailed(t *testing.T) {
	ui := needUI(t)
	w, err := ui.NewWindow(Options{Title: "offline", Hidden: true})
	require.NoError(t, err)
	t.Cleanup(w.Close)
	type failure struct {
		uri string
		err error
	}
	fails := make(chan failure, 4)
	w.OnLoadFailed(func(uri string, err error) { send(fails)(failure{uri, err}) })

	// A port nothing listens on: WebKit's own "load-failed".
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	refused := "http://" + l.Addr().String() + "/"
	require.NoError(t, l.Close())
	// Port 1: WebKit refuses it without a signal; Navigate reports it.
	for _, uri := range []string{refused, "http://127.0.0.1:1/"} {
		w.Navigate(uri)
		f := receive(t, fails, "OnLoadFailed for "+uri)
		assert.Equal(t, uri, f.uri)
		var le *LoadError
		require.True(t, errors.As(f.err, &le), "a *LoadError, got %T", f.err)
		assert.False(t, le.Cancelled())
		assert.NotEmpty(t, le.Error())
		t.Logf("%s: %s (%s %d)", uri, le.Message, le.Domain, le.Code)
	}
	assert.False(t, w.Visible(), "Hidden keeps the window hidden")
}

func TestCancelledLoadIsNotAFailure(t *testing.T) {
	ui := needUI(t)
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		fmt.Fprint(w, `<!DOCTYPE html><p>ok</p><script>location.hash = "loaded";</script>`)
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })

	w, err := ui.NewWindow(Options{Title: "cancel", Hidden: true})
	require.NoError(t, err)
	t.Cleanup(w.Close)
	fails := make(chan string, 4)
	w.OnLoadFailed(func(uri string, err error) { send(fails)(uri + " " + err.Error()) })
	navs := make(chan string, 32)
	w.OnNavigate(send(navs))

	w.Navigate(slow.URL + "/slow")
	for uri := receive(t, navs, "the slow load starting"); uri != slow.URL+"/slow"; uri = receive(t, navs, "the slow load") {
	}
	w.Navigate(slow.URL + "/fast") // supersedes the slow load: WebKit cancels it
	// The fast load has taken over once its URI is the view's (WebKit cancelled the slow
	// one by then); its script running is not needed for that, and under load it can lag.
	for uri := receive(t, navs, "the fast load"); !strings.HasPrefix(uri, slow.URL+"/fast"); uri = receive(t, navs, "the fast load") {
	}
	onUI(t, func() {})
	select {
	case f := <-fails:
		t.Fatalf("a superseded load was reported as failed: %s", f)
	default:
	}
}

func TestMemorySettingsAndNames(t *testing.T) {
	ui := needUI(t)
	w, err := ui.NewWindow(Options{Title: "settings"})
	require.NoError(t, err)
	t.Cleanup(w.Close)
	require.Eventually(t, w.Visible, 10*time.Second, 10*time.Millisecond)

	var mainNever, secondNever bool
	var prg, dataDir string
	var dataErr error
	var xid uint64
	onUI(t, func() {
		mainNever = gtkOf(ui.Main()).hardwareAccelerationNever()
		secondNever = gtkOf(w).hardwareAccelerationNever()
		prg = programName()
		dataDir, dataErr = ui.DataDir()
		xid = gtkOf(w).xid()
	})
	assert.True(t, mainNever, "main window: hardware acceleration NEVER")
	assert.True(t, secondNever, "secondary window: hardware acceleration NEVER")
	assert.Equal(t, DefaultProgramName, prg)
	require.NoError(t, dataErr, "website data must persist")
	assert.Equal(t, filepath.Join(testDataDir, DefaultProgramName), dataDir)

	// A page's localStorage lands in that directory (WebKit writes it a moment later).
	srv := pageServer(t)
	w.Navigate(srv.URL + "/page")
	require.Eventually(t, func() bool {
		found := false
		_ = filepath.WalkDir(dataDir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.Contains(strings.ToLower(p), "localstorage") {
				found = true
			}
			return nil
		})
		return found
	}, 15*time.Second, 50*time.Millisecond, "no localStorage file under %s", dataDir)

	if _, err := exec.LookPath("xprop"); err != nil || os.Getenv("DISPLAY") == "" || xid == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI: need xprop and an X11 display to check WM_CLASS (xprop: %v)", err)
		}
		t.Skip("WM_CLASS not checked: needs xprop (x11-utils) and an X11 display")
	}
	out, err := exec.Command("xprop", "-id", fmt.Sprint(xid), "WM_CLASS").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, strings.ToLower(string(out)), `"embeddable-tray"`, "WM_CLASS: %s", out)
	t.Logf("%s", strings.TrimSpace(string(out)))
}
