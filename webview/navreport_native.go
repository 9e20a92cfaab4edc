//go:build linux && !genericnav

package webview

// genericNavigation is off: on Linux, WebKit's own navigation and load-failure signals serve
// OnPageReached and OnLoadFailed (build with -tags genericnav for the generic path).
const genericNavigation = false
