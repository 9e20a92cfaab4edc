package rcplatform

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// start serves a platform (with a widget directory holding app.html) on a free port.
func start(t *testing.T) *Server {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "app.html"), []byte("<!doctype html><title>widget</title>"), 0o644))
	p, err := New(Options{WidgetDir: dir})
	require.NoError(t, err)
	s, err := Listen("127.0.0.1:0", p)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func postForm(t *testing.T, s *Server, path string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.Origin()+path, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("embeddable-tray-local", "")
	return do(t, req)
}

func get(t *testing.T, s *Server, path, token string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.Origin()+path, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "bearer "+token) // as the widget's SDK writes it
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	var v map[string]any
	_ = json.Unmarshal(b, &v)
	return res.StatusCode, v
}

func login(t *testing.T, s *Server) string {
	t.Helper()
	code, tok := postForm(t, s, "/restapi/oauth/token", url.Values{"grant_type": {grantJWT}, "assertion": {DefaultJWT}})
	require.Equal(t, http.StatusOK, code, tok)
	return tok["access_token"].(string)
}

func TestTokenGrants(t *testing.T) {
	s := start(t)
	tests := []struct {
		name  string
		form  url.Values
		code  int
		error string
	}{
		{"jwt", url.Values{"grant_type": {grantJWT}, "assertion": {DefaultJWT}}, 200, ""},
		{"another jwt", url.Values{"grant_type": {grantJWT}, "assertion": {"forged"}}, 400, "invalid_grant"},
		{"password", url.Values{"grant_type": {"password"}, "username": {"+16505550101"}, "password": {"pw"}}, 200, ""},
		{"password missing", url.Values{"grant_type": {"password"}, "username": {"+16505550101"}}, 400, "invalid_grant"},
		{"unknown refresh token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"RT-nope"}}, 400, "invalid_grant"},
		{"unknown grant", url.Values{"grant_type": {"client_credentials"}}, 400, "unsupported_grant_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := postForm(t, s, "/restapi/oauth/token", tt.form)
			assert.Equal(t, tt.code, code)
			if tt.error != "" {
				assert.Equal(t, tt.error, body["error"])
				return
			}
			for _, k := range []string{"access_token", "refresh_token", "owner_id", "endpoint_id", "expires_in", "refresh_token_expires_in", "scope"} {
				assert.Contains(t, body, k)
			}
		})
	}
}

func TestRefreshTokenIsUsedOnce(t *testing.T) {
	s := start(t)
	_, tok := postForm(t, s, "/restapi/oauth/token", url.Values{"grant_type": {grantJWT}, "assertion": {DefaultJWT}})
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}}
	code, fresh := postForm(t, s, "/restapi/oauth/token", form)
	require.Equal(t, http.StatusOK, code)
	code, _ = get(t, s, "/restapi/v1.0/account/~", fresh["access_token"].(string))
	assert.Equal(t, http.StatusOK, code)
	code, again := postForm(t, s, "/restapi/oauth/token", form)
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Equal(t, "invalid_grant", again["error"])
}

func TestAPINeedsALiveToken(t *testing.T) {
	s := start(t)
	code, body := get(t, s, "/restapi/v1.0/account/~", "")
	assert.Equal(t, http.StatusUnauthorized, code)
	assert.Equal(t, "TokenInvalid", body["errorCode"])
	code, _ = get(t, s, "/restapi/v1.0/account/~", "AT-made-up")
	assert.Equal(t, http.StatusUnauthorized, code)

	tok := login(t, s)
	for _, path := range []string{
		"/restapi/v1.0/account/~", "/restapi/v1.0/account/~/extension/~", "/restapi/v1.0/account/~/extension/~/features",
		"/restapi/v1.0/account/~/extension/~/phone-number", "/restapi/v1.0/account/~/dialing-plan",
		"/restapi/v1.0/account/~/extension/~/presence", "/restapi/v1.0/account/~/extension/~/call-log-sync",
		"/restapi/v1.0/account/~/extension/~/message-store", "/restapi/v1.0/account/~/extension/~/authz-profile",
	} {
		code, body := get(t, s, path, tok)
		assert.Equal(t, http.StatusOK, code, path)
		assert.NotEmpty(t, body, path)
	}

	form := url.Values{"token": {tok}}
	code, _ = postForm(t, s, "/restapi/oauth/revoke", form)
	require.Equal(t, http.StatusOK, code)
	code, _ = get(t, s, "/restapi/v1.0/account/~", tok)
	assert.Equal(t, http.StatusUnauthorized, code, "a revoked token is dead")
}

func TestDocumentsHaveTheShapesTheWidgetReads(t *testing.T) {
	s := start(t)
	tok := login(t, s)
	_, features := get(t, s, "/restapi/v1.0/account/~/extension/~/features", tok)
	byID := map[string]bool{}
	for _, r := range features["records"].([]any) {
		rec := r.(map[string]any)
		byID[rec["id"].(string)] = rec["available"].(bool)
	}
	// ExtensionFeatures is ready only with ReadExtensionInfo; the call history and the
	// messages tabs need these.
	for _, f := range []string{"ReadExtensionInfo", "ReadExtensionCallLog", "SMSSending", "PagesReceiving", "WebPhone"} {
		assert.True(t, byID[f], f)
	}
	_, ext := get(t, s, "/restapi/v1.0/account/~/extension/~", tok)
	assert.Equal(t, ownerID, jsonNumber(ext["id"]))
	_, acc := get(t, s, "/restapi/v1.0/account/~", tok)
	assert.Equal(t, accountID, jsonNumber(acc["id"]))
	_, sync := get(t, s, "/restapi/v1.0/account/~/extension/~/call-log-sync", tok)
	assert.Equal(t, "FSync", sync["syncInfo"].(map[string]any)["syncType"])
}

func jsonNumber(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestAuthorizeWithPKCE(t *testing.T) {
	s := start(t)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	verifier := "verifier-0123456789-0123456789-0123456789-0123"
	redirect := s.Origin() + "/redirect.html"
	authorize := func(redirectURI string) *http.Response {
		q := url.Values{"response_type": {"code"}, "client_id": {"x"}, "redirect_uri": {redirectURI}, "state": {"st8"},
			"code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}}
		res, err := noRedirect.Get(s.Origin() + "/restapi/oauth/authorize?" + q.Encode())
		require.NoError(t, err)
		res.Body.Close()
		return res
	}

	res := authorize("https://evil.example/cb")
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "a code never leaves the machine")

	res = authorize(redirect)
	require.Equal(t, http.StatusFound, res.StatusCode)
	loc, err := url.Parse(res.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "st8", loc.Query().Get("state"))
	code := loc.Query().Get("code")
	require.NotEmpty(t, code)

	wrong := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {"not-it"}}
	status, body := postForm(t, s, "/restapi/oauth/token", wrong)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "invalid_grant", body["error"])

	res = authorize(redirect)
	loc, _ = url.Parse(res.Header.Get("Location"))
	right := url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {redirect}, "code_verifier": {verifier}}
	status, body = postForm(t, s, "/restapi/oauth/token", right)
	assert.Equal(t, http.StatusOK, status, body)
	status, _ = postForm(t, s, "/restapi/oauth/token", right)
	assert.Equal(t, http.StatusBadRequest, status, "a code is used once")
}

func TestServesTheWidgetAndRecordsRequests(t *testing.T) {
	s := start(t)
	seq := s.Seq()
	res, err := http.Get(s.Origin() + "/app.html")
	require.NoError(t, err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Contains(t, string(b), "<title>widget</title>")

	code, _ := get(t, s, "/restapi/v1.0/account/~/not-a-thing", login(t, s))
	assert.Equal(t, http.StatusNotFound, code)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() { get(t, s, "/restapi/v1.0/account/~", login(t, s)) }()
	r, err := s.WaitFor(ctx, seq, LoggedIn)
	require.NoError(t, err)
	assert.Equal(t, "/restapi/v1.0/account/~", r.Path)
	reqs := s.Requests()
	assert.Equal(t, "/app.html", reqs[seq].Path)
	assert.Equal(t, http.StatusNotFound, reqs[seq+2].Status)

	_, err = New(Options{WidgetDir: t.TempDir()})
	assert.ErrorContains(t, err, "no app.html")
}

func TestOthersMountPathsOnIt(t *testing.T) {
	p, err := New(Options{})
	require.NoError(t, err)
	p.Handle("GET /restapi/v1.0/client-info/sip-provision", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}))
	s, err := Listen("127.0.0.1:0", p)
	require.NoError(t, err)
	defer s.Close()
	code, _ := get(t, s, "/restapi/v1.0/client-info/sip-provision", "")
	assert.Equal(t, http.StatusTeapot, code)
	assert.Equal(t, http.StatusTeapot, s.Requests()[0].Status)
}

func TestWebSocketGateway(t *testing.T) {
	s := start(t)
	tok := login(t, s)
	req, _ := http.NewRequest(http.MethodPost, s.Origin()+"/restapi/oauth/wstoken", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	code, wt := do(t, req)
	require.Equal(t, http.StatusOK, code)
	uri := wt["uri"].(string)
	assert.True(t, strings.HasPrefix(uri, "ws://127.0.0.1:"), uri)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, res, err := websocket.Dial(ctx, uri+"?access_token=WS-forged", nil)
	require.Error(t, err)
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)

	c, _, err := websocket.Dial(ctx, uri+"?access_token="+wt["ws_access_token"].(string), nil)
	require.NoError(t, err)
	defer c.CloseNow()
	read := func() (map[string]any, map[string]any) {
		_, b, err := c.Read(ctx)
		require.NoError(t, err)
		var msg []map[string]any
		require.NoError(t, json.Unmarshal(b, &msg))
		require.NotEmpty(t, msg)
		if len(msg) == 1 {
			return msg[0], nil
		}
		return msg[0], msg[1]
	}
	meta, body := read()
	assert.Equal(t, "ConnectionDetails", meta["type"])
	assert.Contains(t, meta, "wsc")
	assert.Contains(t, body, "recoveryTimeout")

	require.NoError(t, c.Write(ctx, websocket.MessageText, []byte(`[{"type":"Heartbeat","messageId":"h1"}]`)))
	meta, _ = read()
	assert.Equal(t, "Heartbeat", meta["type"])
	assert.Equal(t, "h1", meta["messageId"])

	sub := `[{"type":"ClientRequest","messageId":"m1","method":"POST","path":"/restapi/v1.0/subscription"},` +
		`{"eventFilters":["/restapi/v1.0/account/~/extension/~/presence"],"deliveryMode":{"transportType":"WebSocket"}}]`
	require.NoError(t, c.Write(ctx, websocket.MessageText, []byte(sub)))
	meta, body = read()
	assert.Equal(t, "ClientRequest", meta["type"])
	assert.Equal(t, "m1", meta["messageId"])
	assert.EqualValues(t, 200, meta["status"])
	assert.Equal(t, "Active", body["status"])
	assert.Equal(t, "WebSocket", body["deliveryMode"].(map[string]any)["transportType"])
	assert.Equal(t, []any{"/restapi/v1.0/account/~/extension/~/presence"}, body["eventFilters"])

	var ws []string
	for _, r := range s.Requests() {
		if r.Path == wsPath && r.Query != "access_token=WS-forged" {
			assert.Equal(t, http.StatusSwitchingProtocols, r.Status)
		}
		if r.Method == MethodWS {
			ws = append(ws, r.Path)
		}
	}
	assert.Equal(t, []string{"Heartbeat", "ClientRequest POST /restapi/v1.0/subscription"}, ws, "gateway messages are in the request log")
	reqs := s.Requests()
	assert.True(t, Subscribed(reqs[len(reqs)-1]))
	assert.False(t, Subscribed(reqs[len(reqs)-2]), "a heartbeat is no subscription")
}

func TestNumberParser(t *testing.T) {
	s := start(t)
	req, _ := http.NewRequest(http.MethodPost, s.Origin()+"/restapi/v2/number-parser/parse", strings.NewReader(`{"originalStrings":["(650) 555-0123","101"]}`))
	req.Header.Set("Authorization", "Bearer "+login(t, s))
	code, body := do(t, req)
	require.Equal(t, http.StatusOK, code)
	results := body["results"].([]any)
	require.Len(t, results, 2)
	first := results[0].(map[string]any)
	assert.Equal(t, "+16505550123", first["formats"].([]any)[0].(map[string]any)["e164"])
	assert.Equal(t, "Invalid", results[1].(map[string]any)["category"])
}

func TestBuildServer(t *testing.T) {
	tests := []struct {
		name, appJS, want, err string
	}{
		{"minified build", `x={NODE_ENV:"production",API_CONFIG:{appKey:"k",appSecret:void 0,server:"http://127.0.0.1:19080"},APP_VERSION:"2.3.1"}`, "127.0.0.1:19080", ""},
		{"unminified build", `var a={"API_CONFIG":{"appKey":"k","appSecret":null,"server":"http://127.0.0.1:19080"}};`, "127.0.0.1:19080", ""},
		{"the real platform", `API_CONFIG:{appKey:"k",server:"https://platform.ringcentral.com"}`, "", "not to a loopback"},
		{"another server first", `{server:"http://127.0.0.1:1"};API_CONFIG:{appKey:"k",server:"http://127.0.0.1:19080"}`, "127.0.0.1:19080", ""},
		{"no setting", `console.log(1)`, "", "no API server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "app.js"), []byte(tt.appJS), 0o644))
			u, err := BuildServer(dir)
			if tt.err != "" {
				assert.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, u.Host)
		})
	}
}
