package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadMissingFileGivesDefaults(t *testing.T) {
	cfg, err := Load(filepath.Join(t.TempDir(), "none.json"))
	require.NoError(t, err)
	assert.Equal(t, Default(), cfg)
	assert.Nil(t, cfg.Service.OAuth, "the built-in demo provider")
}

func TestLoadFull(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	require.NoError(t, os.WriteFile(path, []byte(`{
  "widget": {"url": "https://Apps.Example.com:443/app.html?x=1", "params": {"clientId": "abc", "appServer": "https://platform.ringcentral.com"}},
  "service": {"name": "Acme", "displayName": "Acme CRM", "info": "i", "authorizedTitle": "Out",
    "unauthorizedTitle": "In", "authorizationLogo": "https://example.com/l.png", "showAuthRedDot": false,
    "signIn": "browser", "signInTimeout": "90s",
    "oauth": {"authorizeUrl": "https://idp.example.com/a", "tokenUrl": "https://idp.example.com/t",
              "clientId": "cid", "scopes": ["openid", "email"]},
    "contacts": {"carddavUrl": "https://dav.example.com/", "region": "GB"}}}`), 0o600))
	cfg, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, "Acme CRM", cfg.Service.DisplayName)
	assert.Equal(t, 90*time.Second, cfg.Service.Timeout())
	assert.Equal(t, "https://apps.example.com", cfg.WidgetOrigin())
	assert.Equal(t, "https://Apps.Example.com:443/app.html?appServer=https%3A%2F%2Fplatform.ringcentral.com&clientId=abc&disableLoginPopup=1&x=1", cfg.WidgetURL())
	assert.Equal(t, "https://Apps.Example.com:443/redirect.html", cfg.RedirectURI(), "next to app.html")
}

// TestRedirectURI: without params.redirectUri the widget lands its RingCentral login on
// ./redirect.html next to app.html (PROTOCOL.md, Loading), for /latest/ and /3.x/ alike.
func TestRedirectURI(t *testing.T) {
	tests := []struct {
		name, widget, param, want string
	}{
		{"default widget", DefaultWidgetURL, "", "https://apps.ringcentral.com/integration/ringcentral-embeddable/latest/redirect.html"},
		{"3.x widget", Widget3xURL, "", "https://apps.ringcentral.com/integration/ringcentral-embeddable/3.x/redirect.html"},
		{"own build with a query", "http://127.0.0.1:8080/w/app.html?x=1#top", "", "http://127.0.0.1:8080/w/redirect.html"},
		{"directory URL", "https://widget.example.com/embeddable/", "", "https://widget.example.com/embeddable/redirect.html"},
		{"params.redirectUri wins", Widget3xURL, "https://crm.example.com/rc/redirect.html", "https://crm.example.com/rc/redirect.html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Default()
			cfg.Widget.URL = tt.widget
			if tt.param != "" {
				cfg.Widget.Params = map[string]string{"redirectUri": tt.param}
			}
			require.NoError(t, cfg.Validate())
			assert.Equal(t, tt.want, cfg.RedirectURI())
		})
	}
}

func TestParseErrorsNameTheProblem(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"syntax", "{\n  \"widget\": {\"url\": }\n}", "line 2, column 21"},
		{"empty", "", "empty"},
		{"truncated", `{"widget": {`, "ends too early"},
		{"wrong type", `{"service": {"showAuthRedDot": "yes"}}`, `"service.showAuthRedDot" must be bool`},
		{"unknown key", `{"service": {"clientID": "x"}}`, `unknown field "clientID"`},
		{"bad widget url", `{"widget": {"url": "ftp://x"}}`, "widget.url"},
		{"relative widget url", `{"widget": {"url": "/app.html"}}`, "widget.url"},
		{"empty name", `{"service": {"name": " "}}`, "service.name"},
		{"sign-in mode", `{"service": {"signIn": "popup"}}`, "service.signIn"},
		{"timeout", `{"service": {"signInTimeout": "soon"}}`, `"soon" is not a duration`},
		{"oauth without client", `{"service": {"oauth": {"issuer": "https://i"}}}`, "clientId"},
		{"oauth without endpoints", `{"service": {"oauth": {"clientId": "c", "authorizeUrl": "https://a"}}}`, "issuer, or both"},
		{"oauth bad url", `{"service": {"oauth": {"clientId": "c", "issuer": "idp"}}}`, "service.oauth.issuer"},
		{"contacts url", `{"service": {"contacts": {"carddavUrl": ""}}}`, "carddavUrl"},
		{"contacts auth", `{"service": {"contacts": {"carddavUrl": "https://d", "auth": "magic"}}}`, "service.contacts.auth"},
		{"contacts username without password", `{"service": {"contacts": {"carddavUrl": "https://d", "username": "ann"}}}`, "service.contacts.username"},
		{"trailing data", `{} {}`, "after the JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestContactsUsername(t *testing.T) {
	cfg, err := Parse([]byte(`{"service": {"contacts": {"carddavUrl": "https://dav.example.com/", "auth": "password", "username": "ann.dav"}}}`))
	require.NoError(t, err)
	require.NotNil(t, cfg.Service.Contacts)
	assert.Equal(t, "password", cfg.Service.Contacts.Auth)
	assert.Equal(t, "ann.dav", cfg.Service.Contacts.Username)
}

func TestLoadErrorNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"widget": 3}`), 0o600))
	_, err := Load(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), path)
}

func TestWidgetOrigin(t *testing.T) {
	tests := map[string]string{
		"http://127.0.0.1:8080/app.html":     "http://127.0.0.1:8080",
		"http://localhost:80/x":              "http://localhost",
		"https://apps.ringcentral.com/a/b":   "https://apps.ringcentral.com",
		"https://[::1]:9000/app.html":        "https://[::1]:9000",
		"https://EXAMPLE.com:8443/app.html?": "https://example.com:8443",
	}
	for in, want := range tests {
		cfg := Default()
		cfg.Widget.URL = in
		assert.Equal(t, want, cfg.WidgetOrigin(), in)
	}
}

// FuzzParse: any input either parses into a valid config or fails with an error; never a panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"widget": {"url": "https://a/app.html", "params": {"clientId": "x"}}}`))
	f.Add([]byte(`{"service": {"oauth": {"clientId": "c", "issuer": "https://i"}, "signInTimeout": "1m"}}`))
	f.Add([]byte(`{"service": {"contacts": {"carddavUrl": "https://d", "auth": "password"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data)
		if err == nil {
			require.NoError(t, cfg.Validate())
			_ = cfg.WidgetURL()
			_ = cfg.WidgetOrigin()
		}
	})
}

func TestLoadWaitsForAFileBeingWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	whole := `{"service": {"name": "Acme", "displayName": "Acme CRM"}}`
	require.NoError(t, os.WriteFile(path, []byte(whole[:20]), 0o600))
	go func() {
		time.Sleep(150 * time.Millisecond)
		_ = os.WriteFile(path, []byte(whole), 0o600)
	}()
	cfg, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, "Acme CRM", cfg.Service.DisplayName)
}

func TestLoadBrokenSteadyFileFailsPromptly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"service": `), 0o600))
	hourAgo := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(path, hourAgo, hourAgo))
	start := time.Now()
	_, err := Load(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ends too early")
	assert.Less(t, time.Since(start), settleTime, "a steady broken file is not waited on")
}

func TestWidgetStartTimeout(t *testing.T) {
	assert.Equal(t, DefaultWidgetStartTimeout, Widget{}.StartWithin())
	assert.Equal(t, 5*time.Second, Widget{StartTimeout: Duration(5 * time.Second)}.StartWithin())
	c := Default()
	c.Widget.StartTimeout = -1
	assert.ErrorContains(t, c.Validate(), "widget.startTimeout")
}

// TestOneRuleForTokenURLs: the rule signin and contacts apply (https, plain http only to
// this machine) is checked at load, with the file's line, not later by the part that
// would send the token.
func TestOneRuleForTokenURLs(t *testing.T) {
	oauth := func(tokenURL string) string {
		return "{\n  \"service\": {\n    \"oauth\": {\n      \"clientId\": \"c\",\n      \"authorizeUrl\": \"https://idp.example.com/a\",\n      \"tokenUrl\": \"" + tokenURL + "\"\n    }\n  }\n}"
	}
	tests := []struct {
		name, doc, want string // want "" means accepted
	}{
		{"https", oauth("https://idp.example.com/t"), ""},
		{"http to loopback", oauth("http://127.0.0.1:8080/t"), ""},
		{"http to localhost", oauth("http://localhost/t"), ""},
		{"http elsewhere", oauth("http://idp.example.com/t"), "line 6: service.oauth.tokenUrl is \"http://idp.example.com/t\": it must be an https URL"},
		{"http lookalike", oauth("http://127.0.0.1.evil.example/t"), "line 6: service.oauth.tokenUrl"},
		{"carddav over http", "{\"service\": {\n\"contacts\": {\"carddavUrl\": \"http://dav.example.com/\"}}}", "line 2: service.contacts.carddavUrl"},
		{"missing field at its object", "{\n\"service\": {\n\"oauth\": {\"issuer\": \"https://i\"}}}", "line 3: service.oauth.clientId must not be empty"},
		{"widget url", "{\"widget\":\n {\"url\": \"ftp://x\"}}", "line 2: widget.url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestLoadNamesFileAndLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	require.NoError(t, os.WriteFile(path, []byte("{\n\"service\": {\"name\": \"\"}}"), 0o600))
	_, err := Load(path)
	require.Error(t, err)
	assert.Equal(t, "config "+path+": line 2: service.name must not be empty", err.Error())
}

// TestLoadWaitsPastOneSecondWhileTheFileChanges: a writer slower than the old fixed 1 s
// window, but never still for a whole second, gets its whole file read.
func TestLoadWaitsPastOneSecondWhileTheFileChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	whole := []byte(`{"service": {"name": "Acme", "displayName": "Acme CRM", "info": "the last field"}}`)
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	const pieces = 6
	size := len(whole)/pieces + 1
	_, err = f.Write(whole[:size])
	require.NoError(t, err)
	go func() {
		for off := size; off < len(whole); off += size {
			time.Sleep(settleTime / 3) // the slow writer being simulated: 2 s in all
			_, _ = f.Write(whole[off:min(off+size, len(whole))])
		}
	}()
	cfg, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, "the last field", cfg.Service.Info)
}
