package procmem

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		name, stat string
		want       Proc
		wantErr    bool
	}{
		{"plain", "42 (bash) S 7 42 42 0", Proc{PID: 42, PPID: 7, Name: "bash"}, false},
		{"name with spaces and parens", "43 (Web Content (x)) S 9 1 1", Proc{PID: 43, PPID: 9, Name: "Web Content (x)"}, false},
		{"no name", "44 bash S 1", Proc{}, true},
		{"short", "45 (x) S", Proc{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pid := tt.want.PID
			if pid == 0 {
				pid = 1
			}
			got, err := parseStat(pid, []byte(tt.stat))
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParsePSS(t *testing.T) {
	path := filepath.Join(t.TempDir(), "smaps_rollup")
	require.NoError(t, os.WriteFile(path, []byte("55a0-7ffd ---p 00000000 00:00 0 [rollup]\nRss: 2000 kB\nPss: 1234 kB\nPss_Anon: 10 kB\n"), 0o600))
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	pss, anon, err := parsePSS(f)
	require.NoError(t, err)
	assert.Equal(t, int64(1234), pss)
	assert.Equal(t, int64(10), anon)
}

// TestMeasureFindsChildren: a child process (not a thread) is part of the tree.
func TestMeasureFindsChildren(t *testing.T) {
	cmd := exec.Command("sh", "-c", "sleep 30 & wait")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	// The forked child is named "sh" until its exec of sleep: wait for the exec, not
	// only for the fork.
	var tree Tree
	require.Eventually(t, func() bool {
		var err error
		tree, err = Measure(cmd.Process.Pid)
		return err == nil && len(tree.Procs) == 2 && tree.Procs[1].Name == "sleep"
	}, 10*time.Second, 10*time.Millisecond, "sh and its sleep child")
	assert.Equal(t, cmd.Process.Pid, tree.Procs[0].PID)
	assert.Positive(t, tree.TotalKiB)
}
