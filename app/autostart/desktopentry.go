package autostart

import (
	"bufio"
	"fmt"
	"strings"
)

// desktopEntry is the XDG autostart entry that starts exe with args. It is a
// valid desktop entry (desktop-file-validate) and says
// X-GNOME-Autostart-enabled=true, which GNOME's session settings toggle.
func desktopEntry(exe string, args []string) (string, error) {
	execLine, err := execValue(append([]string{exe}, args...))
	if err != nil {
		return "", err
	}
	return "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=" + appName + "\n" +
		"Comment=Start " + appName + " at login\n" +
		"Exec=" + execLine + "\n" +
		"Icon=" + entryName + "\n" +
		"Terminal=false\n" +
		"X-GNOME-Autostart-enabled=true\n", nil
}

// execValue builds a desktop entry Exec value from argv, quoting per the
// Desktop Entry Specification: an argument with a reserved character is
// double-quoted with `"`, "`", `$` and `\` backslash-escaped inside; `%` is
// doubled (field codes); then the value as a whole escapes `\` once more,
// being a string value.
func execValue(argv []string) (string, error) {
	parts := make([]string, len(argv))
	for i, a := range argv {
		if hasControl(a) {
			return "", fmt.Errorf("autostart: argument %q has a control character", a)
		}
		a = strings.ReplaceAll(a, "%", "%%")
		if a == "" || strings.ContainsAny(a, " \t\"'\\><~|&;$*?#()`") {
			var b strings.Builder
			b.WriteByte('"')
			for _, r := range a {
				if strings.ContainsRune("\"`$\\", r) {
					b.WriteByte('\\')
				}
				b.WriteRune(r)
			}
			b.WriteByte('"')
			a = b.String()
		}
		parts[i] = strings.ReplaceAll(a, `\`, `\\`)
	}
	return strings.Join(parts, " "), nil
}

// entryEnabled reads a desktop entry as a session manager does: the entry
// starts unless its [Desktop Entry] group says Hidden=true or
// X-GNOME-Autostart-enabled=false (what GNOME writes when the user turns it
// off in its settings).
func entryEnabled(content string) bool {
	inMain := false
	sc := bufio.NewScanner(strings.NewReader(content))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			inMain = line == "[Desktop Entry]"
			continue
		}
		if !inMain {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		switch {
		case key == "Hidden" && value == "true":
			return false
		case key == "X-GNOME-Autostart-enabled" && value == "false":
			return false
		}
	}
	return true
}

// hiddenEntry overrides a system-wide autostart entry of the same name: the
// spec's way for a user to turn off what /etc/xdg/autostart starts.
func hiddenEntry() string {
	return "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=" + appName + "\n" +
		"Hidden=true\n"
}
