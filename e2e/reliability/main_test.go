// Package reliability runs the real embeddable-tray binary under load and faults (issue 5):
// a 10,000-request soak with bad messages mixed in, SIGKILL during a sign-in, a provider
// that is down or never answers, the widget reloading with a request pending, and a config
// file being written while the app starts.
//
// The tests need a display, a session bus and (for the keyring checks) a Secret Service:
// make test runs them under xvfb-run, dbus-run-session and gnome-keyring
// (scripts/test-session.sh). Without a display they skip, unless CI is set.
package reliability

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/embeddable-tray/embeddable-tray/e2e/apptest"
	"github.com/embeddable-tray/embeddable-tray/internal/realpart"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// appID is the app's keyring service (tokenstore: service embeddable-tray, user = the
// configured service's name).
const appID = "embeddable-tray"

// serviceName is unique per test: the keyring is shared by the whole session.
func serviceName(t *testing.T) string {
	return apptest.ServiceName(t, "Rel")
}

func timeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// keyringItems counts the keyring entries the app keeps for the service name, with
// secret-tool (libsecret) against the session's Secret Service.
func keyringItems(t *testing.T, name string) int {
	t.Helper()
	if _, err := exec.LookPath("secret-tool"); err != nil {
		realpart.Missing(t, "secret-tool is not installed (make deps-test)")
	}
	out, err := exec.Command("secret-tool", "search", "--all", "service", appID, "username", name).CombinedOutput()
	if err != nil && len(out) > 0 && !strings.Contains(string(out), "No matching") {
		t.Logf("secret-tool search: %v: %s", err, out)
	}
	n := 0
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "[/") {
			n++
		}
	}
	return n
}

// requireKeyring skips (fails in CI) without a working Secret Service: the keyring checks
// would prove nothing.
func requireKeyring(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("secret-tool"); err != nil {
		realpart.Missing(t, "secret-tool is not installed (make deps-test)")
	}
	probe := exec.Command("secret-tool", "store", "--label", "reliability probe", "service", appID+"-probe", "username", "probe")
	probe.Stdin = strings.NewReader("x")
	if out, err := probe.CombinedOutput(); err != nil {
		realpart.Missing(t, fmt.Sprintf("no unlocked Secret Service on the session bus (run under scripts/test-session.sh): %v %s", err, out))
	}
	_ = exec.Command("secret-tool", "clear", "service", appID+"-probe", "username", "probe").Run()
}

// hangingProvider is an OAuth provider that takes requests and never answers them, until the
// test ends. hits receives the path of each request as it arrives.
func hangingProvider(t *testing.T) (srv *httptest.Server, hits <-chan string) {
	t.Helper()
	ch := make(chan string, 64)
	stop := make(chan struct{})
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case ch <- r.URL.Path:
		default:
		}
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(stop); srv.Close() })
	return srv, ch
}

// refusedURL is a loopback address nothing listens on: connections are refused.
func refusedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// logCount counts the app's log lines containing all of substrs.
func logCount(a *apptest.App, substrs ...string) int {
	n := 0
	for _, line := range strings.Split(a.Log(), "\n") {
		all := true
		for _, s := range substrs {
			all = all && strings.Contains(line, s)
		}
		if all {
			n++
		}
	}
	return n
}
