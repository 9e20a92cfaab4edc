//go:build windows

package instance

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
)

// privateDir makes dir. Under LocalAppData it inherits the user's
// profile ACL, which already keeps other users out.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("instance: %w", err)
	}
	return nil
}

// lockName is the lock file's name inside the per-app directory.
const lockName = "instance.lock"

// lockDir holds an exclusive LockFileEx lock on a lock file in dir until
// unlock, as flock does on unix: launches that start together take turns,
// so two of them never both find a stale socket and each become primary.
// Windows drops the lock when the process dies, so a crash leaves no lock.
func lockDir(dir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("instance: %w", err)
	}
	if err := lockFile(f, true); err != nil {
		f.Close()
		return nil, fmt.Errorf("instance: lock %s: %w", f.Name(), err)
	}
	return func() {
		_ = windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, new(windows.Overlapped))
		_ = f.Close()
	}, nil
}

// lockFile takes the exclusive lock on f's first byte; with wait false it
// fails at once (ERROR_LOCK_VIOLATION) instead of waiting for the holder.
func lockFile(f *os.File, wait bool) error {
	flags := uint32(windows.LOCKFILE_EXCLUSIVE_LOCK)
	if !wait {
		flags |= windows.LOCKFILE_FAIL_IMMEDIATELY
	}
	return windows.LockFileEx(windows.Handle(f.Fd()), flags, 0, 1, 0, new(windows.Overlapped))
}
