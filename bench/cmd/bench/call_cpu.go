package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/embeddable-tray/embeddable-tray/bench/procmem"
)

// Roles of the processes of a call, so the app and Chromium compare part by part.
const (
	roleMain  = "main"  // our app (UI, bridge, call engine) / Chromium's browser process
	rolePage  = "page"  // WebKitWebProcess / Chromium's renderer
	roleAudio = "audio" // Chromium's audio service (ours is in the main process)
	roleOther = "other" // WebKit's network process; Chromium's GPU, network, storage, zygotes
)

// role says what a process of a tree is: the root is the main process; the others by
// their name (WebKit's, truncated to 15 characters by the kernel) or Chromium's --type=.
func role(p procmem.ProcCPU, root bool) string {
	if root {
		return roleMain
	}
	if strings.HasPrefix(p.Name, "WebKitWebProces") {
		return rolePage
	}
	typ, sub := "", ""
	// Chromium rewrites its command line as one string (setproctitle): split it again
	for _, a := range strings.Fields(strings.Join(p.Cmdline, " ")) {
		if v, ok := strings.CutPrefix(a, "--type="); ok {
			typ = v
		}
		if v, ok := strings.CutPrefix(a, "--utility-sub-type="); ok {
			sub = v
		}
	}
	switch {
	case typ == "renderer":
		return rolePage
	case typ == "utility" && strings.HasPrefix(sub, "audio."):
		return roleAudio
	}
	return roleOther
}

// cpuWindow is the CPU time a program used over a window, by role and by process.
type cpuWindow struct {
	window time.Duration
	roles  map[string]time.Duration
	procs  []string // "name[role] 1.23s", for the report
}

func (w cpuWindow) total() time.Duration {
	var t time.Duration
	for _, d := range w.roles {
		t += d
	}
	return t
}

func (w cpuWindow) text() string { return strings.Join(w.procs, ", ") }

// cpuDelta is what each process used between two readings of its tree. A process that
// started during the window counts from zero; one that ended during it is lost (its time
// is not in /proc any more), which undercounts, never overcounts.
func cpuDelta(before, after []procmem.ProcCPU, window time.Duration) cpuWindow {
	was := map[int]time.Duration{}
	for _, p := range before {
		was[p.PID] = p.CPU
	}
	w := cpuWindow{window: window, roles: map[string]time.Duration{roleMain: 0, rolePage: 0, roleAudio: 0, roleOther: 0}}
	for i, p := range after {
		d := p.CPU - was[p.PID]
		r := role(p, i == 0)
		w.roles[r] += d
		w.procs = append(w.procs, fmt.Sprintf("%s[%s] %.2fs", p.Name, r, d.Seconds()))
	}
	return w
}

// percentile is the nearest-rank p-th percentile (0 < p <= 100) of xs; 0 when empty.
func percentile(xs []time.Duration, p float64) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := int(float64(len(s))*p/100 + 0.999999)
	return s[min(max(rank, 1), len(s))-1]
}

// calls adds the call section to the report.
func (r *report) calls(o options, res callResults) {
	us, ch := res.samples["embeddable-tray"], res.samples["chromium"]
	pool := func(ss []callSample, f func(callSample) []time.Duration) []time.Duration {
		var out []time.Duration
		for _, s := range ss {
			out = append(out, f(s)...)
		}
		return out
	}
	ear := func(s callSample) []time.Duration { return s.toEar }
	mouth := func(s callSample) []time.Duration { return s.fromMouth }
	cpu := func(ss []callSample, role string) float64 {
		var xs []float64
		for _, s := range ss {
			if role == "" {
				xs = append(xs, s.cpu.total().Seconds())
			} else {
				xs = append(xs, s.cpu.roles[role].Seconds())
			}
		}
		return median(xs)
	}
	latency := func(name string, f func(callSample) []time.Duration, p float64) []string {
		u, c := percentile(pool(us, f), p), percentile(pool(ch, f), p)
		return []string{name, ms(u), ms(c), ratio(float64(u), float64(c))}
	}
	cpuRow := func(name, role string) []string {
		u, c := cpu(us, role), cpu(ch, role)
		return []string{name, cpuText(u, o.callTime), cpuText(c, o.callTime), ratio(u, c)}
	}
	bursts := len(pool(us, ear))
	r.add(fmt.Sprintf("Calls: ringcentral-web-phone 0.8.14 on the loopback far end (e2e/rcsip), %d alternating calls each, %d bursts each way", len(us), bursts), [][]string{
		{"", "embeddable-tray (shim + Go engine)", "Chromium --app (native WebRTC)", "us/Chromium"},
		latency("far end -> ear, median (RTP send of a burst -> its onset on the speaker sink's monitor)", ear, 50),
		latency("far end -> ear, p90", ear, 90),
		latency("mouth -> far end, median (onset on the microphone source -> onset decoded at the far end)", mouth, 50),
		latency("mouth -> far end, p90", mouth, 90),
		cpuRow(fmt.Sprintf("CPU over %v of a call (a tone both ways), whole process tree, median", o.callTime), ""),
		cpuRow("... main process: the app (UI, bridge, call engine) / Chromium's browser", roleMain),
		cpuRow("... page: WebKitWebProcess / Chromium's renderer", rolePage),
		cpuRow("... audio: (in the app's process) / Chromium's audio service", roleAudio),
		cpuRow("... other processes (WebKit's network process; Chromium's GPU, network, storage, zygotes)", roleOther),
		{"every burst, far end -> ear", durations(pool(us, ear)), durations(pool(ch, ear)), ""},
		{"every burst, mouth -> far end", durations(pool(us, mouth)), durations(pool(ch, mouth)), ""},
	})
	r.sections = append(r.sections, fmt.Sprintf("\nLoad average (1, 5, 15 min) when the calls began: %s; when they ended: %s.\n", res.loadBefore, res.loadEnd))
	if len(us) > 0 && len(ch) > 0 {
		r.sections = append(r.sections, "\nCPU per process in the call window (last run): ours: "+us[len(us)-1].cpu.text()+
			"; Chromium: "+ch[len(ch)-1].cpu.text()+"\n")
	}
}

// cpuText is CPU seconds over a window and the share of one core it is.
func cpuText(s float64, window time.Duration) string {
	return fmt.Sprintf("%.2f s (%.1f%% of a core)", s, 100*s/window.Seconds())
}
