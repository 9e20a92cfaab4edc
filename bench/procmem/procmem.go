// Package procmem measures what a desktop app really costs in memory: the proportional set
// size (PSS) summed over its whole process tree. A webview app is several processes (the
// app, WebKitWebProcess, WebKitNetworkProcess; Chromium has eight or so), and they share
// libraries, so summing RSS would count shared pages many times; PSS splits each shared
// page between the processes that map it.
package procmem

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Proc is one process of a tree and its PSS.
type Proc struct {
	PID    int
	PPID   int
	Name   string // the command name from /proc/PID/stat (15 characters at most)
	PSSKiB int64
	// AnonKiB is the process's share of anonymous memory (Pss_Anon: its heaps): unlike
	// PSS it does not move when other programs map or unmap the same libraries.
	AnonKiB int64
}

// Tree is a process tree's memory.
type Tree struct {
	Procs    []Proc // the root first, then by PID
	TotalKiB int64
}

// MiB is the total in MiB.
func (t Tree) MiB() float64 { return float64(t.TotalKiB) / 1024 }

// Names lists the processes, "name(pid) NMiB", for a report.
func (t Tree) Names() string {
	parts := make([]string, 0, len(t.Procs))
	for _, p := range t.Procs {
		parts = append(parts, fmt.Sprintf("%s(%d) %.0fMiB", p.Name, p.PID, float64(p.PSSKiB)/1024))
	}
	return strings.Join(parts, ", ")
}

// procRoot is /proc, a seam for tests.
var procRoot = "/proc"

// Descendants returns root and every process below it, found by walking the ppid field of
// every /proc/PID/stat (not pstree -p, which lists threads as well).
func Descendants(root int) ([]Proc, error) {
	entries, err := os.ReadDir(procRoot)
	if err != nil {
		return nil, err
	}
	all := map[int]Proc{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		p, err := readStat(pid)
		if err != nil {
			continue // gone meanwhile
		}
		all[pid] = p
	}
	rp, ok := all[root]
	if !ok {
		return nil, fmt.Errorf("procmem: process %d is not running", root)
	}
	children := map[int][]int{}
	for pid, p := range all {
		children[p.PPID] = append(children[p.PPID], pid)
	}
	out := []Proc{rp}
	var below []Proc
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		for _, c := range children[pid] {
			below = append(below, all[c])
			queue = append(queue, c)
		}
	}
	sort.Slice(below, func(i, j int) bool { return below[i].PID < below[j].PID })
	return append(out, below...), nil
}

// readStat reads pid, ppid and name from /proc/PID/stat. The name is in parentheses and
// may itself hold spaces and parentheses, so the fields after it are found from the last ')'.
func readStat(pid int) (Proc, error) {
	b, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "stat"))
	if err != nil {
		return Proc{}, err
	}
	return parseStat(pid, b)
}

func parseStat(pid int, b []byte) (Proc, error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return Proc{}, fmt.Errorf("procmem: /proc/%d/stat: no command name", pid)
	}
	rest := strings.Fields(string(b[end+1:])) // state ppid ...
	if len(rest) < 2 {
		return Proc{}, fmt.Errorf("procmem: /proc/%d/stat: too short", pid)
	}
	ppid, err := strconv.Atoi(rest[1])
	if err != nil {
		return Proc{}, fmt.Errorf("procmem: /proc/%d/stat: ppid: %w", pid, err)
	}
	return Proc{PID: pid, PPID: ppid, Name: string(b[open+1 : end])}, nil
}

// PSS is one process's PSS and anonymous PSS in KiB, the Pss: and Pss_Anon: lines of
// /proc/PID/smaps_rollup.
func PSS(pid int) (pss, anon int64, err error) {
	f, err := os.Open(filepath.Join(procRoot, strconv.Itoa(pid), "smaps_rollup"))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	return parsePSS(f)
}

func parsePSS(f *os.File) (pss, anon int64, err error) {
	found := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() && found < 2 {
		line := sc.Text()
		var dst *int64
		if v, ok := strings.CutPrefix(line, "Pss:"); ok {
			line, dst = v, &pss
		} else if v, ok := strings.CutPrefix(line, "Pss_Anon:"); ok {
			line, dst = v, &anon
		} else {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			return 0, 0, fmt.Errorf("procmem: %s: empty line %q", f.Name(), sc.Text())
		}
		if *dst, err = strconv.ParseInt(fields[0], 10, 64); err != nil {
			return 0, 0, err
		}
		found++
	}
	if err := sc.Err(); err != nil {
		return 0, 0, err
	}
	if found < 2 {
		return 0, 0, fmt.Errorf("procmem: %s: no Pss: and Pss_Anon: lines", f.Name())
	}
	return pss, anon, nil
}

// Measure sums PSS over root's process tree. A process that ends while being measured is
// left out; the root must be readable.
func Measure(root int) (Tree, error) {
	procs, err := Descendants(root)
	if err != nil {
		return Tree{}, err
	}
	var t Tree
	for i, p := range procs {
		kib, anon, err := PSS(p.PID)
		if err != nil {
			if i == 0 {
				return Tree{}, fmt.Errorf("procmem: PSS of %d: %w", root, err)
			}
			continue
		}
		p.PSSKiB, p.AnonKiB = kib, anon
		t.Procs = append(t.Procs, p)
		t.TotalKiB += kib
	}
	return t, nil
}
