package signin

import (
	_ "embed"
	"net/http"

	"github.com/embeddable-tray/embeddable-tray/internal/localpage"
)

//go:embed page.html
var pageHTML string

var pageTmpl = localpage.Parse("page", pageHTML)

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
	localpage.Write(w, status, pageTmpl, d)
}
