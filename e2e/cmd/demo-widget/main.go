// Command demo-widget shows the whole app offline: it serves the stand-in widget on loopback
// and runs the app pointed at it, with no "oauth" in the config so the app signs in with its
// built-in demo provider. The app's output goes to this command's; it ends when the app ends.
//
//	go run ./e2e/cmd/demo-widget -app ./bin/embeddable-tray
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/embeddable-tray/embeddable-tray/e2e/standin"
)

func main() {
	os.Exit(run())
}

func run() int {
	appPath := flag.String("app", "./bin/embeddable-tray", "the app binary to run")
	name := flag.String("service", "DemoCRM", "the third-party service's name (its keyring entry)")
	debug := flag.Bool("debug", false, "pass --debug to the app and log the stand-in's reports")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: %s [flags] [-- app arguments]\n\nServes the stand-in widget and runs the app against it.\n\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()

	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	w, err := standin.Listen(log)
	if err != nil {
		log.Error("demo-widget: cannot serve the stand-in widget", "err", err)
		return 1
	}
	defer w.Close()

	dir, err := os.MkdirTemp("", "demo-widget-")
	if err != nil {
		log.Error("demo-widget: temp dir", "err", err)
		return 1
	}
	defer os.RemoveAll(dir)
	cfgPath := filepath.Join(dir, "config.json")
	if err := writeConfig(cfgPath, w, *name); err != nil {
		log.Error("demo-widget: write config", "path", cfgPath, "err", err)
		return 1
	}

	args := []string{"--config", cfgPath}
	if *debug {
		args = append(args, "--debug")
	}
	cmd := exec.Command(*appPath, append(args, flag.Args()...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	log.Info("demo-widget: stand-in widget serving", "url", w.URL(), "app", *appPath)
	if err := cmd.Start(); err != nil {
		log.Error("demo-widget: cannot start the app (build it with make build)", "app", *appPath, "err", err)
		return 1
	}

	// Ctrl-C and SIGTERM go to the app, which quits cleanly; we end when it does.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	err = cmd.Wait()
	signal.Stop(sigs)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		log.Error("demo-widget: app", "err", err)
		return 1
	}
	return 0
}

// writeConfig points the app at the stand-in widget with a demo service and no "oauth" (the
// app's demo provider).
func writeConfig(path string, w *standin.Widget, name string) error {
	cfg := map[string]any{
		"widget": map[string]any{
			"url": w.URL(),
			// jwt: the stand-in logs in to RingCentral at start, without a login page.
			"params": map[string]string{"clientId": "demo-client", "jwt": standin.LoginJWT},
		},
		"service": map[string]any{
			"name":              name,
			"displayName":       "Demo CRM",
			"info":              "Contacts and sign-in from the app's built-in demo CRM",
			"authorizedTitle":   "Unauthorize",
			"unauthorizedTitle": "Authorize",
			"authorizationLogo": w.Origin() + "/logo.svg",
			"showAuthRedDot":    true,
			"signIn":            "window",
		},
	}
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}
