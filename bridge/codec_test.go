package bridge

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEncodeGolden(t *testing.T) {
	tests := []struct {
		name string
		msg  Outbound
		want string
	}{
		{
			name: "register service, every seed field even when empty",
			msg:  RegisterService{Service: Service{Name: "TestService", AuthorizationPath: "/authorize"}},
			want: `{"type":"rc-adapter-register-third-party-service","service":{"name":"TestService","displayName":"","info":"",
				"authorizationPath":"/authorize","authorizedTitle":"","unauthorizedTitle":"","authorized":false,
				"authorizedAccount":"","authorizationLogo":"","showAuthRedDot":false}}`,
		},
		{
			name: "register service with contact paths",
			msg: RegisterService{Service: Service{
				Name: "TestService", DisplayName: "Test", Info: "about", AuthorizationPath: "/authorize",
				AuthorizedTitle: "Unauthorize", UnauthorizedTitle: "Authorize", Authorized: true,
				AuthorizedAccount: "ann@example.com", AuthorizationLogo: "https://x/logo.png", ShowAuthRedDot: true,
				ContactsPath: "/contacts", ContactSearchPath: "/contacts/search", ContactMatchPath: "/contacts/match",
				ViewMatchedContactPath: "/contacts/view",
			}},
			want: `{"type":"rc-adapter-register-third-party-service","service":{"name":"TestService","displayName":"Test",
				"info":"about","authorizationPath":"/authorize","authorizedTitle":"Unauthorize","unauthorizedTitle":"Authorize",
				"authorized":true,"authorizedAccount":"ann@example.com","authorizationLogo":"https://x/logo.png",
				"showAuthRedDot":true,"contactsPath":"/contacts","contactSearchPath":"/contacts/search",
				"contactMatchPath":"/contacts/match","viewMatchedContactPath":"/contacts/view"}}`,
		},
		{
			name: "response",
			msg:  Response{ResponseID: "r-1", Response: json.RawMessage(`{"data":"ok"}`)},
			want: `{"type":"rc-post-message-response","responseId":"r-1","response":{"data":"ok"}}`,
		},
		{
			name: "update authorization, signed out keeps both fields",
			msg:  UpdateAuthorization{},
			want: `{"type":"rc-adapter-update-authorization-status","authorized":false,"authorizedAccount":""}`,
		},
		{
			name: "update authorization",
			msg:  UpdateAuthorization{Authorized: true, AuthorizedAccount: "ann@example.com"},
			want: `{"type":"rc-adapter-update-authorization-status","authorized":true,"authorizedAccount":"ann@example.com"}`,
		},
		{
			name: "authorization code",
			msg:  AuthorizationCode{CallbackURI: "https://apps.ringcentral.com/redirect.html?code=c&state=s"},
			want: `{"type":"rc-adapter-authorization-code","callbackUri":"https://apps.ringcentral.com/redirect.html?code=c\u0026state=s"}`,
		},
		{
			name: "new call",
			msg:  NewCall{PhoneNumber: "+15551234567", ToCall: true},
			want: `{"type":"rc-adapter-new-call","phoneNumber":"+15551234567","toCall":true}`,
		},
		{
			name: "sync contacts",
			msg:  SyncContacts{},
			want: `{"type":"rc-adapter-sync-third-party-contacts"}`,
		},
		{
			name: "answer a ringing call",
			msg:  ControlCall{CallAction: "answer", CallID: "s-1"},
			want: `{"type":"rc-adapter-control-call","callAction":"answer","callId":"s-1"}`,
		},
		{
			name: "reject the ringing call, whichever it is",
			msg:  ControlCall{CallAction: "reject"},
			want: `{"type":"rc-adapter-control-call","callAction":"reject"}`,
		},
		{
			name: "calling settings: RingOut",
			msg:  CallingSettings{CallWith: "ringout", MyLocation: "+15551230000", RingoutPrompt: true},
			want: `{"type":"rc-calling-settings-update","callWith":"ringout","myLocation":"+15551230000","ringoutPrompt":true}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Encode(tt.msg)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(got))

			// Round trip: the fields read back into the same type, and the type is right.
			var head struct{ Type string }
			require.NoError(t, json.Unmarshal(got, &head))
			assert.Equal(t, tt.msg.MessageType(), head.Type)
			back := reflect.New(reflect.TypeOf(tt.msg))
			require.NoError(t, json.Unmarshal(got, back.Interface()))
			if r, ok := tt.msg.(Response); ok {
				assert.JSONEq(t, string(r.Response.(json.RawMessage)), mustJSON(t, back.Elem().Interface().(Response).Response))
				return
			}
			assert.Equal(t, tt.msg, back.Elem().Interface())
		})
	}
}

func TestEncodeCoversEveryOutboundType(t *testing.T) {
	msgs := []Outbound{RegisterService{}, Response{}, UpdateAuthorization{}, AuthorizationCode{}, NewCall{}, SyncContacts{},
		ControlCall{}, CallingSettings{}}
	var types []string
	for _, m := range msgs {
		_, err := Encode(m)
		require.NoError(t, err)
		types = append(types, m.MessageType())
	}
	assert.ElementsMatch(t, OutboundTypes(), types)
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name string
		msg  Outbound
	}{
		{"nil", nil},
		{"nil pointer", (*SyncContacts)(nil)},
		{"response that cannot be encoded", Response{ResponseID: "r", Response: make(chan int)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Encode(tt.msg)
			assert.Error(t, err)
		})
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want Inbound
	}{
		{
			name: "request",
			raw:  `{"type":"rc-post-message-request","requestId":"7d1c","path":"/authorize","body":{"authorized":false}}`,
			want: Request{RequestID: "7d1c", Path: "/authorize", Body: json.RawMessage(`{"authorized":false}`)},
		},
		{
			name: "request without body",
			raw:  `{"type":"rc-post-message-request","requestId":"7d1c","path":"/contacts"}`,
			want: Request{RequestID: "7d1c", Path: "/contacts"},
		},
		{
			name: "request with null body",
			raw:  `{"type":"rc-post-message-request","requestId":"7d1c","path":"/contacts","body":null}`,
			want: Request{RequestID: "7d1c", Path: "/contacts"},
		},
		{
			name: "login status with extra fields",
			raw:  `{"type":"rc-login-status-notify","loggedIn":true,"loginNumber":"+15551234567","admin":false}`,
			want: LoginStatus{LoggedIn: true},
		},
		{
			name: "adapter state keeps the whole message",
			raw:  `{"type":"rc-adapter-pushAdapterState","size":{"width":300},"minimized":false}`,
			want: AdapterState{Raw: json.RawMessage(`{"type":"rc-adapter-pushAdapterState","size":{"width":300},"minimized":false}`)},
		},
		{
			name: "login popup",
			raw:  `{"type":"rc-login-popup-notify","oAuthUri":"https://platform.ringcentral.com/restapi/oauth/authorize?x=1"}`,
			want: LoginPopup{OAuthURI: "https://platform.ringcentral.com/restapi/oauth/authorize?x=1"},
		},
		{
			name: "dialer status",
			raw:  `{"type":"rc-dialer-status-notify","ready":true}`,
			want: DialerStatus{Ready: true},
		},
		{
			name: "call ring",
			raw:  `{"type":"rc-call-ring-notify","call":{"from":"+15551234567","direction":"Inbound"}}`,
			want: CallRing{Call: json.RawMessage(`{"from":"+15551234567","direction":"Inbound"}`)},
		},
		{
			name: "inbound message",
			raw:  `{"type":"rc-inbound-message-notify","message":{"subject":"hi"}}`,
			want: InboundMessage{Message: json.RawMessage(`{"subject":"hi"}`)},
		},
		{
			name: "route changed",
			raw:  `{"type":"rc-route-changed-notify","path":"/dialer"}`,
			want: RouteChanged{Path: "/dialer"},
		},
		{
			name: "call start",
			raw:  `{"type":"rc-call-start-notify","call":{"id":"s-1","callStatus":"webphone-session-connected"}}`,
			want: CallStart{Call: json.RawMessage(`{"id":"s-1","callStatus":"webphone-session-connected"}`)},
		},
		{
			name: "call end",
			raw:  `{"type":"rc-call-end-notify","call":{"id":"s-1","endTime":1765000000000}}`,
			want: CallEnd{Call: json.RawMessage(`{"id":"s-1","endTime":1765000000000}`)},
		},
		{
			name: "active call",
			raw:  `{"type":"rc-active-call-notify","call":{"sessionId":"7","telephonyStatus":"CallConnected"}}`,
			want: ActiveCall{Call: json.RawMessage(`{"sessionId":"7","telephonyStatus":"CallConnected"}`)},
		},
		{
			name: "calling settings",
			raw:  `{"type":"rc-calling-settings-notify","callWith":"ringout","callingMode":"ringout","myLocation":"+15551230000"}`,
			want: CallingSettingsNotify{CallWith: "ringout", CallingMode: "ringout", MyLocation: "+15551230000"},
		},
		{
			name: "whitespace around",
			raw:  " \n{\"type\":\"rc-dialer-status-notify\",\"ready\":false}\n",
			want: DialerStatus{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode([]byte(tt.raw))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.want.MessageType(), got.MessageType())
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want error
	}{
		{"empty", ``, ErrMalformed},
		{"not JSON", `hello`, ErrMalformed},
		{"null", `null`, ErrMalformed},
		{"array", `[{"type":"rc-dialer-status-notify"}]`, ErrMalformed},
		{"string", `"rc-dialer-status-notify"`, ErrMalformed},
		{"number", `42`, ErrMalformed},
		{"truncated", `{"type":"rc-dialer-status-notify","ready":tr`, ErrMalformed},
		{"trailing garbage", `{"type":"rc-dialer-status-notify"} {}`, ErrMalformed},
		{"no type", `{"ready":true}`, ErrMalformed},
		{"null type", `{"type":null}`, ErrMalformed},
		{"number type", `{"type":7}`, ErrMalformed},
		{"object type", `{"type":{"a":1}}`, ErrMalformed},
		{"request without requestId", `{"type":"rc-post-message-request","path":"/authorize"}`, ErrMalformed},
		{"request with empty requestId", `{"type":"rc-post-message-request","requestId":"","path":"/authorize"}`, ErrMalformed},
		{"request with null requestId", `{"type":"rc-post-message-request","requestId":null,"path":"/authorize"}`, ErrMalformed},
		{"request with numeric requestId", `{"type":"rc-post-message-request","requestId":12,"path":"/authorize"}`, ErrMalformed},
		{"request without path", `{"type":"rc-post-message-request","requestId":"r"}`, ErrMalformed},
		{"request with relative path", `{"type":"rc-post-message-request","requestId":"r","path":"authorize"}`, ErrMalformed},
		{"request with empty path", `{"type":"rc-post-message-request","requestId":"r","path":""}`, ErrMalformed},
		{"request with array path", `{"type":"rc-post-message-request","requestId":"r","path":["/a"]}`, ErrMalformed},
		{"login status of the wrong type", `{"type":"rc-login-status-notify","loggedIn":"yes"}`, ErrMalformed},
		{"dialer status of the wrong type", `{"type":"rc-dialer-status-notify","ready":1}`, ErrMalformed},
		{"login popup without uri", `{"type":"rc-login-popup-notify"}`, ErrMalformed},
		{"login popup with numeric uri", `{"type":"rc-login-popup-notify","oAuthUri":5}`, ErrMalformed},
		{"route of the wrong type", `{"type":"rc-route-changed-notify","path":false}`, ErrMalformed},
		{"unknown type", `{"type":"rc-adapter-syncPresence","dndStatus":null}`, ErrUnknownType},
		{"host's own type", `{"type":"rc-post-message-response","responseId":"r"}`, ErrUnknownType},
		{"long unknown type", `{"type":"` + strings.Repeat("x", 10000) + `"}`, ErrUnknownType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode([]byte(tt.raw))
			require.Error(t, err)
			assert.Nil(t, got)
			assert.True(t, errors.Is(err, tt.want), "got %v, want %v", err, tt.want)
			assert.Less(t, len(err.Error()), 300, "errors quote at most a clip of the input")
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
