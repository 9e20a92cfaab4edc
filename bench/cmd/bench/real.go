package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/embeddable-tray/embeddable-tray/app/config"
	"github.com/embeddable-tray/embeddable-tray/bench/procmem"
	"github.com/embeddable-tray/embeddable-tray/e2e/appenv"
	"github.com/embeddable-tray/embeddable-tray/e2e/apptest"
	"github.com/embeddable-tray/embeddable-tray/e2e/rcplatform"
)

// The real-widget bench (-widget DIR): a build of the real RingCentral Embeddable widget on the
// project's stand-in platform (e2e/rcplatform), logging in by its jwt parameter, in our app
// and in Chromium --app on the same URL and window size. "Ready" is the widget's first data
// request after its login (GET /restapi/v1.0/account/~ answered 200), the same event for
// both, seen at the platform.

// realStart is one start on the real widget.
type realStart struct {
	ready      time.Duration // to the first GET /restapi/v1.0/account/~ (logged in)
	subscribed time.Duration // to the subscription over the WebSocket gateway (can ring)
	navigate   time.Duration // our app: launch to its "started" log line, when it asks WebKit for the page
	marks      map[string]time.Duration
	tree       procmem.Tree // -idle after ready
}

// phases are requests at the platform that show where a start spends its time.
var phases = []struct {
	name  string
	match func(rcplatform.Request) bool
}{
	{"app.html served", func(r rcplatform.Request) bool { return r.Path == "/app.html" }},
	{"app.js served", func(r rcplatform.Request) bool { return r.Path == "/app.js" }},
	{"its first chunk asked for (app.js ran)", func(r rcplatform.Request) bool { return r.Path == "/en-US.js" }},
	{"app.css asked for", func(r rcplatform.Request) bool { return r.Path == "/app.css" }},
	{"token request (the jwt login)", func(r rcplatform.Request) bool { return r.Path == "/restapi/oauth/token" }},
}

type realRuns []realStart

func (rs realRuns) ready() []time.Duration {
	var out []time.Duration
	for _, r := range rs {
		out = append(out, r.ready)
	}
	return out
}

func (rs realRuns) subscribed() []time.Duration {
	var out []time.Duration
	for _, r := range rs {
		out = append(out, r.subscribed)
	}
	return out
}

func (rs realRuns) mark(name string) []time.Duration {
	var out []time.Duration
	for _, r := range rs {
		if d, ok := r.marks[name]; ok {
			out = append(out, d)
		}
	}
	return out
}

func (rs realRuns) navigate() []time.Duration {
	var out []time.Duration
	for _, r := range rs {
		if r.navigate > 0 {
			out = append(out, r.navigate)
		}
	}
	return out
}

func (rs realRuns) pss() []float64 {
	var out []float64
	for _, r := range rs {
		out = append(out, r.tree.MiB())
	}
	return out
}

// rest is a program at rest for a while: memory per process and the CPU it used.
type rest struct {
	after time.Duration // since ready
	tree  procmem.Tree
	cpu   time.Duration // over the last cpuWindow of the rest
}

// realBench holds what every launch needs.
type realBench struct {
	o        options
	platform *rcplatform.Server
	cfg      config.Config
	url      string // what both programs load
}

func runReal(o options, stdout io.Writer) error {
	if err := checkPrograms(&o); err != nil {
		return err
	}
	p, err := rcplatform.New(rcplatform.Options{WidgetDir: o.widget, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	s, err := rcplatform.ListenForBuild(p)
	if err != nil {
		return err
	}
	defer s.Close()
	cfg := config.Default()
	cfg.Widget.URL = s.AppURL(nil)
	cfg.Widget.Params = map[string]string{"clientId": "embeddable-tray-bench", "jwt": rcplatform.DefaultJWT}
	b := &realBench{o: o, platform: s, cfg: cfg, url: cfg.WidgetURL()}
	version := widgetVersion(o.widget)
	fmt.Fprintf(os.Stderr, "real widget %s at %s\n", version, b.url)

	variants := []variant{{name: "embeddable-tray"}}
	if o.experiments {
		pick, err := regexp.Compile(o.variants)
		if err != nil {
			return fmt.Errorf("-variants: %w", err)
		}
		for _, v := range realExperiments {
			if pick.MatchString(v.name) {
				variants = append(variants, v)
			}
		}
	}
	cold := map[string]realRuns{}
	for i := 0; i < o.runs; i++ {
		for _, v := range variants {
			r, err := b.coldApp(v)
			if err != nil {
				return err
			}
			cold[v.name] = append(cold[v.name], r)
			fmt.Fprintf(os.Stderr, "run %d %s: ready %v, PSS %.0f MiB (%s)\n", i+1, v.name, r.ready, r.tree.MiB(), r.tree.Names())
		}
		r, err := b.coldChromium()
		if err != nil {
			return err
		}
		cold["chromium"] = append(cold["chromium"], r)
		fmt.Fprintf(os.Stderr, "run %d chromium: ready %v, PSS %.0f MiB\n", i+1, r.ready, r.tree.MiB())
	}

	warm := map[string][]time.Duration{}
	for i := 0; i < o.runs; i++ {
		for _, v := range variants {
			d, err := b.warmApp(v)
			if err != nil {
				return err
			}
			warm[v.name] = append(warm[v.name], d)
			fmt.Fprintf(os.Stderr, "warm %d %s: ready %v\n", i+1, v.name, d)
		}
		d, err := b.warmChromium()
		if err != nil {
			return err
		}
		warm["chromium"] = append(warm["chromium"], d)
		fmt.Fprintf(os.Stderr, "warm %d chromium: ready %v\n", i+1, d)
	}

	rests := map[string]rest{}
	restVariants := variants
	if !o.hiddenVariants {
		restVariants = variants[:1]
	}
	for _, v := range restVariants {
		r, err := b.hiddenApp(v)
		if err != nil {
			return err
		}
		rests[v.name] = r
		fmt.Fprintf(os.Stderr, "hidden %s: PSS %.0f MiB, CPU %v (%s)\n", v.name, r.tree.MiB(), r.cpu, r.tree.Names())
	}
	r, err := b.idleChromium()
	if err != nil {
		return err
	}
	rests["chromium"] = r
	fmt.Fprintf(os.Stderr, "idle chromium: PSS %.0f MiB, CPU %v\n", r.tree.MiB(), r.cpu)

	rep := &report{machine: machine(o.chromium)}
	rep.real(version, b.url, o, variants, cold, warm, rests)
	text := rep.markdown()
	fmt.Fprint(stdout, text)
	if o.out != "" {
		if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(o.out, []byte(text), 0o644)
	}
	return nil
}

// waitReady waits for a request of the widget (rcplatform.LoggedIn, Subscribed) after seq
// and returns the time since p started.
func (b *realBench) waitReady(p *proc, seq int, match func(rcplatform.Request) bool) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	var at time.Time
	err := p.waitOrExit(ctx, "the widget was ready", func(ctx context.Context) error {
		r, err := b.platform.WaitFor(ctx, seq, match)
		at = r.At
		return err
	})
	if err != nil {
		return 0, err
	}
	return at.Sub(p.started), nil
}

func (b *realBench) measureAfter(p *proc, d time.Duration) (procmem.Tree, error) {
	time.Sleep(d) // the period being measured, not a wait for a condition
	if p.exited() {
		return procmem.Tree{}, fmt.Errorf("%s exited:\n%s", p.name, tail(p.output(), 2000))
	}
	return procmem.Measure(p.cmd.Process.Pid)
}

func (b *realBench) coldApp(v variant) (realStart, error) {
	seq := b.platform.Seq()
	p, err := launchAppConfig(b.o.app, b.cfg, nil, v.env, false)
	if err != nil {
		return realStart{}, err
	}
	defer p.stop()
	r, err := b.measureStart(p, seq)
	if t, ok := p.logTime("msg=started"); ok {
		r.navigate = t.Sub(p.started)
	}
	return r, err
}

func (b *realBench) coldChromium() (realStart, error) {
	seq := b.platform.Seq()
	p, err := b.startChromium("")
	if err != nil {
		return realStart{}, err
	}
	defer p.stop()
	return b.measureStart(p, seq)
}

func (b *realBench) measureStart(p *proc, seq int) (realStart, error) {
	ready, err := b.waitReady(p, seq, rcplatform.LoggedIn)
	if err != nil {
		return realStart{}, err
	}
	sub, err := b.waitReady(p, seq, rcplatform.Subscribed)
	if err != nil {
		return realStart{}, err
	}
	r := realStart{ready: ready, subscribed: sub, marks: map[string]time.Duration{}}
	reqs := b.platform.Requests()
	for _, ph := range phases {
		for _, q := range reqs[seq:] {
			if ph.match(q) {
				r.marks[ph.name] = q.At.Sub(p.started)
				break
			}
		}
	}
	r.tree, err = b.measureAfter(p, b.o.idle)
	return r, err
}

// startChromium starts Chromium on the widget in a fresh profile, or in profile if given
// (kept by stop).
func (b *realBench) startChromium(profile string) (*proc, error) {
	removed := ""
	if profile == "" {
		dir, err := os.MkdirTemp("", "et-bench-chromium-")
		if err != nil {
			return nil, err
		}
		profile, removed = dir, dir
	}
	return start("chromium", removed, os.Environ(), profile, b.o.chromium, chromiumArgs(profile, b.url, "--window-size=300,560")...)
}

// warmApp starts the app once (cold), lets it settle, quits it, and measures the second
// start on the same directories: WebKit's caches, the widget's localStorage and IndexedDB
// are there.
func (b *realBench) warmApp(v variant) (time.Duration, error) {
	dirs, err := appenv.New("et-bench-warm-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dirs.Root)
	launch := func() (*proc, error) { return launchAppConfig(b.o.app, b.cfg, &dirs, v.env, false) }
	return b.warm(launch)
}

func (b *realBench) warmChromium() (time.Duration, error) {
	profile, err := os.MkdirTemp("", "et-bench-chromium-warm-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(profile)
	return b.warm(func() (*proc, error) { return b.startChromium(profile) })
}

func (b *realBench) warm(launch func() (*proc, error)) (time.Duration, error) {
	seq := b.platform.Seq()
	p, err := launch()
	if err != nil {
		return 0, err
	}
	_, err = b.waitReady(p, seq, rcplatform.Subscribed)
	if err == nil {
		time.Sleep(b.o.settle) // let it write its caches and storage, as a user's session does
	}
	p.stop()
	if err != nil {
		return 0, err
	}
	seq = b.platform.Seq()
	p, err = launch()
	if err != nil {
		return 0, err
	}
	defer p.stop()
	return b.waitReady(p, seq, rcplatform.Subscribed)
}

// hiddenApp starts the app, closes its window once the widget is logged in (the app hides to
// the tray) and measures after -hidden.
func (b *realBench) hiddenApp(v variant) (rest, error) {
	seq := b.platform.Seq()
	p, err := launchAppConfig(b.o.app, b.cfg, nil, v.env, false)
	if err != nil {
		return rest{}, err
	}
	defer p.stop()
	if _, err := b.waitReady(p, seq, rcplatform.Subscribed); err != nil {
		return rest{}, err
	}
	if err := closeWindows(p.cmd.Process.Pid); err != nil {
		return rest{}, err
	}
	return b.rest(p)
}

// idleChromium is Chromium's window left alone for as long: it has no tray to hide to.
func (b *realBench) idleChromium() (rest, error) {
	seq := b.platform.Seq()
	p, err := b.startChromium("")
	if err != nil {
		return rest{}, err
	}
	defer p.stop()
	if _, err := b.waitReady(p, seq, rcplatform.Subscribed); err != nil {
		return rest{}, err
	}
	return b.rest(p)
}

// rest waits -hidden, reading the CPU time over its last -cpu, then the memory.
func (b *realBench) rest(p *proc) (rest, error) {
	window := min(b.o.cpuWindow, b.o.hidden)
	time.Sleep(b.o.hidden - window) // the period being measured
	c0, err := procmem.CPU(p.cmd.Process.Pid)
	if err != nil {
		return rest{}, err
	}
	tree, err := b.measureAfter(p, window)
	if err != nil {
		return rest{}, err
	}
	c1, err := procmem.CPU(p.cmd.Process.Pid)
	if err != nil {
		return rest{}, err
	}
	return rest{after: b.o.hidden, tree: tree, cpu: c1 - c0}, nil
}

// closeWindows clicks the close button of each visible window of pid, as a user would.
func closeWindows(pid int) error {
	out, err := exec.Command("xdotool", "search", "--onlyvisible", "--pid", strconv.Itoa(pid)).Output()
	if err != nil {
		return fmt.Errorf("xdotool search --pid %d (apt-get install xdotool): %w", pid, err)
	}
	for _, f := range strings.Fields(string(out)) {
		id, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			continue
		}
		if err := apptest.CloseWindow(apptest.XWindow{ID: id}); err != nil {
			return err
		}
	}
	return nil
}

// widgetVersion reads the build's version (webpack writes APP_VERSION into app.js).
func widgetVersion(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "app.js"))
	if err != nil {
		return "unknown"
	}
	s := string(b)
	for _, key := range []string{`APP_VERSION:"`, `"APP_VERSION":"`} {
		if i := strings.Index(s, key); i >= 0 {
			v, _, _ := strings.Cut(s[i+len(key):], `"`)
			return v
		}
	}
	return "unknown"
}

// realExperiments are the variants measured on the real widget with -experiments: WebKit's own
// switches, JavaScriptCore options (JSC_*, read by the web process), and the app's tuning
// (EMBEDDABLE_TRAY_TUNING, see webview/tuning_linux.go).
var realExperiments = []variant{
	{name: "no tuning (EMBEDDABLE_TRAY_TUNING=none: JIT on, as before)", env: []string{"EMBEDDABLE_TRAY_TUNING=none"}},
	{name: "JSC_useDFGJIT=0 (JIT on, baseline tier only)", env: []string{"EMBEDDABLE_TRAY_TUNING=jit=on", "JSC_useDFGJIT=0"}},
	{name: "JIT off and web process memory pressure (strict above 45 MB, polled every 10 s)", env: []string{"EMBEDDABLE_TRAY_TUNING=web-mp=150:0.2:0.3:10"}},
	{name: "JIT off and release the memory cache after 30 s hidden", env: []string{"EMBEDDABLE_TRAY_TUNING=release=30"}},
	{name: "JIT on, cache model DOCUMENT_VIEWER", env: []string{"EMBEDDABLE_TRAY_TUNING=jit=on,cache=viewer"}},
	{name: "JIT on, JSC_forceRAMSize=512 MiB", env: []string{"EMBEDDABLE_TRAY_TUNING=jit=on", "JSC_forceRAMSize=536870912"}},
	{name: "JIT on, Malloc=1 (system malloc, not bmalloc)", env: []string{"EMBEDDABLE_TRAY_TUNING=jit=on", "Malloc=1"}},
	{name: "JIT on, WEBKIT_DISABLE_COMPOSITING_MODE=1", env: []string{"EMBEDDABLE_TRAY_TUNING=jit=on", "WEBKIT_DISABLE_COMPOSITING_MODE=1"}},
}
