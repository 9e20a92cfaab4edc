// Package config loads the app's JSON configuration: which widget to host, with which
// query parameters, and the third-party service it registers and signs in to.
//
// A missing file means defaults; a broken one is an error that names the file and the
// problem, so the user can fix it rather than guess.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/embeddable-tray/embeddable-tray/internal/loopback"
	"github.com/embeddable-tray/embeddable-tray/internal/weborigin"
)

// DefaultWidgetURL is RingCentral Embeddable's app page, loaded top-level (see README: a
// cross-origin iframe's localStorage does not survive a restart under WebKitGTK).
const DefaultWidgetURL = "https://apps.ringcentral.com/integration/ringcentral-embeddable/latest/app.html"

// Widget3xURL is the 3.x widget, which RingCentral's own desktop app loads since late 2025;
// set it as widget.url to use it (its redirect page is next to it, see RedirectURI).
const Widget3xURL = "https://apps.ringcentral.com/integration/ringcentral-embeddable/3.x/app.html"

// DefaultSignInTimeout bounds how long a sign-in waits for the provider's callback.
const DefaultSignInTimeout = 5 * time.Minute

// DefaultWidgetStartTimeout is how long a loaded widget page has to announce itself before
// the app shows its offline page.
const DefaultWidgetStartTimeout = time.Minute

// AuthorizationPath is the app's own path for the widget's authorize button; not a setting.
const AuthorizationPath = "/authorize"

// maxFileSize bounds what Load reads: a config file is a few hundred bytes.
const maxFileSize = 1 << 20

// Config is the whole file.
type Config struct {
	Widget  Widget  `json:"widget"`
	Service Service `json:"service"`
}

// Widget says which widget page to load and with which query parameters.
type Widget struct {
	URL    string            `json:"url"`
	Params map[string]string `json:"params,omitempty"`
	// FrameOrigins are the origins whose frames the widget's page may load (see frames.go);
	// nil means DefaultFrameOrigins. The widget's own origin is always allowed.
	FrameOrigins []string `json:"frameOrigins,omitempty"`
	// StartTimeout: a widget page that has not announced itself this long after it was loaded
	// counts as not loaded (default 1m).
	StartTimeout Duration `json:"startTimeout,omitempty"`
}

// StartWithin is StartTimeout with its default.
func (w Widget) StartWithin() time.Duration {
	if w.StartTimeout == 0 {
		return DefaultWidgetStartTimeout
	}
	return time.Duration(w.StartTimeout)
}

// Service is the third-party (CRM) service registered in the widget.
type Service struct {
	Name              string    `json:"name"`
	DisplayName       string    `json:"displayName"`
	Info              string    `json:"info"`
	AuthorizedTitle   string    `json:"authorizedTitle"`
	UnauthorizedTitle string    `json:"unauthorizedTitle"`
	AuthorizationLogo string    `json:"authorizationLogo"`
	ShowAuthRedDot    bool      `json:"showAuthRedDot"`
	SignIn            string    `json:"signIn,omitempty"`        // "window" (default) or "browser"
	SignInTimeout     Duration  `json:"signInTimeout,omitempty"` // default 5m
	OAuth             *OAuth    `json:"oauth,omitempty"`         // nil: the built-in demo provider
	Contacts          *Contacts `json:"contacts,omitempty"`
}

// OAuth describes the provider. Issuer, when set, fills empty endpoint URLs by OpenID discovery.
type OAuth struct {
	Issuer       string   `json:"issuer,omitempty"`
	AuthorizeURL string   `json:"authorizeUrl,omitempty"`
	TokenURL     string   `json:"tokenUrl,omitempty"`
	UserinfoURL  string   `json:"userinfoUrl,omitempty"`
	RevokeURL    string   `json:"revokeUrl,omitempty"`
	ClientID     string   `json:"clientId"`
	ClientSecret string   `json:"clientSecret,omitempty"`
	Scopes       []string `json:"scopes,omitempty"`
}

// Contacts points at the CardDAV address book served to the widget.
type Contacts struct {
	CardDAVURL string `json:"carddavUrl"`
	Auth       string `json:"auth,omitempty"`   // "oauth" (default) or "password"
	Region     string `json:"region,omitempty"` // default region for phone numbers, e.g. "US"
	// Username is the Basic-auth user with auth "password" when it is not the account the
	// sign-in found (an address book under another login name).
	Username string `json:"username,omitempty"`
}

// Duration is a time.Duration written as "5m" or "90s" in JSON.
type Duration time.Duration

// UnmarshalJSON accepts a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New(`a duration is a string such as "5m" or "90s"`)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf(`%q is not a duration such as "5m" or "90s"`, s)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// Default is the configuration with no file: the real widget and a demo service.
func Default() Config {
	return Config{
		Widget: Widget{URL: DefaultWidgetURL},
		Service: Service{
			Name:              "EmbeddableTrayDemo",
			DisplayName:       "Demo CRM",
			Info:              "A demo CRM served by Embeddable Tray itself, on this computer. Set service.oauth in the config to use your own.",
			AuthorizedTitle:   "Unauthorize",
			UnauthorizedTitle: "Authorize",
			ShowAuthRedDot:    true,
		},
	}
}

// DefaultPath is <user config dir>/embeddable-tray/config.json.
func DefaultPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no config directory: %w", err)
	}
	return filepath.Join(dir, "embeddable-tray", "config.json"), nil
}

// Load reads the file at path. A missing file gives Default() and no error; anything
// else wrong is an error that names the file (and the line, when it is about one).
//
// A file that does not parse is read again while it keeps changing (an editor or an
// installer writing it as the app starts): the app takes a whole file, once it has been
// still for settleTime, or none. A FIFO, a device or a directory is an error at once:
// reading one could wait forever.
func Load(path string) (Config, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Default(), nil
	}
	if err != nil {
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return Config{}, fmt.Errorf("config %s: not a regular file (%s)", path, st.Mode().Type())
	}
	data, err := readFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	cfg, err := Parse(data)
	for giveUp := timeNow().Add(maxSettle); err != nil && timeNow().Before(giveUp) && !settled(path); {
		time.Sleep(settleTime / 20)
		again, rerr := readFile(path)
		if rerr != nil {
			break
		}
		if !bytes.Equal(again, data) {
			data = again
			cfg, err = Parse(data)
		}
	}
	if err != nil {
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// settleTime is how long a file must have been still before a parse error is final.
const settleTime = time.Second

// maxSettle bounds the wait for a file that never stops changing.
const maxSettle = time.Minute

// settled says the file has not been written to for settleTime: its error is final.
func settled(path string) bool {
	st, err := os.Stat(path)
	return err != nil || timeNow().Sub(st.ModTime()) > settleTime
}

// timeNow is time.Now, a seam for tests.
var timeNow = time.Now

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("larger than %d bytes", maxFileSize)
	}
	return data, nil
}

// Parse decodes and validates one config document over the defaults: fields left out
// keep their default values.
func Parse(data []byte) (Config, error) {
	cfg := Default()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // a misspelt key silently ignored is worse than an error
	if err := dec.Decode(&cfg); err != nil {
		return Config{}, describe(data, err)
	}
	if dec.More() {
		return Config{}, errors.New("unexpected data after the JSON object")
	}
	if err := cfg.Validate(); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			if line := lineOf(data, fe.Field); line > 0 {
				return Config{}, fmt.Errorf("line %d: %w", line, err)
			}
		}
		return Config{}, err
	}
	return cfg, nil
}

// FieldError is a value the JSON decoder took but the app cannot use. Field is its
// path in the file, e.g. "service.oauth.tokenUrl".
type FieldError struct {
	Field string
	Msg   string // the whole sentence, naming the field
}

func (e *FieldError) Error() string { return e.Msg }

func fieldError(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// lineOf is the line of field's key in data, or of its nearest parent present there (a
// field left out is reported where its object is); 0 if none is.
func lineOf(data []byte, field string) int {
	want := strings.Split(field, ".")
	best := 0
	type frame struct {
		object, wantKey bool
		key             string
	}
	var stack []frame
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return best
		}
		top := len(stack) - 1
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if top >= 0 && stack[top].object {
					stack[top].wantKey = true // this value ends at the matching close
				}
				stack = append(stack, frame{object: d == '{', wantKey: true})
			default:
				stack = stack[:top]
			}
			continue
		}
		if top < 0 || !stack[top].object {
			continue
		}
		if !stack[top].wantKey { // a scalar value
			stack[top].wantKey = true
			continue
		}
		stack[top].key, stack[top].wantKey = tok.(string), false
		path := make([]string, 0, len(stack))
		for _, f := range stack {
			if !f.object {
				break // inside an array: no field of ours
			}
			path = append(path, f.key)
		}
		if len(path) == len(stack) && len(path) <= len(want) && slices.Equal(path, want[:len(path)]) && len(path) > 0 {
			line, _ := position(data, dec.InputOffset())
			if len(path) == len(want) {
				return line
			}
			best = line
		}
	}
}

// describe turns a JSON error into one that says where in the file it is.
func describe(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(data, syn.Offset-1) // Offset is just past the bad byte
		return fmt.Errorf("line %d, column %d: %v", line, col, syn)
	case errors.As(err, &typ):
		line, col := position(data, typ.Offset)
		return fmt.Errorf("line %d, column %d: %q must be %s, not %s", line, col, typ.Field, typ.Type, typ.Value)
	case errors.Is(err, io.EOF):
		return errors.New("the file is empty: write {} for defaults")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the JSON ends too early")
	}
	return err
}

func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// Validate checks what JSON decoding cannot. It is the one rule for the whole config:
// what passes here the parts that use it (signin, contacts) accept too. Its errors are
// *FieldError.
func (c Config) Validate() error {
	if _, err := parseHTTPURL("widget.url", c.Widget.URL); err != nil {
		return err
	}
	if err := validFrameOrigins(c.Widget.FrameOrigins); err != nil {
		return err
	}
	if c.Widget.Params["redirectUri"] != "" {
		if _, err := parseHTTPURL("widget.params.redirectUri", c.Widget.Params["redirectUri"]); err != nil {
			return err
		}
	}
	if c.Widget.StartTimeout < 0 {
		return errors.New("widget.startTimeout must be positive")
	}
	s := c.Service
	if strings.TrimSpace(s.Name) == "" {
		return fieldError("service.name", "service.name must not be empty")
	}
	if !slices.Contains([]string{"", "window", "browser"}, s.SignIn) {
		return fieldError("service.signIn", `service.signIn is %q: use "window" or "browser"`, s.SignIn)
	}
	if s.SignInTimeout < 0 {
		return fieldError("service.signInTimeout", "service.signInTimeout must be positive")
	}
	if o := s.OAuth; o != nil {
		if o.ClientID == "" {
			return fieldError("service.oauth.clientId", "service.oauth.clientId must not be empty")
		}
		if o.Issuer == "" && (o.AuthorizeURL == "" || o.TokenURL == "") {
			return fieldError("service.oauth", "service.oauth needs issuer, or both authorizeUrl and tokenUrl")
		}
		for _, f := range []struct{ name, v string }{{"issuer", o.Issuer}, {"authorizeUrl", o.AuthorizeURL},
			{"tokenUrl", o.TokenURL}, {"userinfoUrl", o.UserinfoURL}, {"revokeUrl", o.RevokeURL}} {
			if f.v == "" {
				continue
			}
			if err := secureURL("service.oauth."+f.name, f.v); err != nil {
				return err
			}
		}
	}
	if ct := s.Contacts; ct != nil {
		if err := secureURL("service.contacts.carddavUrl", ct.CardDAVURL); err != nil {
			return err
		}
		if !slices.Contains([]string{"", "oauth", "password"}, ct.Auth) {
			return fieldError("service.contacts.auth", `service.contacts.auth is %q: use "oauth" or "password"`, ct.Auth)
		}
		if ct.Username != "" && ct.Auth != "password" {
			return fieldError("service.contacts.username", `service.contacts.username is used only with "auth": "password"`)
		}
	}
	return nil
}

func parseHTTPURL(field, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fieldError(field, "%s is %q: it must be an absolute http(s) URL", field, raw)
	}
	return u, nil
}

// secureURL is the rule for every URL a token or password goes to: https, or plain
// http only to this machine (a local server, tests).
func secureURL(field, raw string) error {
	u, err := parseHTTPURL(field, raw)
	if err != nil {
		return err
	}
	if !loopback.Secure(u) {
		return fieldError(field, "%s is %q: it must be an https URL (plain http only to 127.0.0.1 or localhost)", field, raw)
	}
	return nil
}

// WidgetURL is the page to load: widget.url with widget.params and disableLoginPopup=1,
// which makes the widget hand its RingCentral login to us (rc-login-popup-notify) since a
// webview opens no popups.
func (c Config) WidgetURL() string {
	u, _ := url.Parse(c.Widget.URL) // validated
	q := u.Query()
	for k, v := range c.Widget.Params {
		q.Set(k, v)
	}
	q.Set("disableLoginPopup", "1")
	u.RawQuery = q.Encode()
	return u.String()
}

// WidgetOrigin is the origin messages must come from and go to, as a browser writes it.
func (c Config) WidgetOrigin() string {
	u, _ := url.Parse(c.Widget.URL) // validated
	return weborigin.Of(u)
}

// RedirectURI is where the widget's own RingCentral login lands: params.redirectUri, else
// the widget's default, ./redirect.html next to app.html (PROTOCOL.md, Loading), so
// .../latest/app.html lands on .../latest/redirect.html and .../3.x/app.html on
// .../3.x/redirect.html.
func (c Config) RedirectURI() string {
	if r := c.Widget.Params["redirectUri"]; r != "" {
		return r
	}
	u, _ := url.Parse(c.Widget.URL) // validated
	return u.ResolveReference(&url.URL{Path: "redirect.html"}).String()
}

// Timeout is the sign-in timeout with its default.
func (s Service) Timeout() time.Duration {
	if s.SignInTimeout == 0 {
		return DefaultSignInTimeout
	}
	return time.Duration(s.SignInTimeout)
}
