package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/embeddable-tray/embeddable-tray/bench/loadpage"
)

// report collects the table's sections.
type report struct {
	machine  string
	sections []string
}

func (r *report) add(title string, rows [][]string) {
	var b strings.Builder
	fmt.Fprintf(&b, "\n### %s\n\n", title)
	for i, row := range rows {
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
		if i == 0 {
			b.WriteString(strings.Repeat("|---", len(row)) + "|\n")
		}
	}
	r.sections = append(r.sections, b.String())
}

func (r *report) markdown() string {
	return "## embeddable-tray benchmarks\n\n" + r.machine + strings.Join(r.sections, "")
}

func median[T int64 | float64 | time.Duration](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (s *startSamples) ready() []time.Duration {
	var out []time.Duration
	for _, x := range *s {
		out = append(out, x.ready)
	}
	return out
}

func (s *startSamples) goFirst() []time.Duration {
	var out []time.Duration
	for _, x := range *s {
		if x.goFirst > 0 {
			out = append(out, x.goFirst)
		}
	}
	return out
}

func (s *startSamples) pss() []float64 {
	var out []float64
	for _, x := range *s {
		out = append(out, x.tree.MiB())
	}
	return out
}

func (s *startSamples) procs() []int64 {
	var out []int64
	for _, x := range *s {
		out = append(out, int64(len(x.tree.Procs)))
	}
	return out
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }

func ratio(a, b float64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

func (r *report) starts(us, chrome *startSamples) {
	ur, cr := median(us.ready()), median(chrome.ready())
	up, cp := median(us.pss()), median(chrome.pss())
	r.add(fmt.Sprintf("Cold start and memory on the stand-in widget page (median of %d alternating runs)", len(*us)), [][]string{
		{"", "embeddable-tray", "Chromium --app", "us/Chromium"},
		{"launch to widget ready (page's first POST)", ms(ur), ms(cr), ratio(float64(ur), float64(cr))},
		{"launch to first message in Go", ms(median(us.goFirst())), "–", ""},
		{"PSS, whole process tree, after idle", fmt.Sprintf("%.0f MiB", up), fmt.Sprintf("%.0f MiB", cp), ratio(up, cp)},
		{"processes", fmt.Sprint(median(us.procs())), fmt.Sprint(median(chrome.procs())), ""},
		{"every run: ready / PSS", runs(us), runs(chrome), ""},
	})
	if len(*us) > 0 {
		r.sections = append(r.sections, "\nProcesses (last run): ours: "+(*us)[len(*us)-1].tree.Names()+
			"; Chromium: "+(*chrome)[len(*chrome)-1].tree.Names()+"\n")
	}
}

func runs(s *startSamples) string {
	var parts []string
	for _, x := range *s {
		parts = append(parts, fmt.Sprintf("%s/%.0f", ms(x.ready), x.tree.MiB()))
	}
	return strings.Join(parts, ", ")
}

// variant adds one experiment's row, against the shipped app and Chromium of the same run.
func (r *report) variant(name string, v, base, chrome *startSamples) {
	vr, br := median(v.ready()), median(base.ready())
	vp, bp := median(v.pss()), median(base.pss())
	r.add("Variant: "+name, [][]string{
		{"", name, "as shipped", "variant/shipped", "variant/Chromium"},
		{"launch to widget ready", ms(vr), ms(br), ratio(float64(vr), float64(br)), ratio(float64(vr), float64(median(chrome.ready())))},
		{"PSS after idle", fmt.Sprintf("%.0f MiB", vp), fmt.Sprintf("%.0f MiB", bp), ratio(vp, bp), ratio(vp, median(chrome.pss()))},
	})
}

func (r *report) roundTrip(res loadpage.Result) {
	r.add(fmt.Sprintf("Bridge round trip, page -> Go -> page, %d requests one after the other", res.Count), [][]string{
		{"path", "answered", "p50", "p99", "max", "mean (wall time / n)", "page clock step"},
		{fmt.Sprintf("`%s` (no handler: answered at once with {error}, no side effect)", res.Path),
			fmt.Sprintf("%d/%d", res.Answered, res.Count),
			fmt.Sprintf("%.2f ms", res.P50Ms), fmt.Sprintf("%.2f ms", res.P99Ms), fmt.Sprintf("%.2f ms", res.MaxMs), fmt.Sprintf("%.3f ms", res.MeanMs), fmt.Sprintf("%.3f ms", res.ClockMs)},
	})
}

// goBenchmarks runs the package benchmarks and returns their result lines.
func goBenchmarks() ([]string, error) {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", "500ms", "./bridge/", "./app/contacts/")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go test -bench: %w\n%s", err, out)
	}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	pkg := ""
	for sc.Scan() {
		l := sc.Text()
		if p, ok := strings.CutPrefix(l, "pkg: "); ok {
			pkg = filepath.Base(p)
		}
		if strings.HasPrefix(l, "Benchmark") {
			lines = append(lines, pkg+"\t"+l)
		}
	}
	return lines, nil
}

func (r *report) goBench(lines []string) {
	rows := [][]string{{"package", "benchmark", "ns/op", "B/op", "allocs/op", "other"}}
	for _, l := range lines {
		pkg, l, _ := strings.Cut(l, "\t")
		f := strings.Fields(l)
		row := []string{pkg, "`" + strings.TrimSuffix(f[0], fmt.Sprintf("-%d", runtime.GOMAXPROCS(0))) + "`", "", "", "", ""}
		var other []string
		for i := 2; i+1 < len(f); i += 2 {
			switch f[i+1] {
			case "ns/op":
				row[2] = f[i]
			case "B/op":
				row[3] = f[i]
			case "allocs/op":
				row[4] = f[i]
			default:
				other = append(other, f[i]+" "+f[i+1])
			}
		}
		row[5] = strings.Join(other, ", ")
		rows = append(rows, row)
	}
	r.add("go test -bench -benchmem ./bridge/ ./app/contacts/", rows)
}

// sizes lists the binary and whatever installers dist/ holds.
func (r *report) sizes(bin, dist string) {
	rows := [][]string{{"file", "size"}}
	files := []string{bin}
	if entries, err := os.ReadDir(dist); err == nil {
		for _, e := range entries {
			if !e.IsDir() {
				files = append(files, filepath.Join(dist, e.Name()))
			}
		}
	}
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			rows = append(rows, []string{"`" + f + "`", fmt.Sprintf("%.1f MiB", float64(st.Size())/(1<<20))})
		}
	}
	if len(rows) == 1 {
		rows = append(rows, []string{"(none found: make build, make package)", ""})
	}
	r.add("Sizes", rows)
}

// machine says what the figures were measured on.
func machine(chromium string) string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		mem = firstLine(string(b))
	}
	osName := "Linux"
	if b, err := os.ReadFile("/etc/os-release"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "PRETTY_NAME="); ok {
				osName = strings.Trim(v, `"`)
			}
		}
	}
	webkit, _ := exec.Command("pkg-config", "--modversion", "webkit2gtk-4.1").Output()
	chrome, _ := exec.Command(chromium, "--version").Output()
	return fmt.Sprintf("Machine: %s, %s, %d CPUs, %s; WebKitGTK %s; %s; Go %s; display: Xvfb %s; %s\n",
		osName, cpu, runtime.NumCPU(), strings.Join(strings.Fields(mem), " "), strings.TrimSpace(string(webkit)),
		strings.TrimSpace(string(chrome)), runtime.Version(), os.Getenv("DISPLAY"), time.Now().UTC().Format("2006-01-02 15:04 UTC"))
}

// real is the real-widget table.
func (r *report) real(version, url string, o options, variants []variant, cold map[string]realRuns, warm map[string][]time.Duration, rests map[string]rest) {
	us, ch := cold[variants[0].name], cold["chromium"]
	ur, cr := median(us.ready()), median(ch.ready())
	up, cp := median(us.pss()), median(ch.pss())
	uw, cw := median(warm[variants[0].name]), median(warm["chromium"])
	uh, chr := rests[variants[0].name], rests["chromium"]
	r.sections = append(r.sections, fmt.Sprintf("\nReal widget %s (a build from its public source) on the project's stand-in platform (e2e/rcplatform), "+
		"logged in by its jwt parameter; both programs load `%s` in a 300x560 window.\n", version, url))
	r.add(fmt.Sprintf("Real widget %s: embeddable-tray against Chromium --app (median of %d alternating runs)", version, len(us)), [][]string{
		{"", "embeddable-tray", "Chromium --app", "us/Chromium", "goal"},
		{"cold start: launch to logged in (first GET /restapi/v1.0/account/~)", ms(ur), ms(cr), ratio(float64(ur), float64(cr)), goal(float64(ur)/float64(cr), 1.0)},
		{"cold start: launch to subscribed (can ring)", ms(median(us.subscribed())), ms(median(ch.subscribed())), ratio(float64(median(us.subscribed())), float64(median(ch.subscribed()))), ""},
		{"warm start: second launch on the same data, to subscribed", ms(uw), ms(cw), ratio(float64(uw), float64(cw)), goal(float64(uw)/float64(cw), 1.0)},
		{fmt.Sprintf("PSS, whole tree, %v after logged in", o.idle), fmt.Sprintf("%.0f MiB", up), fmt.Sprintf("%.0f MiB", cp), ratio(up, cp), ""},
		{fmt.Sprintf("PSS at rest: ours hidden to the tray %v, Chromium's window idle %v", uh.after, chr.after), fmt.Sprintf("%.0f MiB", uh.tree.MiB()), fmt.Sprintf("%.0f MiB", chr.tree.MiB()), ratio(uh.tree.MiB(), chr.tree.MiB()), goal(uh.tree.MiB()/chr.tree.MiB(), 0.5)},
		{fmt.Sprintf("CPU at rest, the last %v of it", min(o.cpuWindow, o.hidden)), fmt.Sprintf("%.2f s", uh.cpu.Seconds()), fmt.Sprintf("%.2f s", chr.cpu.Seconds()), ratio(uh.cpu.Seconds(), chr.cpu.Seconds()), goal(uh.cpu.Seconds()/max(chr.cpu.Seconds(), 0.001), 1.0)},
		{"every cold run: ready / PSS", realRunsText(us), realRunsText(ch), "", ""},
		{"every warm run", durations(warm[variants[0].name]), durations(warm["chromium"]), "", ""},
	})
	phaseRows := [][]string{{"cold start, launch to ...", "embeddable-tray", "Chromium --app"},
		{"the app asks WebKit for the page (its `started` log line)", ms(median(us.navigate())), "–"}}
	for _, ph := range phases {
		phaseRows = append(phaseRows, []string{ph.name, ms(median(us.mark(ph.name))), ms(median(ch.mark(ph.name)))})
	}
	r.add("Where a cold start spends its time (requests at the platform, medians)", phaseRows)
	r.sections = append(r.sections, "\nPer process at rest: ours: "+uh.tree.Names()+"; Chromium: "+chr.tree.Names()+
		"\n\nPer process after a cold start (last run): ours: "+us[len(us)-1].tree.Names()+"\n")
	for _, v := range variants[1:] {
		vc := cold[v.name]
		vr, vp, vw := median(vc.ready()), median(vc.pss()), median(warm[v.name])
		rows := [][]string{
			{"", v.name, "as shipped", "variant/shipped", "variant/Chromium"},
			{"cold start to logged in", ms(vr), ms(ur), ratio(float64(vr), float64(ur)), ratio(float64(vr), float64(cr))},
			{"warm start to subscribed", ms(vw), ms(uw), ratio(float64(vw), float64(uw)), ratio(float64(vw), float64(cw))},
			{fmt.Sprintf("PSS %v after logged in", o.idle), fmt.Sprintf("%.0f MiB", vp), fmt.Sprintf("%.0f MiB", up), ratio(vp, up), ratio(vp, cp)},
		}
		if vh, ok := rests[v.name]; ok {
			rows = append(rows,
				[]string{"PSS hidden " + vh.after.String(), fmt.Sprintf("%.0f MiB", vh.tree.MiB()), fmt.Sprintf("%.0f MiB", uh.tree.MiB()), ratio(vh.tree.MiB(), uh.tree.MiB()), ratio(vh.tree.MiB(), chr.tree.MiB())},
				[]string{"CPU hidden, last " + min(o.cpuWindow, o.hidden).String(), fmt.Sprintf("%.2f s", vh.cpu.Seconds()), fmt.Sprintf("%.2f s", uh.cpu.Seconds()), ratio(vh.cpu.Seconds(), uh.cpu.Seconds()), ""},
				[]string{"per process hidden", vh.tree.Names(), "", "", ""})
		}
		rows = append(rows, []string{"every cold run: ready / PSS", realRunsText(vc), "", "", ""})
		r.add("Real widget, variant: "+v.name, rows)
	}
}

func goal(ratio, limit float64) string {
	if ratio <= limit {
		return fmt.Sprintf("<= %.1fx: met", limit)
	}
	return fmt.Sprintf("<= %.1fx: not met", limit)
}

func realRunsText(rs realRuns) string {
	var parts []string
	for _, x := range rs {
		parts = append(parts, fmt.Sprintf("%s/%.0f", ms(x.ready), x.tree.MiB()))
	}
	return strings.Join(parts, ", ")
}

func durations(ds []time.Duration) string {
	var parts []string
	for _, d := range ds {
		parts = append(parts, ms(d))
	}
	return strings.Join(parts, ", ")
}
