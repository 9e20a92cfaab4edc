package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAllowsFrameAndPage(t *testing.T) {
	cfg := Default()
	custom := Default()
	custom.Widget.URL = "http://127.0.0.1:8080/app.html"
	custom.Widget.FrameOrigins = []string{"https://crm.example.com:8443", "http://*.local.test"}
	tests := []struct {
		cfg         Config
		uri         string
		frame, page bool
	}{
		{cfg, "https://apps.ringcentral.com/x/app.html", true, true},
		{cfg, "https://apps.ringcentral.com:443/x", true, true},
		{cfg, "https://media.ringcentral.com/frame", true, false},
		{cfg, "https://a.b.ringcentral.com/", true, false},
		{cfg, "https://ringcentral.com/", false, false},
		{cfg, "http://media.ringcentral.com/", false, false},
		{cfg, "https://ringcentral.com.evil.example/", false, false},
		{cfg, "https://evilringcentral.com/", false, false},
		{cfg, "https://evil.example/attack.html", false, false},
		{cfg, "about:blank", true, true},
		{cfg, "data:text/html,x", true, false},
		{cfg, "file:///etc/passwd", false, false},
		{cfg, "javascript:alert(1)", false, false},
		{custom, "http://127.0.0.1:8080/frame", true, true},
		{custom, "http://127.0.0.1:8081/frame", false, false},
		{custom, "https://crm.example.com:8443/x", true, false},
		{custom, "https://crm.example.com/x", false, false},
		{custom, "http://a.local.test/", true, false},
		{custom, "https://media.ringcentral.com/", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			assert.Equal(t, tt.frame, tt.cfg.AllowsFrame(tt.uri), "frame")
			assert.Equal(t, tt.page, tt.cfg.AllowsPage(tt.uri), "page")
		})
	}
}

func TestFrameOriginsValidated(t *testing.T) {
	for _, bad := range []string{"ringcentral.com", "https://*", "https://a.*.com", "https://x.com/path", "ftp://x.com", "https://user@x.com", "https://*.x.com?q"} {
		_, err := Parse([]byte(`{"widget":{"url":"https://apps.ringcentral.com/app.html","frameOrigins":["` + bad + `"]}}`))
		assert.ErrorContains(t, err, "widget.frameOrigins", bad)
	}
	cfg, err := Parse([]byte(`{"widget":{"url":"https://apps.ringcentral.com/app.html","frameOrigins":["https://*.example.com","http://127.0.0.1:9000"]}}`))
	assert.NoError(t, err)
	assert.Equal(t, []string{"https://*.example.com", "http://127.0.0.1:9000"}, cfg.Widget.FrameOrigins)
}
