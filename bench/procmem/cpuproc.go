package procmem

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ProcCPU is one process of a tree with the CPU time it has used so far and its command
// line (Chromium's processes share one name; their --type= tells them apart).
type ProcCPU struct {
	Proc
	CPU     time.Duration
	Cmdline []string
}

// CPUs lists root's process tree with each process's user plus system CPU time so far.
// A process that ends while being read is left out; the root must be readable.
func CPUs(root int) ([]ProcCPU, error) {
	procs, err := Descendants(root)
	if err != nil {
		return nil, err
	}
	out := make([]ProcCPU, 0, len(procs))
	for i, p := range procs {
		d, err := cpuOf(p.PID)
		if err != nil {
			if i == 0 {
				return nil, err
			}
			continue
		}
		cmd, _ := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(p.PID), "cmdline"))
		out = append(out, ProcCPU{Proc: p, CPU: d, Cmdline: strings.Split(strings.TrimRight(string(cmd), "\x00"), "\x00")})
	}
	return out, nil
}
