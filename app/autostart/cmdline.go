package autostart

import (
	"fmt"
	"strings"
)

// windowsCommandLine joins argv into one command line that Windows'
// CommandLineToArgvW (and Go's os.Args) splits back into argv: the Run
// value is such a line, and a path with spaces must be quoted.
func windowsCommandLine(argv []string) (string, error) {
	parts := make([]string, len(argv))
	for i, a := range argv {
		if hasControl(a) {
			return "", fmt.Errorf("autostart: argument %q has a control character", a)
		}
		parts[i] = windowsQuote(a)
	}
	return strings.Join(parts, " "), nil
}

// windowsQuote quotes one argument: backslashes are literal unless they
// precede a quote, so those are doubled, as is a run before the closing quote.
func windowsQuote(a string) string {
	if a != "" && !strings.ContainsAny(a, " \t\"") {
		return a
	}
	var b strings.Builder
	b.WriteByte('"')
	slashes := 0
	for i := 0; i < len(a); i++ {
		c := a[i]
		switch c {
		case '\\':
			slashes++
		case '"':
			b.WriteString(strings.Repeat(`\`, slashes+1))
			slashes = 0
		default:
			slashes = 0
		}
		b.WriteByte(c)
	}
	b.WriteString(strings.Repeat(`\`, slashes))
	b.WriteByte('"')
	return b.String()
}
