package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/embeddable-tray/embeddable-tray/app"
	"github.com/embeddable-tray/embeddable-tray/app/apppassword"
	"github.com/embeddable-tray/embeddable-tray/app/config"
	"github.com/embeddable-tray/embeddable-tray/app/contacts"
	"github.com/embeddable-tray/embeddable-tray/app/notify"
	"github.com/embeddable-tray/embeddable-tray/app/provider"
	"github.com/embeddable-tray/embeddable-tray/app/signin"
	"github.com/embeddable-tray/embeddable-tray/app/tokenstore"
	"github.com/embeddable-tray/embeddable-tray/assets"
	"github.com/embeddable-tray/embeddable-tray/internal/secret"
)

// service is the third-party side: the sign-in client, where its token is kept, and the
// address book it unlocks. With no service.oauth in the config it is the built-in demo.
type service struct {
	auth       *signin.Client
	store      tokenstore.Store
	remembered bool
	demo       bool
	carddavURL string
	// logo is the demo's authorizationLogo when the config names none ("" otherwise).
	logo  string
	close func()
}

// startService starts the service of cfg. store, when not nil, keeps the token instead of
// the OS keyring (remembered says whether it outlasts the app). cfg is not changed: what
// the service adds to it is applied by withService.
func startService(ctx context.Context, cfg config.Config, store tokenstore.Store, remembered bool, log *slog.Logger) (*service, error) {
	s := &service{close: func() {}}
	ownKeyring := store == nil
	if ownKeyring {
		var err error
		store, remembered, err = tokenstore.Open(appID, cfg.Service.Name)
		if err != nil {
			log.Warn("keyring unavailable", "err", err)
		}
		if !remembered {
			log.Warn("no keyring (Secret Service) is available: the sign-in will not be remembered after the app quits")
		}
	}
	s.store, s.remembered = store, remembered
	oc := cfg.Service.OAuth
	var carddavURL string
	if cfg.Service.Contacts != nil {
		carddavURL = cfg.Service.Contacts.CardDAVURL
	}
	if oc == nil {
		po := provider.Options{Logger: log.With("component", "demo-provider")}
		if ownKeyring && remembered {
			// The app's sign-in is restored from the keyring after a restart: the provider
			// keeps what it issued there too, or it would refuse that sign-in.
			po.Keep = secret.Entry{Service: appID, User: cfg.Service.Name + "/demo-provider"}
		}
		p, err := provider.Start(ctx, po)
		if err != nil {
			return nil, fmt.Errorf("cannot start the built-in demo provider: %w", err)
		}
		s.close = func() { p.Close() }
		s.demo = true
		oc = &config.OAuth{
			AuthorizeURL: p.AuthorizeURL(), TokenURL: p.TokenURL(), UserinfoURL: p.UserinfoURL(),
			RevokeURL: p.RevokeURL(), ClientID: p.ClientID(), Scopes: []string{"openid", "email", "profile"},
		}
		if carddavURL == "" {
			carddavURL = p.CardDAVURL()
		}
		if cfg.Service.AuthorizationLogo == "" {
			// The widget shows it in an <img>: the app's own icon, inline.
			logo, _ := assets.Icons.ReadFile("icons/app-64.png")
			s.logo = "data:image/png;base64," + base64.StdEncoding.EncodeToString(logo)
		}
	}
	httpClient := &http.Client{Timeout: 30 * time.Second}
	auth, err := signin.New(signin.Config{
		Issuer: oc.Issuer, AuthorizeURL: oc.AuthorizeURL, TokenURL: oc.TokenURL,
		UserinfoURL: oc.UserinfoURL, RevokeURL: oc.RevokeURL,
		ClientID: oc.ClientID, ClientSecret: oc.ClientSecret, Scopes: oc.Scopes,
		Timeout: cfg.Service.Timeout(),
	}, httpClient, log.With("component", "signin"))
	if err != nil {
		s.close()
		return nil, err
	}
	s.auth = auth

	if carddavURL != "" {
		if err := contacts.CheckURL(carddavURL); err != nil {
			s.close()
			return nil, fmt.Errorf("service.contacts.carddavUrl: %w", err)
		}
	}
	s.carddavURL = carddavURL
	return s, nil
}

// withService is cfg with what the service adds (the demo's logo).
func (s *service) withService(cfg config.Config) config.Config {
	if s.logo != "" {
		cfg.Service.AuthorizationLogo = s.logo
	}
	return cfg
}

// contacts makes the address book for app.Options.NewContacts (nil without one),
// authenticated with the app's current token, or with service.contacts.auth "password",
// with Basic auth and an app password asked for once in the app's window and kept in the
// keyring.
func (s *service) contacts(cfg config.Config, log *slog.Logger) func(a *app.App) (app.AddressBook, func(error) bool) {
	if s.carddavURL == "" {
		return nil
	}
	return func(a *app.App) (app.AddressBook, func(error) bool) { return s.newBook(cfg, a, log) }
}

func (s *service) newBook(cfg config.Config, a *app.App, log *slog.Logger) (app.AddressBook, func(error) bool) {
	ct := cfg.Service.Contacts
	if ct == nil {
		ct = &config.Contacts{}
	}
	region := "US"
	if ct.Region != "" {
		region = ct.Region
	}
	log = log.With("component", "contacts")
	bookCfg := contacts.Config{URL: s.carddavURL, ServiceName: cfg.Service.Name, Region: region}
	if ct.Auth != "password" {
		// The app's Token on every request: no client of its own caches a token across
		// sign-ins.
		client, err := contacts.NewClient(s.carddavURL, &contacts.Bearer{Tokens: a})
		if err != nil {
			log.Error("no address book", "err", err)
			return nil, nil
		}
		return contacts.New(bookCfg, client, log), func(err error) bool { return errors.Is(err, contacts.ErrUnauthorized) }
	}

	account := func() string {
		if ct.Username != "" {
			return ct.Username
		}
		return a.Snapshot().Account
	}
	source := apppassword.NewSource(apppassword.NewKeyringStore(appID, cfg.Service.Name+"/carddav-password"),
		func(ctx context.Context) (string, error) {
			ctx, cancel := context.WithTimeout(ctx, cfg.Service.Timeout())
			defer cancel()
			title := cfg.Service.DisplayName + " app password"
			open := func(url string) (<-chan struct{}, func(), error) { return a.OpenPage(title, url) }
			log.Info("asking for the address book's app password", "account", account())
			return apppassword.Prompt(ctx, open, title, account(), s.carddavURL)
		})
	source.Logger = log
	client, err := contacts.NewClient(s.carddavURL, &apppassword.Transport{
		User: account, Source: source, Server: s.carddavURL,
	})
	if err != nil {
		log.Error("no address book", "err", err)
		return nil, nil
	}
	// A 401 here refuses the app password, not the sign-in: the Transport forgot it and the
	// next request asks again, so it does not sign out.
	return forgettingBook{AddressBook: contacts.New(bookCfg, client, log), source: source, log: log}, func(error) bool { return false }
}

// forgettingBook forgets the app password with the contacts on sign-out.
type forgettingBook struct {
	app.AddressBook
	source *apppassword.Source
	log    *slog.Logger
}

func (b forgettingBook) Clear() {
	b.AddressBook.Clear()
	if err := b.source.Forget(); err != nil {
		b.log.Warn("cannot delete the app password from the keyring", "err", err)
	}
}

// newNotifier shows desktop notifications over the session bus; nil without one. Windows
// needs no bus: its notifications are balloons of the tray icon.
func newNotifier(log *slog.Logger) app.Notifier {
	var conn *dbus.Conn
	if runtime.GOOS != "windows" {
		c, err := dbus.SessionBus()
		if err != nil {
			return nil
		}
		conn = c
	}
	n, err := notify.New(conn, "Embeddable Tray", log)
	if err != nil {
		log.Warn("desktop notifications are not available", "err", err)
		return nil
	}
	return n
}
