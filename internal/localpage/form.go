package localpage

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sync"
)

//go:embed form.html
var formLayout string

// ParseForm parses a form page in the layout the forms share (form.html: the outcome when
// .Done, else the form). text defines the page's parts: "title", "intro" (above the form),
// "field" (the form's inputs), "note" (below them), "save" and "cancel" (the buttons'
// labels). The data has Done, Title, Message, Action and CSRF. Like Parse, it panics on a
// bad template.
func ParseForm(name, text string) *template.Template {
	return template.Must(Parse(name, formLayout).Parse(text))
}

// Token is what a form page must carry back: its Action (the page's random path) in the
// form's action, and its CSRF token in a hidden field named "csrf".
type Token struct {
	Action, CSRF string
}

// Form is one question asked on a one-shot local page (the app password, RingOut's
// number): a GET shows the form, one POST answers it. What is the same for every such
// page lives here (listener, Host, path, Origin and CSRF checks, body limit, one answer);
// a form keeps only its fields and their validation.
//
// The page posts "action" = "save" or "cancel".
type Form[T any] struct {
	Name     string // for errors: "the RingOut prompt"
	Template *template.Template
	MaxBody  int64 // the largest POST body taken
	// Blank is the template data of the form as first shown.
	Blank func(Token) any
	// Save judges a "save" POST's fields: ok and the page that says it is done, or !ok
	// and the form again with a message (answered 400, the form stays open).
	Save func(tok Token, fields url.Values) (answer T, page any, ok bool)
	// Cancelled is the error Ask returns when the user cancels or closes the window, and
	// CancelledPage the page a Cancel is answered with.
	Cancelled     error
	CancelledPage any
	// Over is the page shown to a request after the answer.
	Over any
}

// Opener shows a page's URL in a window; closed is closed when the user closes it, and
// dismiss closes it from the app's side.
type Opener func(url string) (closed <-chan struct{}, dismiss func(), err error)

// Ask serves f on a loopback listener at a random path, shows it with open, and waits. It
// returns the answer saved, f.Cancelled when the user cancels or closes the window, and
// ctx's error when ctx ends first. The window is dismissed and the listener closed before
// it returns.
//
// A request whose Host (DNS rebinding) or Origin is not the listener's, or a POST without
// the page's CSRF token, is refused and leaves the question open. The answer travels in
// the POST body only.
func Ask[T any](ctx context.Context, open Opener, f Form[T]) (T, error) {
	var zero T
	h := f.handler("", "/"+rand.Text(), rand.Text())
	srv, err := Listen(func(addr string) http.Handler { h.addr = addr; return h }, nil)
	if err != nil {
		return zero, fmt.Errorf("cannot serve %s: %w", f.Name, err)
	}
	defer func() { _ = srv.Close() }() // an unclean close only cuts a page short

	closed, dismiss, err := open("http://" + h.addr + h.tok.Action)
	if err != nil {
		return zero, fmt.Errorf("cannot open the window of %s: %w", f.Name, err)
	}
	defer dismiss()
	select {
	case r := <-h.results:
		return r.answer, r.err
	case <-closed:
		return zero, f.Cancelled
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

func (f Form[T]) handler(addr, path, csrf string) *formHandler[T] {
	return &formHandler[T]{form: f, addr: addr, tok: Token{Action: path, CSRF: csrf}, results: make(chan formResult[T], 1)}
}

// formResult is what the one accepted POST said.
type formResult[T any] struct {
	answer T
	err    error
}

// formHandler serves GET and one POST at tok.Action.
type formHandler[T any] struct {
	form    Form[T]
	addr    string
	tok     Token
	results chan formResult[T] // size 1, sent once
	mu      sync.Mutex         // one POST judged at a time
	used    bool
}

func (h *formHandler[T]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Host != h.addr:
		http.Error(w, "bad host", http.StatusBadRequest)
	case r.URL.Path != h.tok.Action:
		http.NotFound(w, r)
	case r.Method == http.MethodGet:
		h.mu.Lock()
		used := h.used
		h.mu.Unlock()
		if used {
			h.write(w, http.StatusGone, h.form.Over)
			return
		}
		h.write(w, http.StatusOK, h.form.Blank(h.tok))
	case r.Method == http.MethodPost:
		h.post(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (h *formHandler[T]) post(w http.ResponseWriter, r *http.Request) {
	if o := r.Header.Get("Origin"); o != "" && o != "http://"+h.addr {
		http.Error(w, "bad origin", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.form.MaxBody)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(h.tok.CSRF)) != 1 {
		http.Error(w, "bad or missing form token", http.StatusForbidden)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.used {
		h.write(w, http.StatusGone, h.form.Over)
		return
	}
	var res formResult[T]
	var page any
	switch r.PostForm.Get("action") {
	case "cancel":
		res.err, page = h.form.Cancelled, h.form.CancelledPage
	case "save":
		var ok bool
		res.answer, page, ok = h.form.Save(h.tok, r.PostForm)
		if !ok {
			h.write(w, http.StatusBadRequest, page)
			return
		}
	default:
		http.Error(w, "unknown action", http.StatusBadRequest)
		return
	}
	h.used = true
	h.results <- res
	h.write(w, http.StatusOK, page)
}

func (h *formHandler[T]) write(w http.ResponseWriter, status int, data any) {
	Write(w, status, h.form.Template, data)
}
