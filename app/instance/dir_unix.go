//go:build unix

package instance

import (
	"fmt"
	"os"
	"syscall"
)

// privateDir makes dir with mode 0700, or checks that an existing one is a
// real directory of this user and tightens it to 0700: only this user may
// reach the socket, so only they can pass links to the app.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("instance: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("instance: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("instance: %s is not a directory", dir)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || int(st.Uid) != os.Getuid() {
		return fmt.Errorf("instance: %s belongs to another user", dir)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("instance: make %s private: %w", dir, err)
		}
	}
	return nil
}

// lockDir holds an exclusive flock on a lock file in dir until unlock.
func lockDir(dir string) (unlock func(), err error) {
	f, err := os.OpenFile(dir+"/instance.lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("instance: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("instance: lock %s: %w", f.Name(), err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}
