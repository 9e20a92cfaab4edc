package procmem

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCPUs: each process of the tree with its own CPU time and its command line split at
// its NULs, from a /proc of files.
func TestCPUs(t *testing.T) {
	root := t.TempDir()
	write := func(pid, file, text string) {
		require.NoError(t, os.MkdirAll(filepath.Join(root, pid), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, pid, file), []byte(text), 0o644))
	}
	// pid ppid utime stime: 10 is the root, 11 its child, 12 someone else's
	write("10", "stat", "10 (chromium) S 1 10 10 0 -1 0 0 0 0 0 200 100 0 0 20 0 1 0 1 2 3")
	write("10", "cmdline", "/usr/lib/chromium/chromium\x00--app=http://x/\x00")
	write("11", "stat", "11 (chromium) S 10 10 10 0 -1 0 0 0 0 0 30 20 0 0 20 0 1 0 1 2 3")
	write("11", "cmdline", "/usr/lib/chromium/chromium --type=renderer\x00\x00")
	write("12", "stat", "12 (other) S 1 12 12 0 -1 0 0 0 0 0 999 999 0 0 20 0 1 0 1 2 3")
	old := procRoot
	procRoot = root
	t.Cleanup(func() { procRoot = old })

	got, err := CPUs(10)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, 3*time.Second, got[0].CPU)
	assert.Equal(t, []string{"/usr/lib/chromium/chromium", "--app=http://x/"}, got[0].Cmdline)
	assert.Equal(t, 11, got[1].PID)
	assert.Equal(t, 500*time.Millisecond, got[1].CPU)
	assert.Equal(t, []string{"/usr/lib/chromium/chromium --type=renderer"}, got[1].Cmdline)

	_, err = CPUs(99)
	assert.Error(t, err, "a root that is not running")
}
