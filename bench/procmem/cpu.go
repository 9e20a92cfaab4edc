package procmem

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of /proc/PID/stat's CPU times (sysconf(_SC_CLK_TCK), 100 on every
// Linux the project runs on).
const clockTick = 10 * time.Millisecond

// CPU is the user plus system CPU time that root's process tree has used so far; processes
// that ended are not counted. Read it twice and subtract for the CPU of a period.
func CPU(root int) (time.Duration, error) {
	procs, err := Descendants(root)
	if err != nil {
		return 0, err
	}
	var total time.Duration
	for i, p := range procs {
		d, err := cpuOf(p.PID)
		if err != nil {
			if i == 0 {
				return 0, err
			}
			continue // ended meanwhile
		}
		total += d
	}
	return total, nil
}

func cpuOf(pid int) (time.Duration, error) {
	b, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, err
	}
	return parseCPU(pid, b)
}

// parseCPU reads utime and stime, fields 14 and 15 of /proc/PID/stat.
func parseCPU(pid int, b []byte) (time.Duration, error) {
	s := string(b)
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return 0, fmt.Errorf("procmem: /proc/%d/stat: no command name", pid)
	}
	rest := strings.Fields(s[end+1:]) // field 3 (state) is rest[0]
	if len(rest) < 13 {
		return 0, fmt.Errorf("procmem: /proc/%d/stat: too short", pid)
	}
	var ticks int64
	for _, f := range rest[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("procmem: /proc/%d/stat: cpu time: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}
