package apppassword

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"

	"github.com/embeddable-tray/embeddable-tray/internal/localpage"
)

//go:embed page.html
var pageHTML string

var pageTmpl = localpage.Parse("page", pageHTML)

// pageData is what page.html shows: the form, or (Done) the outcome.
type pageData struct {
	Done    bool
	Title   string
	Host    string
	Account string
	Action  string
	CSRF    string
	Message string
}

// maxForm bounds a POST body: a password and a token.
const maxForm = 16 << 10

// Prompt serves the app-password form on a one-shot loopback listener and shows it with
// open, then waits. It returns the password typed, ErrCancelled when the window was closed
// (open's closed channel) or Cancel pressed, and ctx's error when ctx ends first. The
// window is dismissed and the listener closed before it returns.
//
// The listener is 127.0.0.1 on a random port; the page is at a random path and takes one
// POST carrying a CSRF token from the page; a request whose Host (DNS rebinding) or Origin
// is not the listener's is refused. The password travels in the POST body only.
func Prompt(ctx context.Context, open func(url string) (closed <-chan struct{}, dismiss func(), err error), title, account, serverURL string) (string, error) {
	f := &form{
		path:    "/" + rand.Text(),
		csrf:    rand.Text(),
		results: make(chan result, 1),
		data:    pageData{Title: title, Host: hostOf(serverURL), Account: account},
	}
	srv, err := localpage.Listen(func(addr string) http.Handler { f.addr = addr; return f }, nil)
	if err != nil {
		return "", fmt.Errorf("apppassword: cannot serve the prompt: %w", err)
	}
	defer func() { _ = srv.Close() }() // an unclean close only cuts a page short

	closed, dismiss, err := open(f.url())
	if err != nil {
		return "", fmt.Errorf("apppassword: cannot open the prompt window: %w", err)
	}
	defer dismiss()
	select {
	case r := <-f.results:
		return r.password, r.err
	case <-closed:
		return "", ErrCancelled
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// result is what the one accepted POST said.
type result struct {
	password string
	err      error
}

// form serves GET and one POST at path.
type form struct {
	addr, path, csrf string
	data             pageData
	results          chan result // size 1
	used             atomic.Bool
	mu               sync.Mutex // one POST is judged at a time
}

func (f *form) url() string { return "http://" + f.addr + f.path }

func (f *form) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Host != f.addr:
		http.Error(w, "bad host", http.StatusBadRequest)
	case r.URL.Path != f.path:
		http.NotFound(w, r)
	case r.Method == http.MethodGet:
		if f.used.Load() {
			f.write(w, http.StatusGone, f.over())
			return
		}
		f.write(w, http.StatusOK, f.page(""))
	case r.Method == http.MethodPost:
		f.post(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (f *form) post(w http.ResponseWriter, r *http.Request) {
	if o := r.Header.Get("Origin"); o != "" && o != "http://"+f.addr {
		http.Error(w, "bad origin", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
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
	if f.used.Load() {
		f.write(w, http.StatusGone, f.over())
		return
	}
	var res result
	switch r.PostForm.Get("action") {
	case "cancel":
		res.err = ErrCancelled
	case "save":
		res.password = r.PostForm.Get("password")
		if res.password == "" {
			f.write(w, http.StatusBadRequest, f.page("Enter the app password, or Cancel."))
			return
		}
	default:
		http.Error(w, "unknown action", http.StatusBadRequest)
		return
	}
	f.used.Store(true)
	f.results <- res // size 1, sent once
	if res.err != nil {
		f.write(w, http.StatusOK, pageData{Done: true, Title: "Cancelled", Message: "No app password was saved."})
		return
	}
	f.write(w, http.StatusOK, pageData{Done: true, Title: "Saved", Message: "The app password is kept in the system keyring."})
}

func (f *form) page(message string) pageData {
	d := f.data
	d.Action, d.CSRF, d.Message = f.path, f.csrf, message
	return d
}

func (f *form) over() pageData {
	return pageData{Done: true, Title: "Already answered", Message: "This prompt is over."}
}

// write renders page.html as a locked-down local page.
func (f *form) write(w http.ResponseWriter, status int, d pageData) {
	localpage.Write(w, status, pageTmpl, d)
}

// hostOf is the server's host for the page ("contacts.example.com"), or the raw text.
func hostOf(serverURL string) string {
	if u, err := url.Parse(serverURL); err == nil && u.Host != "" {
		return u.Host
	}
	return serverURL
}
