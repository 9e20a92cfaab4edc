//go:build windows

package instance

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/windows"
)

func TestLaunchLockIsExclusive(t *testing.T) {
	dir := runtimeDir(t)
	unlock, err := lockDir(dir)
	require.NoError(t, err)

	other, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR, 0)
	require.NoError(t, err)
	defer other.Close()
	err = lockFile(other, false)
	require.True(t, errors.Is(err, windows.ERROR_LOCK_VIOLATION), "a second launch must wait while the first holds the lock: %v", err)

	unlock()
	require.NoError(t, lockFile(other, false), "free once the first launch is done")
}

// Launches that start together while a crashed copy's socket file is left over: without
// the launch lock, each finds it stale, removes it (maybe the other's new socket) and
// listens, and two copies run.
func TestSimultaneousLaunchesMakeOnePrimary(t *testing.T) {
	rt := runtimeDir(t)
	dir := filepath.Join(rt, "embeddable-tray")
	require.NoError(t, os.Mkdir(dir, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, socketName), nil, 0o600), "a crashed copy's socket")

	const launches = 8
	var (
		wg       sync.WaitGroup
		start    = make(chan struct{})
		mu       sync.Mutex
		primary  []*Primary
		forwards int
	)
	for i := 0; i < launches; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			p, err := acquire("embeddable-tray", []string{"tel:1"})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				primary = append(primary, p)
			case errors.Is(err, ErrAlreadyRunning):
				forwards++
			default:
				t.Errorf("launch: %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	require.Len(t, primary, 1, "exactly one launch becomes the running copy")
	defer primary[0].Close()
	assert.Equal(t, launches-1, forwards, "every other launch hands its link over")
	for i := 0; i < forwards; i++ {
		assert.Equal(t, []string{"tel:1"}, next(t, primary[0]))
	}
}

func TestDirIsUnderLocalAppData(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", "")
	t.Setenv("LocalAppData", `C:\Users\u\AppData\Local`)
	d, err := Dir("embeddable-tray")
	require.NoError(t, err)
	assert.Equal(t, `C:\Users\u\AppData\Local\embeddable-tray`, d)
}
