package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/embeddable-tray/embeddable-tray/app/config"
	"github.com/embeddable-tray/embeddable-tray/bench/procmem"
	"github.com/embeddable-tray/embeddable-tray/e2e/appenv"
)

// proc is one launched program (our app or Chromium) and its output.
type proc struct {
	name    string
	cmd     *exec.Cmd
	started time.Time
	dir     string // its private directories, removed by stop
	done    chan struct{}

	mu  sync.Mutex
	out bytes.Buffer
}

func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// launchApp starts the app on widgetURL with fresh HOME and XDG directories (e2e/appenv), so
// every run is a cold start (no WebKit cache, no localStorage), plus extra environment
// variables. oauth nil means the built-in demo provider.
func launchApp(bin, widgetURL string, oauth *config.OAuth, env []string, debug bool) (*proc, error) {
	cfg := config.Default()
	cfg.Widget.URL = widgetURL
	cfg.Service.OAuth = oauth
	return launchAppConfig(bin, cfg, nil, env, debug)
}

// launchAppConfig starts the app with cfg (its service gets a name of its own: the keyring is
// shared) in dirs, or in fresh directories that stop removes when dirs is nil.
func launchAppConfig(bin string, cfg config.Config, dirs *appenv.Dirs, env []string, debug bool) (*proc, error) {
	owned := dirs == nil
	if owned {
		d, err := appenv.New("et-bench-")
		if err != nil {
			return nil, err
		}
		dirs = &d
	}
	cfg.Service.Name = fmt.Sprintf("Bench%d", time.Now().UnixNano()%1e9)
	cfg.Service.DisplayName = "Bench CRM"
	cfgPath, err := dirs.WriteConfig(cfg)
	if err != nil {
		if owned {
			os.RemoveAll(dirs.Root)
		}
		return nil, err
	}
	args := []string{"--config", cfgPath}
	if debug {
		args = append(args, "--debug")
	}
	removed := ""
	if owned {
		removed = dirs.Root
	}
	return start("app", removed, append(dirs.Environ(), env...), dirs.Home, bin, args...)
}

// launchChromium starts Debian's Chromium as an app window on url, with the flags of
// ../shared/TOOLCHAIN.md and a fresh profile.
func launchChromium(bin, url string) (*proc, error) {
	dir, err := os.MkdirTemp("", "et-bench-chromium-")
	if err != nil {
		return nil, err
	}
	return start("chromium", dir, os.Environ(), dir, bin, chromiumArgs(dir, url)...)
}

func chromiumArgs(profile, url string, extra ...string) []string {
	return append([]string{"--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--password-store=basic",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + profile, "--app=" + url}, extra...)
}

// start runs bin in workDir; stop removes dir ("" keeps everything).
func start(name, dir string, env []string, workDir, bin string, args ...string) (*proc, error) {
	p := &proc{name: name, dir: dir, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p, p
	p.cmd.Dir = workDir
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		if dir != "" {
			os.RemoveAll(dir)
		}
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	return p, nil
}

// stop ends the program with SIGTERM (SIGKILL after 10 s) and any process of its tree left
// behind, then removes its directories.
func (p *proc) stop() {
	tree, _ := procmem.Descendants(p.cmd.Process.Pid)
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	for _, c := range tree[min(1, len(tree)):] {
		_ = syscall.Kill(c.PID, syscall.SIGKILL)
	}
	if p.dir != "" {
		os.RemoveAll(p.dir)
	}
}

// exited says whether the program has ended already.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// logTime finds the first slog line of the app's output containing msg and returns its
// time= field.
func (p *proc) logTime(msg string) (time.Time, bool) {
	sc := bufio.NewScanner(strings.NewReader(p.output()))
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, msg) {
			continue
		}
		v, ok := strings.CutPrefix(line, "time=")
		if !ok {
			continue
		}
		v, _, _ = strings.Cut(v, " ")
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// waitOrExit runs wait, failing early with the program's output if it exits first.
func (p *proc) waitOrExit(ctx context.Context, what string, wait func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-p.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := wait(ctx); err != nil {
		if p.exited() {
			return fmt.Errorf("%s exited before %s:\n%s", p.name, what, tail(p.output(), 2000))
		}
		return fmt.Errorf("%s: %s: %w\n%s", p.name, what, err, tail(p.output(), 2000))
	}
	return nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
