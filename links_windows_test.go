//go:build windows

package main

import (
	"html"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/windows"
)

// The installers register tel: and callto: with the command `"<exe>" "%1"` (installer.nsi,
// embeddable-tray.wxs). Windows puts the link in place of %1 and starts the exe, whose argv
// comes from CommandLineToArgvW, as os.Args does. These tests take the command from the
// installer sources, as the shell would fill it in, split it with Windows' own function (Wine's
// in `make test`) and hand it to the app's flag parsing.

const installDir = `C:\Users\Jane Doe\AppData\Local\Programs\Embeddable Tray`

// registeredCommands returns the tel: command line of each installer, for installDir.
func registeredCommands(t *testing.T) map[string]string {
	t.Helper()
	nsi, err := os.ReadFile("packaging/windows/installer.nsi")
	require.NoError(t, err)
	m := regexp.MustCompile(`WriteRegStr HKCU "Software\\Classes\\\$\{SCHEME\}\\shell\\open\\command" "" '([^']*)'`).FindSubmatch(nsi)
	require.NotNil(t, m, "installer.nsi registers no scheme command")
	nsis := strings.NewReplacer(`$INSTDIR`, installDir, `${EXENAME}`, "embeddable-tray.exe").Replace(string(m[1]))

	wxs, err := os.ReadFile("packaging/windows/embeddable-tray.wxs")
	require.NoError(t, err)
	m = regexp.MustCompile(`Key="Software\\Classes\\tel\\shell\\open\\command" Type="string" Value="([^"]*)"`).FindSubmatch(wxs)
	require.NotNil(t, m, "embeddable-tray.wxs registers no tel: command")
	msi := strings.ReplaceAll(html.UnescapeString(string(m[1])), "[INSTALLDIR]", installDir+`\`)

	return map[string]string{"nsis": nsis, "msi": msi}
}

func TestLinkFromTheRegisteredCommand(t *testing.T) {
	tests := []struct {
		link    string
		numbers []string // nil: the launch is refused
	}{
		{"tel:+15551234567", []string{"+15551234567"}},
		{"tel:+1%20(555)%20123-4567", []string{"+15551234567"}},
		{"tel:+1 (555) 123-4567", []string{"+15551234567"}},
		{"callto://+15551234567", []string{"+15551234567"}},
		{"TEL:*86#", []string{"*86#"}},
		{`tel:C:\path\`, nil},
		// A link that closes the quote cannot add flags: parsing stops at the link, and what
		// follows it is not a link.
		{`tel:1" --widget-url "https://evil.example/`, nil},
		{`tel:1" --config "C:\evil.json`, nil},
	}
	for name, command := range registeredCommands(t) {
		for _, tt := range tests {
			t.Run(name+" "+tt.link, func(t *testing.T) {
				line := strings.ReplaceAll(command, "%1", tt.link)
				argv, err := windows.DecomposeCommandLine(line)
				require.NoError(t, err)
				require.NotEmpty(t, argv)
				assert.Equal(t, installDir+`\embeddable-tray.exe`, argv[0])
				f, err := parseFlags(argv[1:], io.Discard)
				if tt.numbers == nil {
					assert.Error(t, err, "argv %q", argv)
					assert.Empty(t, f.widgetURL)
					assert.Empty(t, f.configPath)
					return
				}
				require.NoError(t, err, "argv %q", argv)
				assert.Equal(t, tt.numbers, f.numbers)
			})
		}
	}
}
