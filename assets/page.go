package assets

import (
	_ "embed"
	"html/template"
)

//go:embed page.css
var pageCSS string

// PageCSS is the stylesheet shared by the app's own pages (the offline page here, the
// sign-in outcome and the app-password form), so they look alike and the rules live once.
// Templates put it in a <style> element through PageFuncs; the pages load nothing, so
// their Content-Security-Policy can stay default-src 'none'.
var PageCSS = template.CSS(pageCSS)

// PageFuncs gives a page template {{pageCSS}}: use it as <style>{{pageCSS}}</style>.
var PageFuncs = template.FuncMap{"pageCSS": func() template.CSS { return PageCSS }}
