package app

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/embeddable-tray/embeddable-tray/internal/localpage"
)

// RingOut's myLocation: the user's own phone, which RingCentral calls first. It is asked once
// (a small local page) and kept in a plain settings file: it is the user's phone number, not
// a secret.

//go:embed calls_location.html
var locationHTML string

var locationTmpl = localpage.Parse("location", locationHTML)

// errNoLocation: the user chose not to give a number (or closed the window).
var errNoLocation = errors.New("no RingOut number given")

// callingFile is where the calling settings are kept: <config dir>/embeddable-tray/calling.json.
func callingFile() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no config directory: %w", err)
	}
	return filepath.Join(dir, "embeddable-tray", "calling.json"), nil
}

type callingSettingsFile struct {
	MyLocation string `json:"myLocation"`
}

// loadMyLocation reads the RingOut number; "" and no error when none was kept.
func loadMyLocation() (string, error) {
	p, err := callingFile()
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var s callingSettingsFile
	if err := json.Unmarshal(b, &s); err != nil {
		return "", fmt.Errorf("%s: %w", p, err)
	}
	n, ok := myLocationNumber(s.MyLocation)
	if !ok {
		return "", fmt.Errorf("%s: %q is not a phone number", p, s.MyLocation)
	}
	return n, nil
}

// saveMyLocation keeps the RingOut number, replacing the file whole.
func saveMyLocation(n string) error {
	p, err := callingFile()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(callingSettingsFile{MyLocation: n}, "", "  ")
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// myLocationNumber checks a phone number typed by the user and returns it without its
// formatting: digits, an optional leading +, 7 to 15 digits (E.164 has at most 15).
func myLocationNumber(s string) (string, bool) {
	n, ok := PhoneNumberFromURI("tel:" + strings.TrimSpace(s))
	if !ok || strings.ContainsAny(n, "*#") {
		return "", false
	}
	if digits := len(strings.TrimPrefix(n, "+")); digits < 7 || digits > 15 {
		return "", false
	}
	return n, true
}

// locationData is what calls_location.html shows: the form, or (Done) the outcome.
type locationData struct {
	Done           bool
	Title, Message string
	Why, Number    string
	Action, CSRF   string
}

// promptMyLocation asks for RingOut's number on a one-shot loopback page opened with open,
// and waits. why says why calls cannot go through the window. It returns errNoLocation when
// the user declines or closes the window, ctx's error when ctx ends first. The page takes one
// POST carrying the page's token, with its own Host and Origin (as app/apppassword's prompt).
func promptMyLocation(ctx context.Context, open func(title, url string) (<-chan struct{}, func(), error), why string) (string, error) {
	f := &locationForm{path: "/" + rand.Text(), csrf: rand.Text(), why: why, results: make(chan locationResult, 1)}
	srv, err := localpage.Listen(func(addr string) http.Handler { f.addr = addr; return f }, nil)
	if err != nil {
		return "", fmt.Errorf("cannot serve the RingOut prompt: %w", err)
	}
	defer func() { _ = srv.Close() }()
	closed, dismiss, err := open("Your phone for calls", "http://"+f.addr+f.path)
	if err != nil {
		return "", fmt.Errorf("cannot open the RingOut prompt: %w", err)
	}
	defer dismiss()
	select {
	case r := <-f.results:
		return r.number, r.err
	case <-closed:
		return "", errNoLocation
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

type locationResult struct {
	number string
	err    error
}

type locationForm struct {
	addr, path, csrf, why string
	results               chan locationResult // size 1
	mu                    sync.Mutex          // one POST judged at a time
	used                  bool
}

func (f *locationForm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Host != f.addr:
		http.Error(w, "bad host", http.StatusBadRequest)
	case r.URL.Path != f.path:
		http.NotFound(w, r)
	case r.Method == http.MethodGet:
		f.mu.Lock()
		used := f.used
		f.mu.Unlock()
		if used {
			f.write(w, http.StatusGone, locationData{Done: true, Title: "Already answered", Message: "This question is over."})
			return
		}
		f.write(w, http.StatusOK, f.form("", ""))
	case r.Method == http.MethodPost:
		f.post(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (f *locationForm) post(w http.ResponseWriter, r *http.Request) {
	if o := r.Header.Get("Origin"); o != "" && o != "http://"+f.addr {
		http.Error(w, "bad origin", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(f.csrf)) != 1 {
		http.Error(w, "bad or missing form token", http.StatusForbidden)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.used {
		f.write(w, http.StatusGone, locationData{Done: true, Title: "Already answered", Message: "This question is over."})
		return
	}
	var res locationResult
	switch r.PostForm.Get("action") {
	case "cancel":
		res.err = errNoLocation
	case "save":
		typed := r.PostForm.Get("number")
		n, ok := myLocationNumber(typed)
		if !ok {
			f.write(w, http.StatusBadRequest, f.form(typed, "Enter a phone number with its country code, such as +1 555 123 4567."))
			return
		}
		res.number = n
	default:
		http.Error(w, "unknown action", http.StatusBadRequest)
		return
	}
	f.used = true
	f.results <- res
	if res.err != nil {
		f.write(w, http.StatusOK, locationData{Done: true, Title: "Calls open in your browser", Message: "Calls from phone links open in the RingCentral web app."})
		return
	}
	f.write(w, http.StatusOK, locationData{Done: true, Title: "Saved", Message: "Calls ring " + res.number + " first."})
}

func (f *locationForm) form(number, message string) locationData {
	return locationData{Why: f.why, Number: number, Message: message, Action: f.path, CSRF: f.csrf}
}

func (f *locationForm) write(w http.ResponseWriter, status int, d locationData) {
	localpage.Write(w, status, locationTmpl, d)
}
