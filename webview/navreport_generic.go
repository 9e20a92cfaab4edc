//go:build !linux || genericnav

package webview

// genericNavigation is on: OnPageReached uses the host script of package navreport (see
// navreport.go).
const genericNavigation = true
