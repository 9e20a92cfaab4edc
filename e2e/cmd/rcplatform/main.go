// Command rcplatform serves a build of the real RingCentral Embeddable widget on the project's
// loopback stand-in of the RingCentral platform (package e2e/rcplatform), on the origin the
// build was made for, and optionally runs the app against it:
//
//	go run ./e2e/cmd/rcplatform -widget /tmp/rcw-build                        # serve; prints the URL
//	go run ./e2e/cmd/rcplatform -widget /tmp/rcw-build -app ./bin/embeddable-tray  # make demo WIDGET_DIR=...
//
// The widget logs in as the stand-in account without any UI (its jwt URL parameter). Its web
// phone registers to the platform's calling side (package rcsip, on the same origin): a call
// it places is answered by a far end that plays a 440 Hz tone, and SIGUSR1 makes the far end
// ring it (kill -USR1 <pid of this command>). With
// -app the app gets a config pointing at the widget, the app's built-in demo CRM as the
// third-party service, and its own output goes to this command's; the command ends when the
// app does. Without -app it serves until interrupted.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/embeddable-tray/embeddable-tray/e2e/rcplatform"
	"github.com/embeddable-tray/embeddable-tray/e2e/rcsip"
)

func main() { os.Exit(run()) }

func run() int {
	widget := flag.String("widget", os.Getenv("WIDGET_DIR"), "a build of the widget (app.html, app.js, ...); default $WIDGET_DIR")
	addr := flag.String("addr", "", "listen here instead of where the build expects its API server")
	jwt := flag.String("jwt", rcplatform.DefaultJWT, "the JWT the platform accepts and the widget logs in with")
	appPath := flag.String("app", "", "run this embeddable-tray binary against the widget, and end with it")
	debug := flag.Bool("debug", false, "log every request; pass --debug to the app")
	flag.Parse()
	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if *widget == "" {
		log.Error("rcplatform: no widget build: pass -widget DIR (or set WIDGET_DIR)")
		return 2
	}
	p, err := rcplatform.New(rcplatform.Options{WidgetDir: *widget, JWT: *jwt, Log: log})
	if err != nil {
		log.Error(err.Error())
		return 1
	}
	var s *rcplatform.Server
	if *addr != "" {
		s, err = rcplatform.Listen(*addr, p)
	} else {
		s, err = rcplatform.ListenForBuild(p)
	}
	if err != nil {
		log.Error(err.Error())
		return 1
	}
	defer s.Close()
	sip := p.MountCalling(rcsip.Config{}, strings.TrimPrefix(s.Origin(), "http://"))
	defer sip.Close()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go farEnd(ctx, log, sip)
	widgetURL := s.AppURL(nil)
	params := map[string]string{"clientId": "embeddable-tray-local", "jwt": *jwt}
	q := url.Values{}
	for k, v := range params {
		q.Set(k, v)
	}
	log.Info("rcplatform: serving the widget", "url", s.AppURL(q), "dir", *widget)

	rings := make(chan os.Signal, 1)
	signal.Notify(rings, syscall.SIGUSR1)
	go func() {
		for range rings {
			c, err := sip.Ring(ctx, "+15557654321", "Demo Caller")
			if err != nil {
				log.Warn("rcplatform: cannot ring the web phone", "err", err)
				continue
			}
			go func() {
				if c.WaitState(ctx, rcsip.Answered) == nil {
					c.SendTone(440)
				}
			}()
		}
	}()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	if *appPath == "" {
		<-sigs
		return 0
	}
	return runApp(log, *appPath, widgetURL, params, *debug, sigs)
}

// farEnd answers every call the web phone places and plays a tone on it.
func farEnd(ctx context.Context, log *slog.Logger, sip *rcsip.Server) {
	for {
		c, err := sip.NextCall(ctx)
		if err != nil {
			return // the command ends
		}
		log.Info("rcplatform: the far end answers a call", "to", c.Target)
		if err := c.Answer(ctx); err != nil {
			log.Warn("rcplatform: the far end cannot answer", "err", err)
			continue
		}
		c.SendTone(440)
	}
}

// runApp runs the app with a config for the widget and the built-in demo CRM, passing our
// signals on, and returns its exit code.
func runApp(log *slog.Logger, appPath, widgetURL string, params map[string]string, debug bool, sigs chan os.Signal) int {
	dir, err := os.MkdirTemp("", "rcplatform-demo-")
	if err != nil {
		log.Error(err.Error())
		return 1
	}
	defer os.RemoveAll(dir)
	cfg := map[string]any{
		"widget": map[string]any{"url": widgetURL, "params": params},
		"service": map[string]any{
			"name": "DemoCRM", "displayName": "Demo CRM", "info": "Contacts and sign-in from the app's built-in demo CRM",
			"authorizedTitle": "Unauthorize", "unauthorizedTitle": "Authorize", "showAuthRedDot": true, "signIn": "window",
		},
	}
	data, _ := json.MarshalIndent(cfg, "", "  ")
	cfgPath := filepath.Join(dir, "config.json")
	if err := os.WriteFile(cfgPath, data, 0o600); err != nil {
		log.Error(err.Error())
		return 1
	}
	args := []string{"--config", cfgPath}
	if debug {
		args = append(args, "--debug")
	}
	cmd := exec.Command(appPath, append(args, flag.Args()...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		log.Error(fmt.Sprintf("rcplatform: cannot start the app (make build): %v", err))
		return 1
	}
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
		log.Error(err.Error())
		return 1
	}
	return 0
}
