// Command bench measures embeddable-tray against Debian's Chromium showing the same page
// as an app window, and prints one table (also written as Markdown to -out):
//
//   - cold start to "widget ready" (the stand-in widget's first POST to its server after it
//     loaded, the same event for both) and, for our app, to the first message reaching Go
//     (the bridge's "widget page loaded" debug line);
//   - PSS summed over the whole process tree after the widget has been idle (-idle);
//   - a call in each (-call): mouth-to-ear latency both ways on a loopback far end and the
//     CPU of each program's processes during the call (call.go);
//   - the bridge round trip, page -> Go -> page, p50/p99 over -n requests;
//   - go test -bench figures of the bridge and the contacts code;
//   - binary and installer sizes.
//
// Runs alternate (ours, Chromium, ours, ...) so a machine that slows down over time slows
// both. Medians are reported with the ratio us/Chromium. It needs a display and a session
// bus: make bench runs it under xvfb-run and dbus-run-session.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/embeddable-tray/embeddable-tray/app/config"
	"github.com/embeddable-tray/embeddable-tray/bench/loadpage"
	"github.com/embeddable-tray/embeddable-tray/bench/procmem"
	"github.com/embeddable-tray/embeddable-tray/e2e/standin"
)

type options struct {
	app, chromium, out string
	runs, n            int
	idle               time.Duration
	goBench            bool
	experiments        bool

	// the call rows (-call)
	call     bool
	callTime time.Duration
	bursts   int

	// the real widget (-widget)
	widget                    string
	hidden, cpuWindow, settle time.Duration
	hiddenVariants            bool
	variants                  string
}

func main() {
	var o options
	flag.StringVar(&o.app, "app", "bin/embeddable-tray", "the app binary")
	flag.StringVar(&o.chromium, "chromium", "/usr/bin/chromium", "the browser to compare with")
	flag.StringVar(&o.out, "out", "bench/out/results.md", "write the table here as Markdown too")
	flag.IntVar(&o.runs, "runs", 5, "cold starts of each program")
	flag.IntVar(&o.n, "n", 10000, "requests of the round-trip run")
	flag.DurationVar(&o.idle, "idle", 5*time.Second, "how long the widget idles before memory is read")
	flag.BoolVar(&o.goBench, "gobench", true, "run go test -bench for the bridge and contacts")
	flag.BoolVar(&o.experiments, "experiments", false, "also measure the app with each start-up/WebKit variant (see README.md, Performance)")
	flag.BoolVar(&o.call, "call", true, "measure a call in each program: mouth-to-ear latency both ways and CPU (stand-in mode)")
	flag.DurationVar(&o.callTime, "calltime", 20*time.Second, "the in-call window whose CPU time is measured")
	flag.IntVar(&o.bursts, "bursts", 10, "tone bursts timed each way per call")
	flag.StringVar(&o.widget, "widget", "", "a build of the real widget (WIDGET_DIR): measure on it, served by e2e/rcplatform, instead of the stand-in page")
	flag.DurationVar(&o.hidden, "hidden", 5*time.Minute, "real widget: how long the app stays hidden to the tray (Chromium idle) before memory is read")
	flag.DurationVar(&o.cpuWindow, "cpu", 60*time.Second, "real widget: CPU time is read over the last this much of -hidden")
	flag.DurationVar(&o.settle, "settle", 10*time.Second, "real widget: how long the first of a warm pair runs after logging in")
	flag.BoolVar(&o.hiddenVariants, "hidden-variants", true, "real widget: also measure each variant hidden (one -hidden period each)")
	flag.StringVar(&o.variants, "variants", "", "real widget, with -experiments: only the variants whose name matches this regular expression")
	flag.Parse()
	if o.widget != "" && !isFlagSet("idle") {
		o.idle = 15 * time.Second // the real widget keeps loading for a while after its login
	}
	runner := run
	if o.widget != "" {
		runner = runReal
	}
	if err := runner(o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func isFlagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// variant is a way of running our app: the shipped default, or with one change.
type variant struct {
	name  string
	env   []string
	oauth *config.OAuth // a configured provider instead of the built-in demo one
}

// configured is a provider on loopback that is never called at start: with it the app does
// not start its built-in demo provider.
var configured = &config.OAuth{AuthorizeURL: "http://127.0.0.1:9/authorize", TokenURL: "http://127.0.0.1:9/token", ClientID: "bench"}

var experiments = []variant{
	{name: "WEBKIT_DISABLE_COMPOSITING_MODE=1", env: []string{"WEBKIT_DISABLE_COMPOSITING_MODE=1"}},
	{name: "no demo provider (a configured one)", oauth: configured},
	{name: "WEBKIT_DISABLE_DMABUF_RENDERER=1", env: []string{"WEBKIT_DISABLE_DMABUF_RENDERER=1"}},
}

// checkPrograms makes o.app absolute (the app runs in a directory of its own) and checks that
// a display and both programs are there.
func checkPrograms(o *options) error {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errors.New("no display: run under xvfb-run -a dbus-run-session (make bench)")
	}
	var err error
	if o.app, err = filepath.Abs(o.app); err != nil {
		return err
	}
	for _, p := range []string{o.app, o.chromium} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("%w (make build; apt-get install chromium)", err)
		}
	}
	return nil
}

func run(o options, stdout io.Writer) error {
	if err := checkPrograms(&o); err != nil {
		return err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	w, err := standin.Listen(quiet)
	if err != nil {
		return err
	}
	defer w.Close()
	lp, err := loadpage.Start()
	if err != nil {
		return err
	}
	defer lp.Close()

	rep := &report{machine: machine(o.chromium)}
	base := variant{name: "embeddable-tray"}
	variants := []variant{base}
	if o.experiments {
		variants = append(variants, experiments...)
	}
	samples := map[string]*startSamples{}
	for i := 0; i < o.runs; i++ {
		for _, v := range variants {
			s, err := coldStartApp(o, w, v)
			if err != nil {
				return err
			}
			samples[v.name] = samples[v.name].add(s)
			fmt.Fprintf(os.Stderr, "run %d %s: ready %v, PSS %.0f MiB\n", i+1, v.name, s.ready, s.tree.MiB())
		}
		s, err := coldStartChromium(o, w)
		if err != nil {
			return err
		}
		samples["chromium"] = samples["chromium"].add(s)
		fmt.Fprintf(os.Stderr, "run %d chromium: ready %v, PSS %.0f MiB\n", i+1, s.ready, s.tree.MiB())
	}
	rep.starts(samples["embeddable-tray"], samples["chromium"])
	for _, v := range variants[1:] {
		rep.variant(v.name, samples[v.name], samples["embeddable-tray"], samples["chromium"])
	}

	if o.call {
		calls, err := callBench(o)
		if err != nil {
			return err
		}
		rep.calls(o, calls)
	}

	rt, err := roundTrip(o, lp)
	if err != nil {
		return err
	}
	rep.roundTrip(rt)
	if o.goBench {
		lines, err := goBenchmarks()
		if err != nil {
			return err
		}
		rep.goBench(lines)
	}
	rep.sizes(o.app, "dist")

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

// startSample is one cold start.
type startSample struct {
	ready   time.Duration // launch to the page's first POST
	goFirst time.Duration // launch to the first message in Go (our app only; 0 if unknown)
	tree    procmem.Tree  // after idling
}

type startSamples []startSample

func (s *startSamples) add(x startSample) *startSamples {
	if s == nil {
		s = &startSamples{}
	}
	*s = append(*s, x)
	return s
}

const startTimeout = 60 * time.Second

func coldStartApp(o options, w *standin.Widget, v variant) (startSample, error) {
	seq := w.Seq()
	p, err := launchApp(o.app, w.URL(), v.oauth, v.env, true)
	if err != nil {
		return startSample{}, err
	}
	defer p.stop()
	return measureStart(o, w, p, seq, func(s *startSample) {
		if t, ok := p.logTime("widget page loaded"); ok {
			s.goFirst = t.Sub(p.started)
		}
	})
}

func coldStartChromium(o options, w *standin.Widget) (startSample, error) {
	seq := w.Seq()
	p, err := launchChromium(o.chromium, w.URL())
	if err != nil {
		return startSample{}, err
	}
	defer p.stop()
	return measureStart(o, w, p, seq, nil)
}

// measureStart waits for the page's first report after seq, lets it idle and reads PSS.
func measureStart(o options, w *standin.Widget, p *proc, seq int, extra func(*startSample)) (startSample, error) {
	var s startSample
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	err := p.waitOrExit(ctx, "the widget was ready", func(ctx context.Context) error {
		_, err := w.WaitFor(ctx, standin.After(seq, standin.IsKind(standin.KindLoad)))
		return err
	})
	if err != nil {
		return s, err
	}
	s.ready = time.Since(p.started)
	time.Sleep(o.idle) // the idle period being measured, not a wait for a condition
	if p.exited() {
		return s, fmt.Errorf("%s exited while idle:\n%s", p.name, tail(p.output(), 2000))
	}
	s.tree, err = procmem.Measure(p.cmd.Process.Pid)
	if err != nil {
		return s, err
	}
	if extra != nil {
		extra(&s)
	}
	return s, nil
}

// roundTrip loads the load page in rt mode and returns what it measured.
func roundTrip(o options, lp *loadpage.Server) (loadpage.Result, error) {
	_, mark := lp.Marks()
	p, err := launchApp(o.app, lp.URL(loadpage.ModeRoundTrip, o.n), nil, nil, false)
	if err != nil {
		return loadpage.Result{}, err
	}
	defer p.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var res loadpage.Result
	err = p.waitOrExit(ctx, "the round-trip run ended", func(ctx context.Context) error {
		var err error
		res, err = lp.WaitResult(ctx, mark)
		return err
	})
	if err == nil && res.Timeouts > 0 {
		err = fmt.Errorf("round trip: %d of %d requests were not answered", res.Timeouts, res.Count)
	}
	return res, err
}

// firstLine is s up to its first newline.
func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}
