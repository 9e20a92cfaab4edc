// Package packaging_test checks the packaging sources that need no build: the version
// mapping, the desktop file, the AppStream metainfo, the man page, the macOS Info.plist,
// the NSIS script and the WiX source (compiled around a placeholder exe), and the icon
// generator. `make package-check` checks the built packages themselves.
package packaging_test

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/embeddable-tray/embeddable-tray/internal/realpart"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireTool skips when a tool is missing, except in CI, where every check must run.
func requireTool(t *testing.T, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := exec.LookPath(name); err != nil {
			realpart.Missing(t, name+" is not installed (scripts/deps.sh test)")
		}
	}
}

// run runs a command in this directory and returns its combined output, failing the
// test with that output when it exits non-zero.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	require.NoError(t, err, "%s %s:\n%s", name, strings.Join(args, " "), out)
	return string(out)
}

func TestVersionMapping(t *testing.T) {
	requireTool(t, "bash")
	tests := []struct {
		in, pkg, win, short string
	}{
		{"v1.2.3", "1.2.3", "1.2.3.0", "1.2.3"},
		{"1.2", "1.2.0", "1.2.0.0", "1.2.0"},
		{"v1.2.3-4-gabc1234", "1.2.3+4.gabc1234", "1.2.3.0", "1.2.3"},
		{"v1.2.3-4-gabc1234-dirty", "1.2.3+4.gabc1234.dirty", "1.2.3.0", "1.2.3"},
		{"v2.0.1-rc.1", "2.0.1~rc.1", "2.0.1.0", "2.0.1"},
		{"abc1234-dirty", "0.0.0+abc1234.dirty", "0.0.0.0", "0.0.0"},
		{"0.0.0-dev", "0.0.0+dev", "0.0.0.0", "0.0.0"},
		{"1.2.3.4", "1.2.3", "1.2.3.4", "1.2.3"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			for mode, want := range map[string]string{"pkg": tt.pkg, "win": tt.win, "short": tt.short} {
				got := strings.TrimSpace(run(t, "./version.sh", mode, tt.in))
				assert.Equal(t, want, got, "version.sh %s %s", mode, tt.in)
			}
		})
	}
}

func TestDesktopFileValid(t *testing.T) {
	requireTool(t, "desktop-file-validate")
	out := run(t, "desktop-file-validate", "linux/embeddable-tray.desktop")
	assert.Empty(t, strings.TrimSpace(out), "desktop-file-validate has remarks")

	b, err := os.ReadFile("linux/embeddable-tray.desktop")
	require.NoError(t, err)
	for _, line := range []string{
		"Exec=embeddable-tray %u",
		"MimeType=x-scheme-handler/tel;x-scheme-handler/callto;",
		"StartupWMClass=embeddable-tray",
		"Icon=embeddable-tray",
	} {
		assert.Contains(t, strings.Split(string(b), "\n"), line)
	}
}

func TestMetainfoValid(t *testing.T) {
	requireTool(t, "appstreamcli")
	run(t, "appstreamcli", "validate", "--no-net", "linux/io.github.embeddable_tray.EmbeddableTray.metainfo.xml")
}

// TestManPageDocumentsEveryFlag keeps the man page in step with main.go's flags.
func TestManPageDocumentsEveryFlag(t *testing.T) {
	b, err := os.ReadFile("linux/embeddable-tray.1")
	require.NoError(t, err)
	page := string(b)
	for _, flag := range []string{`\-\-config`, `\-\-widget\-url`, `\-\-version`, `\-\-help`, `\-\-debug`, `\-\-hidden`, "tel:", "callto:"} {
		assert.Contains(t, page, flag)
	}
	if _, err := exec.LookPath("groff"); err == nil {
		out, err := exec.Command("groff", "-man", "-Tutf8", "-ww", "-z", "linux/embeddable-tray.1").CombinedOutput()
		require.NoError(t, err)
		assert.Empty(t, strings.TrimSpace(string(out)), "groff warnings")
	}
}

func TestInfoPlist(t *testing.T) {
	requireTool(t, "python3")
	run(t, "macos/check-plist.sh")

	// The check must catch a broken plist, or it proves nothing.
	good := run(t, "macos/info-plist.sh", "1.2.3")
	broken := strings.NewReplacer("<string>tel</string>", "", "<key>LSUIElement</key>", "<key>Removed</key>").Replace(good)
	path := filepath.Join(t.TempDir(), "Info.plist")
	require.NoError(t, os.WriteFile(path, []byte(broken), 0o644))
	out, err := exec.Command("macos/check-plist.sh", path).CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "missing key LSUIElement")
	assert.Contains(t, string(out), "no tel scheme")
}

// placeholderExe is enough for makensis and wixl, which only package the file.
func placeholderExe(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "embeddable-tray.exe")
	require.NoError(t, os.WriteFile(p, []byte("MZ placeholder"), 0o755))
	return p
}

func TestNSISInstallerCompiles(t *testing.T) {
	requireTool(t, "makensis")
	out := filepath.Join(t.TempDir(), "embeddable-tray-1.2.3-setup.exe") // a bare "setup.exe" draws NSIS warning 9000
	cmd := exec.Command("makensis", "-V2", "-WX", "-DVERSION=1.2.3", "-DWINVERSION=1.2.3.0",
		"-DEXE="+placeholderExe(t), "-DOUTFILE="+out, "installer.nsi")
	cmd.Dir = "windows"
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "makensis:\n%s", b)
	st, err := os.Stat(out)
	require.NoError(t, err)
	assert.Positive(t, st.Size())
}

func TestMSIBuilds(t *testing.T) {
	requireTool(t, "wixl", "msiinfo")
	out := filepath.Join(t.TempDir(), "x.msi")
	run(t, "windows/build-msi.sh", "v1.2.3", placeholderExe(t), out)

	props := run(t, "msiinfo", "export", out, "Property")
	assert.Contains(t, props, "ProductVersion\t1.2.3.0")
	assert.Contains(t, props, "MSIINSTALLPERUSER\t1")
	reg := run(t, "msiinfo", "export", out, "Registry")
	for _, want := range []string{
		`Software\EmbeddableTray\Capabilities\URLAssociations	tel	EmbeddableTray.URL`,
		`Software\EmbeddableTray\Capabilities\URLAssociations	callto	EmbeddableTray.URL`,
		`Software\Microsoft\Windows\CurrentVersion\Run	EmbeddableTray`,
	} {
		assert.Contains(t, reg, want)
	}
	assert.Contains(t, run(t, "msiinfo", "export", out, "Shortcut"), "Embeddable Tray")
}

// TestIconsRegenerate runs the generator and checks it yields the committed icon set
// with the right sizes, so the icons can always be remade from packaging/icons.
func TestIconsRegenerate(t *testing.T) {
	requireTool(t, "convert")
	dir := t.TempDir()
	run(t, "icons/make-icons.sh", dir)

	committed, err := filepath.Glob("../assets/icons/*")
	require.NoError(t, err)
	made, err := filepath.Glob(filepath.Join(dir, "*"))
	require.NoError(t, err)
	base := func(paths []string) (names []string) {
		for _, p := range paths {
			names = append(names, filepath.Base(p))
		}
		return names
	}
	assert.ElementsMatch(t, base(committed), base(made))

	for _, p := range made {
		if filepath.Ext(p) != ".png" {
			continue
		}
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		got, err := png.DecodeConfig(bytes.NewReader(b))
		require.NoError(t, err, p)
		want, err := os.ReadFile(filepath.Join("../assets/icons", filepath.Base(p)))
		require.NoError(t, err)
		wantCfg, err := png.DecodeConfig(bytes.NewReader(want))
		require.NoError(t, err)
		assert.Equal(t, wantCfg.Width, got.Width, filepath.Base(p))
	}
}

// TestSignAndVerify signs two MSIs in one sign.sh call with a test-cert.sh certificate and
// verifies both, the way CI does; without a certificate sign.sh leaves files as they are.
func TestSignAndVerify(t *testing.T) {
	requireTool(t, "wixl", "osslsigncode", "openssl")
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.msi"), filepath.Join(dir, "b.msi")
	run(t, "windows/build-msi.sh", "1.2.3", placeholderExe(t), a)
	unsigned, err := os.ReadFile(a)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(b, unsigned, 0o644))

	noCert := exec.Command("windows/sign.sh", a)
	noCert.Env = append(os.Environ(), "SIGN_CERT=", "SIGN_KEY=", "SIGN_PFX=")
	out, err := noCert.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "unsigned")
	after, err := os.ReadFile(a)
	require.NoError(t, err)
	assert.Equal(t, unsigned, after, "sign.sh without a certificate must not touch the file")

	env := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(run(t, "windows/test-cert.sh", filepath.Join(dir, "cert"))), "\n") {
		k, v, ok := strings.Cut(line, "=")
		require.True(t, ok, line)
		env[k] = v
	}
	sign := exec.Command("windows/sign.sh", a, b)
	sign.Env = append(os.Environ(), "SIGN_CERT="+env["SIGN_CERT"], "SIGN_KEY="+env["SIGN_KEY"], "SIGN_PFX=")
	out, err = sign.CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, f := range []string{a, b} {
		assert.Contains(t, run(t, "osslsigncode", "verify", "-CAfile", env["SIGN_CA"], "-in", f), "Succeeded")
	}
}
