package autostart

import (
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExecValue(t *testing.T) {
	tests := []struct {
		name string
		argv []string
		want string
	}{
		{"plain path", []string{"/usr/bin/embeddable-tray"}, "/usr/bin/embeddable-tray"},
		{"path with a space", []string{"/opt/Embeddable Tray/embeddable-tray"}, `"/opt/Embeddable Tray/embeddable-tray"`},
		{"arguments", []string{"/usr/bin/x", "--hidden"}, "/usr/bin/x --hidden"},
		{"percent is doubled", []string{"/home/a/100%/x"}, "/home/a/100%%/x"},
		{"dollar is escaped in quotes", []string{"/home/$x/y"}, `"/home/\\$x/y"`},
		{"backslash: quoted, then escaped twice", []string{`/home/a\b/x`}, `"/home/a\\\\b/x"`},
		{"double quote", []string{`/home/a"b/x`}, `"/home/a\\"b/x"`},
		{"empty argument", []string{"/x", ""}, `/x ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := execValue(tt.argv)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := execValue([]string{"/x\ny"})
	require.Error(t, err, "a newline cannot be in a command line")
}

func TestEntryEnabled(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    bool
	}{
		{"ours", mustEntry(t), true},
		{"turned off in GNOME settings", strings.Replace(mustEntry(t), "X-GNOME-Autostart-enabled=true", "X-GNOME-Autostart-enabled=false", 1), false},
		{"hidden", hiddenEntry(), false},
		{"Hidden in another group does not count", "[Desktop Entry]\nType=Application\n[Desktop Action x]\nHidden=true\n", true},
		{"spaces around =", "[Desktop Entry]\nHidden = true\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, entryEnabled(tt.content))
		})
	}
}

func mustEntry(t *testing.T) string {
	t.Helper()
	s, err := desktopEntry("/usr/bin/embeddable-tray", nil)
	require.NoError(t, err)
	return s
}

func TestDesktopEntry(t *testing.T) {
	got, err := desktopEntry("/opt/Embeddable Tray/embeddable-tray", []string{"--hidden"})
	require.NoError(t, err)
	assert.Equal(t, "[Desktop Entry]\n"+
		"Type=Application\n"+
		"Name=Embeddable Tray\n"+
		"Comment=Start Embeddable Tray at login\n"+
		`Exec="/opt/Embeddable Tray/embeddable-tray" --hidden`+"\n"+
		"Icon=embeddable-tray\n"+
		"Terminal=false\n"+
		"X-GNOME-Autostart-enabled=true\n", got)
}

func TestLaunchAgentPlist(t *testing.T) {
	got, err := launchAgentPlist("io.github.embeddable-tray", "/Applications/Embeddable Tray.app/Contents/MacOS/embeddable-tray", []string{"a<b&c"})
	require.NoError(t, err)

	// Well-formed XML whose strings come back unescaped, in order.
	var strs []string
	dec := xml.NewDecoder(strings.NewReader(got))
	dec.Strict = true
	inString := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		switch tok := tok.(type) {
		case xml.StartElement:
			inString = tok.Name.Local == "string"
		case xml.CharData:
			if inString {
				strs = append(strs, string(tok))
			}
		case xml.EndElement:
			inString = false
		}
	}
	assert.Equal(t, []string{"io.github.embeddable-tray",
		"/Applications/Embeddable Tray.app/Contents/MacOS/embeddable-tray", "a<b&c", "Interactive"}, strs)
	assert.Contains(t, got, "<key>RunAtLoad</key>\n\t<true/>")
}

func TestWindowsCommandLine(t *testing.T) {
	tests := []struct {
		name string
		argv []string
		want string
	}{
		{"plain", []string{`C:\x\app.exe`}, `C:\x\app.exe`},
		{"spaces", []string{`C:\Users\Ann Lee\AppData\Local\Embeddable Tray\embeddable-tray.exe`, "--hidden"},
			`"C:\Users\Ann Lee\AppData\Local\Embeddable Tray\embeddable-tray.exe" --hidden`},
		{"trailing backslash in quotes is doubled", []string{`C:\a b\`}, `"C:\a b\\"`},
		{"quote after backslashes", []string{`a\"b`}, `"a\\\"b"`},
		{"empty", []string{"x", ""}, `x ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := windowsCommandLine(tt.argv)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "dir")
	p := filepath.Join(dir, "f.desktop")
	require.NoError(t, writeFileAtomic(p, []byte("one"), 0o644))
	require.NoError(t, writeFileAtomic(p, []byte("two"), 0o644))
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, "two", string(data))
	fi, err := os.Stat(p)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left behind")
}

func TestCheckExe(t *testing.T) {
	require.Error(t, checkExe(""))
	require.Error(t, checkExe("embeddable-tray"), "relative")
	require.NoError(t, checkExe(filepath.Join(t.TempDir(), "x")))
}
