// Package bridge is the RingCentral Embeddable widget's postMessage protocol, seen from
// the host: typed messages, a validating decoder and an encoder, a router that answers
// every rc-post-message-request exactly once, and Conn, one widget page session over a
// webview binding. It has no GUI code: the webview is reached through a func(js string).
//
// The protocol is described in the ringcentral-embeddable repository (docs/integration,
// src/lib/requestWithPostMessage.js); the fields used here are the ones the host needs.
package bridge

import "encoding/json"

// Message types: the "type" field of every message.
const (
	// Host -> widget.
	TypeRegisterService     = "rc-adapter-register-third-party-service"
	TypeResponse            = "rc-post-message-response"
	TypeUpdateAuthorization = "rc-adapter-update-authorization-status"
	TypeAuthorizationCode   = "rc-adapter-authorization-code"
	TypeNewCall             = "rc-adapter-new-call"
	TypeSyncContacts        = "rc-adapter-sync-third-party-contacts"
	TypeControlCall         = "rc-adapter-control-call"
	TypeCallingSettings     = "rc-calling-settings-update"

	// Widget -> host.
	TypeRequest        = "rc-post-message-request"
	TypeLoginStatus    = "rc-login-status-notify"
	TypeAdapterState   = "rc-adapter-pushAdapterState"
	TypeLoginPopup     = "rc-login-popup-notify"
	TypeDialerStatus   = "rc-dialer-status-notify"
	TypeCallRing       = "rc-call-ring-notify"
	TypeInboundMessage = "rc-inbound-message-notify"
	TypeRouteChanged   = "rc-route-changed-notify"

	// The web phone's calls and the calling settings (src/modules/Adapter/index.js).
	TypeCallStart             = "rc-call-start-notify"
	TypeCallEnd               = "rc-call-end-notify"
	TypeActiveCall            = "rc-active-call-notify"
	TypeCallingSettingsNotify = "rc-calling-settings-notify"

	// TypePageLoad is not a widget message: Conn reports a new widget page with it.
	TypePageLoad = "embeddable-tray-page-load"
)

// OutboundTypes lists every type the host posts to the widget. The widget runs
// top-level, so the host's own window.postMessage calls reach the host script's
// message listener too; the script drops these types instead of sending them back.
func OutboundTypes() []string {
	return []string{
		TypeRegisterService, TypeResponse, TypeUpdateAuthorization, TypeAuthorizationCode,
		TypeNewCall, TypeSyncContacts,
		TypeControlCall, TypeCallingSettings,
	}
}

// Outbound is a message the host posts to the widget. The set is closed: only this
// package's types implement it, so Encode knows every shape it writes.
type Outbound interface {
	MessageType() string
	outbound()
}

// Inbound is a decoded message from the widget (or, for PageLoad, from the host script).
// The set is closed; switch on the concrete type.
type Inbound interface {
	MessageType() string
	inbound()
}

// Service is the third-party service registered with the widget. The ten fields of the
// seed document are always written, even when empty or false: every registration states
// the whole service. The widget keeps "authorized" in the page's memory only (not in
// localStorage, PROTOCOL.md), so the host registers the true state on every page load.
type Service struct {
	Name              string `json:"name"`
	DisplayName       string `json:"displayName"`
	Info              string `json:"info"`
	AuthorizationPath string `json:"authorizationPath"`
	AuthorizedTitle   string `json:"authorizedTitle"`
	UnauthorizedTitle string `json:"unauthorizedTitle"`
	Authorized        bool   `json:"authorized"`
	AuthorizedAccount string `json:"authorizedAccount"`
	AuthorizationLogo string `json:"authorizationLogo"`
	ShowAuthRedDot    bool   `json:"showAuthRedDot"`

	// Contact paths: present only when the app serves contacts, since the widget asks
	// for contacts whenever a path is registered.
	ContactsPath           string `json:"contactsPath,omitempty"`
	ContactSearchPath      string `json:"contactSearchPath,omitempty"`
	ContactMatchPath       string `json:"contactMatchPath,omitempty"`
	ViewMatchedContactPath string `json:"viewMatchedContactPath,omitempty"`
}

// RegisterService registers the third-party service (rc-adapter-register-third-party-service).
type RegisterService struct {
	Service Service `json:"service"`
}

// Response answers an rc-post-message-request: ResponseID is the request's requestId.
// Response is the object the widget's request promise resolves with, {"data": ...} or
// {"error": "..."}; Router.Serve builds it.
type Response struct {
	ResponseID string `json:"responseId"`
	Response   any    `json:"response"`
}

// UpdateAuthorization tells a registered service's new state
// (rc-adapter-update-authorization-status). Both fields are always written.
type UpdateAuthorization struct {
	Authorized        bool   `json:"authorized"`
	AuthorizedAccount string `json:"authorizedAccount"`
}

// AuthorizationCode hands the widget the full redirect URL of its own RingCentral login
// (rc-adapter-authorization-code), when it runs with disableLoginPopup=1.
type AuthorizationCode struct {
	CallbackURI string `json:"callbackUri"`
}

// NewCall opens the dialer on a number (rc-adapter-new-call); ToCall starts the call.
type NewCall struct {
	PhoneNumber string `json:"phoneNumber"`
	ToCall      bool   `json:"toCall"`
}

// SyncContacts asks the widget to fetch the third-party contacts again.
type SyncContacts struct{}

func (RegisterService) MessageType() string     { return TypeRegisterService }
func (Response) MessageType() string            { return TypeResponse }
func (UpdateAuthorization) MessageType() string { return TypeUpdateAuthorization }
func (AuthorizationCode) MessageType() string   { return TypeAuthorizationCode }
func (NewCall) MessageType() string             { return TypeNewCall }
func (SyncContacts) MessageType() string        { return TypeSyncContacts }

func (RegisterService) outbound()     {}
func (Response) outbound()            {}
func (UpdateAuthorization) outbound() {}
func (AuthorizationCode) outbound()   {}
func (NewCall) outbound()             {}
func (SyncContacts) outbound()        {}

// Request is a call from the widget to the host (rc-post-message-request). RequestID and
// Path are always present (Decode rejects a request without them); Body is the raw JSON
// body, nil when the widget sent none.
type Request struct {
	RequestID string          `json:"requestId"`
	Path      string          `json:"path"`
	Body      json.RawMessage `json:"body,omitempty"`
}

// LoginStatus reports the widget's own RingCentral login (rc-login-status-notify).
type LoginStatus struct {
	LoggedIn bool `json:"loggedIn"`
}

// AdapterState is the widget's state push (rc-adapter-pushAdapterState). Its fields vary
// between widget versions and the host only uses the message as a "ready" signal, so
// it keeps the whole message undecoded.
type AdapterState struct {
	Raw json.RawMessage `json:"-"`
}

// LoginPopup asks the host to open the widget's RingCentral login page
// (rc-login-popup-notify, sent instead of window.open with disableLoginPopup=1).
type LoginPopup struct {
	OAuthURI string `json:"oAuthUri"`
}

// DialerStatus says whether the dialer can take a number (rc-dialer-status-notify).
type DialerStatus struct {
	Ready bool `json:"ready"`
}

// CallRing is an incoming call (rc-call-ring-notify); Call is the widget's call object.
type CallRing struct {
	Call json.RawMessage `json:"call"`
}

// InboundMessage is an incoming SMS or fax (rc-inbound-message-notify).
type InboundMessage struct {
	Message json.RawMessage `json:"message"`
}

// RouteChanged is the widget's new route (rc-route-changed-notify), e.g. "/dialer".
type RouteChanged struct {
	Path string `json:"path"`
}

// PageLoad is reported by Conn when the widget page (re)starts: the page's state in the
// widget is gone, and anything the host tied to the old page (a dial waiting for the
// dialer, a pending request) is void. Href is the page's URL.
type PageLoad struct {
	Href string `json:"href"`
}

func (Request) MessageType() string        { return TypeRequest }
func (LoginStatus) MessageType() string    { return TypeLoginStatus }
func (AdapterState) MessageType() string   { return TypeAdapterState }
func (LoginPopup) MessageType() string     { return TypeLoginPopup }
func (DialerStatus) MessageType() string   { return TypeDialerStatus }
func (CallRing) MessageType() string       { return TypeCallRing }
func (InboundMessage) MessageType() string { return TypeInboundMessage }
func (RouteChanged) MessageType() string   { return TypeRouteChanged }
func (PageLoad) MessageType() string       { return TypePageLoad }

func (Request) inbound()        {}
func (LoginStatus) inbound()    {}
func (AdapterState) inbound()   {}
func (LoginPopup) inbound()     {}
func (DialerStatus) inbound()   {}
func (CallRing) inbound()       {}
func (InboundMessage) inbound() {}
func (RouteChanged) inbound()   {}
func (PageLoad) inbound()       {}

// ControlCall acts on a web phone call (rc-adapter-control-call): CallAction "answer" or
// "reject" a ringing call, "hangup", "hold", ... CallID is the web phone session's id (the
// call object's "id"); empty means the ringing call for answer and reject, the active one
// otherwise (the widget's _controlCall).
type ControlCall struct {
	CallAction string `json:"callAction"`
	CallID     string `json:"callId,omitempty"`
}

// CallingSettings sets how the widget places calls (rc-calling-settings-update): CallWith is
// "browser", "jupiter" (the RingCentral App), "softphone" or "ringout"; RingOut calls
// MyLocation first, and RingoutPrompt asks the user to press 1 before connecting. The widget
// answers with rc-calling-settings-notify.
type CallingSettings struct {
	CallWith      string `json:"callWith"`
	MyLocation    string `json:"myLocation,omitempty"`
	RingoutPrompt bool   `json:"ringoutPrompt"`
}

func (ControlCall) MessageType() string     { return TypeControlCall }
func (CallingSettings) MessageType() string { return TypeCallingSettings }
func (ControlCall) outbound()               {}
func (CallingSettings) outbound()           {}

// CallStart is a web phone call answered or connected (rc-call-start-notify).
type CallStart struct {
	Call json.RawMessage `json:"call"`
}

// CallEnd is a web phone call that ended (rc-call-end-notify).
type CallEnd struct {
	Call json.RawMessage `json:"call"`
}

// ActiveCall is a change of one of the account's active calls, on any device and in any
// calling mode (rc-active-call-notify): call.telephonyStatus is "Ringing", "CallConnected",
// "OnHold" or "NoCall" (ended).
type ActiveCall struct {
	Call json.RawMessage `json:"call"`
}

// CallingSettingsNotify is the widget's calling settings (rc-calling-settings-notify):
// CallWith without the "callingOptions-" prefix; MyLocation only with showMyLocationNumbers.
type CallingSettingsNotify struct {
	CallWith    string `json:"callWith"`
	CallingMode string `json:"callingMode"`
	MyLocation  string `json:"myLocation"`
}

func (CallStart) MessageType() string             { return TypeCallStart }
func (CallEnd) MessageType() string               { return TypeCallEnd }
func (ActiveCall) MessageType() string            { return TypeActiveCall }
func (CallingSettingsNotify) MessageType() string { return TypeCallingSettingsNotify }
func (CallStart) inbound()                        {}
func (CallEnd) inbound()                          {}
func (ActiveCall) inbound()                       {}
func (CallingSettingsNotify) inbound()            {}
