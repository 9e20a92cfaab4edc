//go:build windows

package instance

import (
	"fmt"
	"os"
)

// privateDir makes dir. Under LocalAppData it inherits the user's
// profile ACL, which already keeps other users out.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("instance: %w", err)
	}
	return nil
}

// lockDir does not lock on Windows: two launches in the same instant may
// both take over a stale socket there.
func lockDir(dir string) (unlock func(), err error) { return func() {}, nil }
