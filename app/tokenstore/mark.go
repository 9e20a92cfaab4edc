package tokenstore

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// signedOutMark is a plain file that says "signed out at TIME" for one keyring entry whose
// delete the keyring refused. It holds no secret: only that a sign-out happened, and when.
// Its place is the user's config directory (the keyring's service name, then
// signed-out/<hex of the user>), which outlives caches and restarts like the keyring.
type signedOutMark struct {
	path string // "" when there is no config directory: no mark can be kept
}

func newSignedOutMark(service, user string) signedOutMark {
	dir, err := os.UserConfigDir()
	if err != nil {
		return signedOutMark{}
	}
	return signedOutMark{path: filepath.Join(dir, service, "signed-out", hex.EncodeToString([]byte(user)))}
}

func (m signedOutMark) set() bool {
	if m.path == "" {
		return false
	}
	_, err := os.Stat(m.path)
	return err == nil
}

func (m signedOutMark) write() error {
	if m.path == "" {
		return errors.New("no config directory to keep a signed-out mark in")
	}
	if err := os.MkdirAll(filepath.Dir(m.path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(m.path, []byte("signed out at "+time.Now().UTC().Format(time.RFC3339)+"; the keyring was locked\n"), 0o600)
}

func (m signedOutMark) clear() error {
	if m.path == "" {
		return nil
	}
	if err := os.Remove(m.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot remove the signed-out mark %s: %w", m.path, err)
	}
	return nil
}
