package rcsip

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/embeddable-tray/embeddable-tray/internal/realpart"
)

// WebPhonePages serves e2e/webphone (the test pages and the npm packages they load) for
// Config.Pages: v0.html runs ringcentral-web-phone 0.8.14 on sip.js 0.13.5, v2.html
// ringcentral-web-phone 2.x. Without the packages installed the test is missing a real part.
func WebPhonePages(tb testing.TB) http.Handler {
	tb.Helper()
	dir := ""
	// the module's root from the test's directory (a package directory under it)
	for d, _ := os.Getwd(); d != "" && d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			dir = filepath.Join(d, "e2e", "webphone")
			break
		}
	}
	for _, f := range []string{"node_modules/sip.js/dist/sip-0.13.5.js", "node_modules/ringcentral-web-phone/dist/ringcentral-web-phone.js", "node_modules/ringcentral-web-phone-2/dist/index.iife.js"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			realpart.Missing(tb, "the web phones from npm: run `npm ci` in e2e/webphone (scripts/deps.sh test does)")
		}
	}
	return http.FileServer(http.Dir(dir))
}
