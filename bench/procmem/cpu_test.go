package procmem

import (
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseCPU(t *testing.T) {
	// fields 14 (utime) and 15 (stime) are 250 and 50 ticks: 3 s.
	stat := "42 (Web (Content)) S 7 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 100 200 300"
	got, err := parseCPU(42, []byte(stat))
	require.NoError(t, err)
	assert.Equal(t, 3*time.Second, got)
	_, err = parseCPU(42, []byte("42 (x) S 7 42"))
	assert.Error(t, err)
}

// TestCPUCountsChildren: a busy child's CPU time is part of the tree's.
func TestCPUCountsChildren(t *testing.T) {
	cmd := exec.Command("sh", "-c", "sh -c 'while :; do :; done' & wait")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if tree, err := Descendants(cmd.Process.Pid); err == nil {
			for _, p := range tree {
				_ = syscall.Kill(p.PID, syscall.SIGKILL)
			}
		}
		_ = cmd.Wait()
	})
	require.Eventually(t, func() bool {
		d, err := CPU(cmd.Process.Pid)
		return err == nil && d >= 100*time.Millisecond
	}, 20*time.Second, 20*time.Millisecond, "the busy child's CPU time shows")
}
