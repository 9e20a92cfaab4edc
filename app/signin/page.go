package signin

import (
	"bytes"
	_ "embed"
	"html/template"
	"net/http"
)

//go:embed page.html
var pageHTML string

var pageTmpl = template.Must(template.New("page").Parse(pageHTML))

// pageData is what page.html shows.
type pageData struct {
	OK      bool
	Title   string
	Message string
}

// writePage answers the browser with a small page saying how the sign-in went and that
// the window can be closed. status is used for failures; success is always 200.
// The page loads nothing and sends no Referer: the callback URL held the code.
func writePage(w http.ResponseWriter, status int, err error) {
	d := pageData{OK: true, Title: "Signed in", Message: "You are signed in. You can close this window."}
	if err != nil {
		d = pageData{Title: "Sign-in did not complete", Message: err.Error() + " You can close this window."}
		if status == http.StatusOK {
			status = http.StatusBadRequest
		}
	} else {
		status = http.StatusOK
	}
	var b bytes.Buffer
	if terr := pageTmpl.Execute(&b, d); terr != nil {
		http.Error(w, d.Message, status)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
