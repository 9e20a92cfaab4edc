// Package realpart is the one switch for the real parts tests need (a display, a session
// bus, a keyring, Radicale, a sound server, node, chromium, ...): missing on a developer's
// machine, the test is skipped with the reason; missing under CI (CI set to anything but
// "", "0" or "false"), the test fails, because a skipped test there would hide a broken
// setup. Every test that needs a real part says so through Missing, nowhere else.
package realpart

import (
	"os"
	"testing"
)

// CI reports whether the tests run under CI, where every real part must be present.
func CI() bool {
	switch os.Getenv("CI") {
	case "", "0", "false":
		return false
	}
	return true
}

// Missing ends the test because a real part it needs is not there: a skip locally, a
// failure under CI. reason says what is missing and how to get it.
func Missing(t testing.TB, reason string) {
	t.Helper()
	if CI() {
		t.Fatalf("CI=%s: a real part is missing: %s", os.Getenv("CI"), reason)
		return
	}
	t.Skip(reason)
}
