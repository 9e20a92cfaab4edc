package webview

import "fmt"

// LoadError says why the top-level page could not be loaded. Domain and Code are WebKit's
// (GError domain names such as "WebKitNetworkError", "g-io-error-quark", "soup-http-error-quark").
type LoadError struct {
	URI     string
	Domain  string
	Code    int
	Message string // WebKit's own words, e.g. "Could not connect: Connection refused"
}

// Error returns WebKit's message, which is what a user can act on; Domain and Code are for logs.
func (e *LoadError) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return fmt.Sprintf("load failed (%s %d)", e.Domain, e.Code)
}

// WebKit's error domains and the codes that mean "not a failure" (WebKitError.h).
const (
	domainNetwork = "WebKitNetworkError"
	domainPolicy  = "WebKitPolicyError"
	domainPlugin  = "WebKitPluginError"

	codeNetworkCancelled          = 302 // WEBKIT_NETWORK_ERROR_CANCELLED: a newer load replaced it, or Stop
	codePolicyInterruptedByChange = 102 // WEBKIT_POLICY_ERROR_FRAME_LOAD_INTERRUPTED_BY_POLICY_CHANGE: a download, an ignored navigation
	codePluginWillHandleLoad      = 204 // WEBKIT_PLUGIN_ERROR_WILL_HANDLE_LOAD: media, a new load follows
)

// Cancelled reports whether the load was stopped on purpose rather than failed: such loads
// are not reported to OnLoadFailed (an offline page would replace a page that is loading).
func (e *LoadError) Cancelled() bool {
	switch e.Domain {
	case domainNetwork:
		return e.Code == codeNetworkCancelled
	case domainPolicy:
		return e.Code == codePolicyInterruptedByChange
	case domainPlugin:
		return e.Code == codePluginWillHandleLoad
	case domainWebView2:
		return e.Code == webErrorOperationCancelled
	}
	return false
}
