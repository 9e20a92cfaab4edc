package apptest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/embeddable-tray/embeddable-tray/internal/realpart"
)

var (
	binPath  string // the binary under test, set by Main
	binErr   error  // why there is none
	builtDir string // a temporary directory Main built into
)

// Main finds the binary under test, runs the tests and cleans up; call it from TestMain.
// The binary is $EMBEDDABLE_TRAY_BIN when set (make test-go builds it first), else it is built
// once here from the module root, with the same PKG_CONFIG_PATH shim as make build.
func Main(m *testing.M) {
	binPath, binErr = findOrBuild()
	code := m.Run()
	if builtDir != "" {
		_ = os.RemoveAll(builtDir)
	}
	os.Exit(code)
}

func findOrBuild() (string, error) {
	if p := os.Getenv("EMBEDDABLE_TRAY_BIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("EMBEDDABLE_TRAY_BIN: %w", err)
		}
		return p, nil
	}
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the module root: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	builtDir, err = os.MkdirTemp("", "et-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(builtDir, "embeddable-tray")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1",
		"PKG_CONFIG_PATH="+filepath.Join(root, "packaging", "linux", "pkgconfig")+":"+os.Getenv("PKG_CONFIG_PATH"))
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build the app in %s: %v\n%s", root, err, msg)
	}
	return bin, nil
}

// Binary is the path of the binary under test. Without Main in TestMain it is
// $EMBEDDABLE_TRAY_BIN or the test fails.
func Binary(t testing.TB) string {
	t.Helper()
	if binPath == "" && binErr == nil {
		binPath, binErr = os.Getenv("EMBEDDABLE_TRAY_BIN"), nil
		if binPath == "" {
			binErr = fmt.Errorf("no binary: call apptest.Main from TestMain or set EMBEDDABLE_TRAY_BIN")
		}
	}
	if binErr != nil {
		t.Fatalf("apptest: %v", binErr)
	}
	return binPath
}

// RequireSession skips (or, in CI, fails) a test that needs a display and a session bus, and
// one that needs a tool (xdotool, import, ...) that is not installed.
func RequireSession(t testing.TB, tools ...string) {
	t.Helper()
	if os.Getenv("DISPLAY") == "" {
		realpart.Missing(t, "DISPLAY is not set: run under xvfb-run -a dbus-run-session (make test)")
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		realpart.Missing(t, "DBUS_SESSION_BUS_ADDRESS is not set: run under dbus-run-session (make test)")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			realpart.Missing(t, tool+" is not installed (make deps-test)")
		}
	}
}

// Screenshot saves the whole X screen (DISPLAY) as a PNG with ImageMagick's import.
func Screenshot(t testing.TB, path string) {
	t.Helper()
	if _, err := exec.LookPath("import"); err != nil {
		realpart.Missing(t, "ImageMagick's import is not installed: no screenshot")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if out, err := exec.Command("import", "-window", "root", path).CombinedOutput(); err != nil {
		t.Fatalf("screenshot %s: %v\n%s", path, err, out)
	}
	t.Logf("screenshot: %s", path)
}

// ScreenshotWindow saves one X window as a PNG and returns how many colours it has, so a test
// can wait until a freshly opened page has painted (a blank window has one or two).
func ScreenshotWindow(w XWindow, path string) (colors int, err error) {
	if out, err := exec.Command("import", "-window", fmt.Sprint(w.ID), path).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("screenshot of window %q: %v: %s", w.Name, err, out)
	}
	out, err := exec.Command("identify", "-format", "%k", path).Output()
	if err != nil {
		return 0, fmt.Errorf("count colours of %s: %w", path, err)
	}
	_, err = fmt.Sscan(string(out), &colors)
	return colors, err
}
