// Command embeddable-tray puts the RingCentral Embeddable softphone widget on the desktop:
// a tray app that hosts the widget in a native window, registers a third-party (CRM)
// service in it, signs the user in to that service and serves its contacts to the widget.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"fyne.io/systray"

	"github.com/embeddable-tray/embeddable-tray/app"
	"github.com/embeddable-tray/embeddable-tray/app/autostart"
	"github.com/embeddable-tray/embeddable-tray/app/config"
	"github.com/embeddable-tray/embeddable-tray/app/instance"
	"github.com/embeddable-tray/embeddable-tray/app/signin"
	"github.com/embeddable-tray/embeddable-tray/app/tray"
	"github.com/embeddable-tray/embeddable-tray/assets"
	"github.com/embeddable-tray/embeddable-tray/bridge"
	"github.com/embeddable-tray/embeddable-tray/internal/redact"
	"github.com/embeddable-tray/embeddable-tray/webview"
)

// version is stamped at build time: -ldflags "-X main.version=1.2.3".
var version = "0.0.0-dev"

// appID names the app to the desktop: data and config directories, the keyring, the
// single-instance socket and the WM class.
const appID = "embeddable-tray"

func init() {
	// GTK (and so the webview and its loop) must stay on the main thread.
	runtime.LockOSThread()
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// flags are the command line; see usage.
type flags struct {
	configPath string
	widgetURL  string
	debug      bool
	hidden     bool
	version    bool
	numbers    []string // from tel: and callto: arguments
}

func parseFlags(args []string, stderr io.Writer) (flags, error) {
	var f flags
	fs := flag.NewFlagSet(appID, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.configPath, "config", "", "read the configuration from `PATH` (default: "+defaultConfigPathForHelp()+")")
	fs.StringVar(&f.widgetURL, "widget-url", "", "load the widget from `URL` instead of the configured one")
	fs.BoolVar(&f.debug, "debug", false, "log debug messages and enable the web inspector")
	fs.BoolVar(&f.hidden, "hidden", false, "start in the tray with the window hidden (used by Start at login)")
	fs.BoolVar(&f.version, "version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: %s [flags] [tel:NUMBER | callto:NUMBER]

Embeddable Tray hosts the RingCentral Embeddable softphone in a tray app and connects it
to your CRM. A tel: or callto: link opens the dialer with that number; if the app is
already running, the running app gets it.

Flags:
`, appID)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	for _, arg := range fs.Args() {
		n, ok := app.PhoneNumberFromURI(arg)
		if !ok {
			return f, fmt.Errorf("%q is not a tel: or callto: link", arg)
		}
		f.numbers = append(f.numbers, n)
	}
	return f, nil
}

func defaultConfigPathForHelp() string {
	p, err := config.DefaultPath()
	if err != nil {
		return "<config dir>/embeddable-tray/config.json"
	}
	return p
}

func run(args []string, stdout, stderr io.Writer) int {
	f, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", appID, err)
		return 2
	}
	if f.version {
		fmt.Fprintf(stdout, "%s %s\n", appID, version)
		return 0
	}
	level := slog.LevelInfo
	if f.debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log)

	cfg, err := loadConfig(f)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", appID, err)
		return 2
	}

	// A second launch hands its links to the running app and leaves.
	primary, err := instance.Acquire(appID)
	if errors.Is(err, instance.ErrAlreadyRunning) {
		log.Info("already running: passed the request to the running app")
		return 0
	}
	if err != nil {
		log.Warn("cannot make sure only one copy runs", "err", err)
	}
	if primary != nil {
		defer primary.Close()
	}

	if err := webview.CheckDisplay(); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", appID, err)
		return 1
	}
	if err := serve(cfg, f, primary, log); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", appID, err)
		return 1
	}
	return 0
}

func loadConfig(f flags) (config.Config, error) {
	path := f.configPath
	if path == "" {
		var err error
		if path, err = config.DefaultPath(); err != nil {
			return config.Config{}, err
		}
	}
	cfg, err := config.Load(path)
	if err != nil {
		return cfg, err
	}
	if f.widgetURL != "" {
		cfg.Widget.URL = f.widgetURL
		if err := cfg.Validate(); err != nil {
			return cfg, fmt.Errorf("--widget-url: %w", err)
		}
	}
	return cfg, nil
}

// serve runs the app until the user quits.
func serve(cfg config.Config, f flags, primary *instance.Primary, log *slog.Logger) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// Hidden only where the tray can bring the window back.
	hidden := f.hidden && tray.Available()
	ui, err := webview.New(webview.Options{Title: "Embeddable Tray", Width: 300, Height: 560, Resizable: true, Debug: f.debug, Hidden: hidden})
	if err != nil {
		return err
	}
	mainWin := ui.Main()

	b, err := build(ctx, cfg, desktop{UI: windowMaker{ui}, Main: mainWin, Log: log})
	if err != nil {
		return err
	}
	defer b.close()
	a, cfg := b.app, b.cfg

	router := bridge.NewRouter()
	a.Routes(router)
	// Calls in a view without WebRTC (issue 12): the shim in the page, the engine in Go,
	// talking over the bridge's RTC port only.
	var engine callEngine = noCallEngine{}
	conn := bridge.NewConn(bridge.Config{
		Send:     mainWin.EvalHost,
		Origin:   cfg.WidgetOrigin(),
		Router:   router,
		Events:   a,
		Logger:   log,
		RTC:      func(data json.RawMessage) { engine.Handle(data) },
		RTCReset: func() { engine.PageGone() },
	})
	// Set before conn.Run starts: nothing calls RTC or RTCReset until then.
	if e, err := newCallEngine(a.RTCToPage(func(msg []byte) { _ = conn.PostRTC(msg) }), log); err != nil {
		log.Info("calls use the web view's own WebRTC or another way", "why", err)
		if runtime.GOOS == "linux" {
			a.CallingUnavailable("the call engine could not start: " + err.Error())
		}
	} else {
		engine = e
		defer engine.Close()
	}
	a.Attach(conn)
	go conn.Run(ctx)

	// The bridge: the host script in the app's isolated world, every committed page a new
	// generation, and the window kept on the widget's origin (issue 9).
	mainWin.SetNavigationPolicy(webview.NavigationPolicy{
		Page: cfg.AllowsPage,
		Frame: func(uri string) bool {
			if cfg.AllowsFrame(uri) {
				return true
			}
			log.Warn("refused a page or frame of an origin that is neither the widget's nor in widget.frameOrigins", "origin", originOf(uri))
			return false
		},
		Elsewhere: func(uri string) { openElsewhere(uri, log) },
	})
	mainWin.OnLoadCommitted(conn.PageCommitted)
	mainWin.OnHostMessage(func(pageURI, msg string) { _ = conn.Receive(pageURI, msg) })
	mainWin.AddPageScript(assets.CallingJS) // before the host script, which hands it its port
	mainWin.AddHostScript(bridge.HostScript(cfg.WidgetOrigin(), 0))
	mainWin.AllowMediaFor(cfg.WidgetOrigin()) // microphone, notifications, ringtones: the widget only
	mainWin.OnAppLink(a.OpenCallLink)         // rcapp:// call links: nothing on Linux opens them
	mainWin.OnLoadFailed(a.LoadFailed)
	mainWin.OnVisibilityChange(a.WindowVisibility)

	endTray := startTray(cfg, a, log)
	if endTray == nil {
		// No tray to bring a hidden window back: closing it quits.
		mainWin.OnClose(a.Quit)
	}

	if primary != nil {
		go forwardRequests(primary.Requests(), a, log)
	}
	for _, n := range f.numbers {
		a.Dial(n)
	}
	go quitOnSignal(ctx, a)

	a.LoadWidget()
	log.Info("started", "version", version, "widget", redact.URL(cfg.Widget.URL), "service", cfg.Service.Name, "demo", b.svc.demo,
		"navigation", webview.NavigationMechanism())
	ui.Run()
	if endTray != nil {
		endTray()
	}
	return nil
}

// openElsewhere opens a page the main window may not show in the system browser.
func openElsewhere(uri string, log *slog.Logger) {
	log.Info("the main window stays on the widget's origin: opening the page in the system browser", "origin", originOf(uri))
	if err := signin.OpenBrowser(uri); err != nil {
		log.Warn("cannot open a page in the system browser", "err", err)
	}
}

// originOf is uri without path and query, for the log.
func originOf(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Scheme + "://" + u.Host
}

// startTray shows the tray icon; it returns nil when there is no session bus to show it on.
func startTray(cfg config.Config, a *app.App, log *slog.Logger) (end func()) {
	if !tray.Available() {
		log.Warn("no D-Bus session bus: running without a tray icon; closing the window quits")
		return nil
	}
	t := tray.New(cfg.Service.DisplayName, tray.Icons{SignedIn: assets.TrayIcon(true), SignedOut: assets.TrayIcon(false)}, trayActions{a}, log)
	a.OnChange(func(s app.Snapshot) { t.Update(trayState(cfg, s)) })
	systray.SetTitle("Embeddable Tray") // before start: the tray's id comes from it
	start, end := systray.RunWithExternalLoop(t.OnReady, nil)
	start()
	t.Update(trayState(cfg, a.Snapshot()))
	return end
}

func trayState(cfg config.Config, s app.Snapshot) tray.State {
	st := tray.State{
		WindowVisible:         s.WindowVisible,
		DisplayName:           cfg.Service.DisplayName,
		Phase:                 s.Phase,
		Account:               s.Account,
		Problem:               s.Problem,
		ContactsProblem:       s.ContactsProblem,
		StartAtLogin:          s.StartAtLogin,
		StartAtLoginSupported: autostart.Supported(),
		Call:                  s.Call,
		RingingCall:           s.RingingCall,
		CallingNote:           s.CallingNote,
	}
	if !s.Remembered {
		st.KeyringWarning = "Sign-in will not be remembered: no keyring is available"
	}
	return st
}

// forwardRequests serves later launches: each brings the window up and passes its links.
func forwardRequests(reqs <-chan []string, a *app.App, log *slog.Logger) {
	for args := range reqs {
		a.ShowWindow()
		for _, arg := range args {
			if n, ok := app.PhoneNumberFromURI(arg); ok {
				a.Dial(n)
			} else {
				log.Debug("ignored an argument from a second launch", "arg", arg)
			}
		}
	}
}

func quitOnSignal(ctx context.Context, a *app.App) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	select {
	case <-sig:
		a.Quit()
	case <-ctx.Done():
	}
}

// trayActions lets the tray start and end flows without waiting for them.
type trayActions struct{ *app.App }

func (t trayActions) SignIn()  { t.App.SignIn() }
func (t trayActions) SignOut() { t.App.SignOut() }

// windowMaker adapts webview.UI to the app's UI.
type windowMaker struct{ ui *webview.UI }

func (m windowMaker) NewWindow(title string) (app.Window, error) {
	w, err := m.ui.NewWindow(webview.Options{Title: title, Width: 480, Height: 640, Resizable: true})
	if err != nil {
		return nil, err // not a typed nil in an interface
	}
	return w, nil
}

func (m windowMaker) Quit() { m.ui.Quit() }

// startAtLogin adapts the autostart package to the app.
type startAtLogin struct{}

func (startAtLogin) Enabled() (bool, error)  { return autostart.Enabled() }
func (startAtLogin) Enable(exe string) error { return autostart.Enable(exe, "--hidden") }
func (startAtLogin) Disable() error          { return autostart.Disable() }
