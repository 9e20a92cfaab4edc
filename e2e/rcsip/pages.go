package rcsip

import (
	"net/http"
	"os"
	"testing"

	"github.com/embeddable-tray/embeddable-tray/internal/realpart"
)

// WebPhonePages serves e2e/webphone (the test pages and the npm packages they load) for
// Config.Pages: v0.html runs ringcentral-web-phone 0.8.14 on sip.js 0.13.5, v2.html
// ringcentral-web-phone 2.x. Without the packages installed the test is missing a real part.
func WebPhonePages(tb testing.TB) http.Handler {
	tb.Helper()
	wd, _ := os.Getwd() // the test's package directory, under the module's root
	dir, err := WebPhoneDir(wd)
	if err != nil {
		realpart.Missing(tb, err.Error())
	}
	return http.FileServer(http.Dir(dir))
}
