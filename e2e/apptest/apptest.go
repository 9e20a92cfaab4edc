// Package apptest runs the real embeddable-tray binary for end-to-end tests: built once,
// started with a config file and its own HOME and XDG directories, its stderr (the slog log)
// captured and searchable, stopped the way a session ends it (SIGTERM).
//
// Each App gets fresh directories so tests do not see each other's localStorage, autostart
// entries or single-instance socket; Restart and Again reuse them, which is how a test checks
// what survives a restart and what a second launch does.
package apptest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/embeddable-tray/embeddable-tray/app/config"
	"github.com/embeddable-tray/embeddable-tray/e2e/appenv"
	"github.com/embeddable-tray/embeddable-tray/e2e/standin"
)

// NewConfig points the app at the stand-in widget and registers a service with every field of
// the seed document. name must be unique per test: the keyring is shared by the whole session.
// The widget's jwt parameter logs it in to RingCentral at start, as a user would have been;
// a test of that login deletes it.
func NewConfig(w *standin.Widget, name string) config.Config {
	return config.Config{
		Widget: config.Widget{URL: w.URL(), Params: map[string]string{"clientId": "e2e-client", "redirectUri": w.RedirectURL(), "jwt": standin.LoginJWT}},
		Service: config.Service{
			Name:              name,
			DisplayName:       "Test CRM",
			Info:              "Contacts and call logging from Test CRM",
			AuthorizedTitle:   "Unauthorize",
			UnauthorizedTitle: "Authorize",
			AuthorizationLogo: "https://example.com/logo.png",
			ShowAuthRedDot:    true,
			SignIn:            "window",
			SignInTimeout:     config.Duration(2 * time.Minute),
		},
	}
}

// ServiceName is a service name unique to this test run, prefix + the test's name + a random
// number: the keyring is shared by the whole session, so tests must not share names.
func ServiceName(t testing.TB, prefix string) string {
	return fmt.Sprintf("%s%s%06d", prefix, nonAlnum.ReplaceAllString(t.Name(), ""), rand.IntN(1000000))
}

var nonAlnum = regexp.MustCompile(`[^A-Za-z0-9]+`)

// Env is the per-app directories. Restart and Again reuse it.
type Env = appenv.Dirs

// NewEnv makes fresh directories (see appenv.New), removed when the test ends.
func NewEnv(t testing.TB) Env {
	t.Helper()
	e, err := appenv.New("et-")
	if err != nil {
		t.Fatalf("apptest: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(e.Root) })
	return e
}

// App is one running process of the binary.
type App struct {
	t      testing.TB
	env    Env
	cfg    config.Config
	config string // path of the config file
	cmd    *exec.Cmd
	done   chan struct{} // closed when the process has exited
	err    error         // the exit status, once done is closed

	mu      sync.Mutex
	log     bytes.Buffer
	changed chan struct{}
}

// Launch starts the binary with cfg, fresh directories and args (after --config). It stops the
// app when the test ends and, if the test failed, logs what the app wrote to stderr.
func Launch(t testing.TB, cfg config.Config, args ...string) *App {
	t.Helper()
	return LaunchEnv(t, NewEnv(t), cfg, args...)
}

// LaunchEnv is Launch in the given directories.
func LaunchEnv(t testing.TB, env Env, cfg config.Config, args ...string) *App {
	t.Helper()
	bin := Binary(t)
	path, err := env.WriteConfig(cfg)
	if err != nil {
		t.Fatalf("apptest: %v", err)
	}
	a := &App{t: t, env: env, cfg: cfg, config: path, done: make(chan struct{}), changed: make(chan struct{})}
	a.cmd = exec.Command(bin, append([]string{"--config", path, "--debug"}, args...)...)
	a.cmd.Env = env.Environ()
	a.cmd.Dir = env.Home
	a.cmd.Stdout = a.writer()
	a.cmd.Stderr = a.writer()
	if err := a.cmd.Start(); err != nil {
		t.Fatalf("apptest: start %s: %v", bin, err)
	}
	go func() {
		a.err = a.cmd.Wait()
		close(a.done)
		a.mu.Lock()
		close(a.changed)
		a.changed = make(chan struct{})
		a.mu.Unlock()
	}()
	t.Cleanup(func() {
		a.Stop()
		if t.Failed() {
			t.Logf("app (pid %d, args %q) output:\n%s", a.PID(), args, a.Log())
		}
	})
	return a
}

type logWriter struct{ a *App }

func (w logWriter) Write(p []byte) (int, error) {
	w.a.mu.Lock()
	defer w.a.mu.Unlock()
	w.a.log.Write(p)
	close(w.a.changed)
	w.a.changed = make(chan struct{})
	return len(p), nil
}

func (a *App) writer() logWriter { return logWriter{a} }

// Env is the app's directories.
func (a *App) Env() Env { return a.env }

// Config is what the app was started with.
func (a *App) Config() config.Config { return a.cfg }

// PID is the process id.
func (a *App) PID() int { return a.cmd.Process.Pid }

// Log is everything the app wrote so far (stderr and stdout).
func (a *App) Log() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.log.String()
}

// WaitLog waits until the app's output contains substr.
func (a *App) WaitLog(ctx context.Context, substr string) error {
	for {
		a.mu.Lock()
		found := strings.Contains(a.log.String(), substr)
		changed := a.changed
		a.mu.Unlock()
		if found {
			return nil
		}
		select {
		case <-changed:
		case <-a.done:
			if strings.Contains(a.Log(), substr) {
				return nil
			}
			return fmt.Errorf("app exited (%v) before logging %q", a.err, substr)
		case <-ctx.Done():
			return fmt.Errorf("app did not log %q: %w", substr, ctx.Err())
		}
	}
}

// Done is closed when the process has exited.
func (a *App) Done() <-chan struct{} { return a.done }

// Wait waits for the process to exit and returns its exit code.
func (a *App) Wait(ctx context.Context) (int, error) {
	select {
	case <-a.done:
		return a.exitCode(), nil
	case <-ctx.Done():
		return -1, fmt.Errorf("app (pid %d) still running: %w", a.PID(), ctx.Err())
	}
}

func (a *App) exitCode() int {
	var ee *exec.ExitError
	if errors.As(a.err, &ee) {
		return ee.ExitCode()
	}
	if a.err != nil {
		return -1
	}
	return 0
}

// stopGrace is how long Stop waits after SIGTERM before killing.
const stopGrace = 10 * time.Second

// Stop sends SIGTERM and waits for the exit (killing after a grace period). It returns the exit
// code, or an error if the app had to be killed. Stopping an exited app returns its exit code.
func (a *App) Stop() (int, error) {
	select {
	case <-a.done:
		return a.exitCode(), nil
	default:
	}
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(context.Background(), stopGrace)
	defer cancel()
	if code, err := a.Wait(ctx); err == nil {
		return code, nil
	}
	a.Kill()
	return -1, fmt.Errorf("app (pid %d) ignored SIGTERM for %v and was killed", a.PID(), stopGrace)
}

// Kill kills the process and waits for it, as a crash would end it.
func (a *App) Kill() {
	_ = a.cmd.Process.Kill()
	<-a.done
}

// Restart stops the app and starts it again in the same directories with the same config.
func (a *App) Restart(t testing.TB, args ...string) *App {
	t.Helper()
	if _, err := a.Stop(); err != nil {
		t.Errorf("apptest: restart: %v", err)
	}
	return LaunchEnv(t, a.env, a.cfg, args...)
}

// Again starts a second process in the same directories with the same config, while this one
// may still be running: what a desktop does when the user opens a tel: link.
func (a *App) Again(t testing.TB, args ...string) *App {
	t.Helper()
	return LaunchEnv(t, a.env, a.cfg, args...)
}
