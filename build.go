package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/embeddable-tray/embeddable-tray/app"
	"github.com/embeddable-tray/embeddable-tray/app/autostart"
	"github.com/embeddable-tray/embeddable-tray/app/config"
	"github.com/embeddable-tray/embeddable-tray/app/tokenstore"
)

// desktop is what build takes from the desktop. A nil field means the default: the real
// part of this desktop (as tailscale's Run takes a client, nil meaning its own).
type desktop struct {
	UI   app.UI     // makes the sign-in and login windows; required
	Main app.Window // the widget's window; required
	// Store keeps the token; nil means the OS keyring (Remembered is then what it says).
	Store      tokenstore.Store
	Remembered bool
	// Notifier shows desktop notifications; nil means over the session bus (none without).
	Notifier app.Notifier
	// Autostart switches start at login; nil means the OS's, where it has one.
	Autostart app.Autostart
	Log       *slog.Logger // nil means slog.Default()
}

// built is the app made from its parts, with the configuration it runs with.
type built struct {
	app *app.App
	svc *service
	cfg config.Config // the config with what the service adds (the demo's logo)
}

// close ends the app (waiting for its keyring writes) and then the service.
func (b *built) close() {
	b.app.Close()
	b.svc.close()
}

// build makes the app from cfg and the desktop's parts, in this one place: the service
// (sign-in client, token store, the demo provider without service.oauth), the address
// book (made by the app from itself: no part is bound to another after the fact) and the
// app that owns the state. Nothing here touches a window or the bridge.
func build(ctx context.Context, cfg config.Config, d desktop) (*built, error) {
	log := d.Log
	if log == nil {
		log = slog.Default()
	}
	svc, err := startService(ctx, cfg, d.Store, d.Remembered, log)
	if err != nil {
		return nil, err
	}
	cfg = svc.withService(cfg)
	notifier := d.Notifier
	if notifier == nil {
		notifier = newNotifier(log)
	}
	auto := d.Autostart
	if auto == nil && autostart.Supported() {
		auto = startAtLogin{}
	}
	exe, _ := os.Executable()
	a := app.New(app.Options{
		Config:      cfg,
		UI:          d.UI,
		Main:        d.Main,
		Auth:        svc.auth,
		Store:       svc.store,
		Remembered:  svc.remembered,
		NewContacts: svc.contacts(cfg, log),
		Notifier:    notifier,
		Autostart:   auto,
		Executable:  exe,
		Logger:      log,
	})
	return &built{app: a, svc: svc, cfg: cfg}, nil
}
