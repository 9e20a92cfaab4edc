package assets

import (
	_ "embed"
	"html/template"
	"strings"
)

// OfflineHTML is the template of the page shown instead of the widget when it cannot be
// loaded, so the window is never blank. Fill it with OfflinePage.
//
//go:embed offline.html
var OfflineHTML string

var offlineTmpl = template.Must(template.New("offline.html").Funcs(PageFuncs).Parse(OfflineHTML))

// OfflinePage renders the offline page for url, with reason (the load error) and a countdown
// from retryIn seconds (0 or less: "Retrying…" with no countdown; the retry itself is the
// caller's). Every value is escaped by html/template for where it lands, so a URL or an error
// text cannot inject markup or script.
func OfflinePage(url, reason string, retryIn int) string {
	if retryIn < 0 {
		retryIn = 0
	}
	var b strings.Builder
	data := struct {
		URL, Reason string
		RetryIn     int
	}{url, reason, retryIn}
	if err := offlineTmpl.Execute(&b, data); err != nil {
		// Only a broken template can fail here, and the test renders it: say so plainly.
		return "<!DOCTYPE html><p>The widget could not be reached.</p>"
	}
	return b.String()
}
