package webview

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckDisplayByPlatform(t *testing.T) {
	env := func(kv map[string]string) func(string) string {
		return func(k string) string { return kv[k] }
	}
	tests := []struct {
		name string
		goos string
		env  map[string]string
		want error
	}{
		{"linux without display", "linux", nil, ErrNoDisplay},
		{"linux with X11", "linux", map[string]string{"DISPLAY": ":99"}, nil},
		{"linux with Wayland", "linux", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, nil},
		{"freebsd without display", "freebsd", nil, ErrNoDisplay},
		{"windows always has one", "windows", nil, nil},
		{"macOS always has one", "darwin", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, checkDisplay(tt.goos, env(tt.env)))
		})
	}
}

func TestCheckDisplayWithDisplayUnset(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	err := CheckDisplay()
	switch runtime.GOOS {
	case "windows", "darwin":
		assert.NoError(t, err)
	default:
		require.ErrorIs(t, err, ErrNoDisplay)
		assert.Contains(t, err.Error(), "DISPLAY")
	}
}

func TestLoadErrorCancelled(t *testing.T) {
	tests := []struct {
		domain string
		code   int
		want   bool
	}{
		{"WebKitNetworkError", 302, true},  // cancelled
		{"WebKitPolicyError", 102, true},   // interrupted by a policy change
		{"WebKitPluginError", 204, true},   // a plugin takes over
		{"WebKitNetworkError", 399, false}, // transport
		{"WebKitPolicyError", 101, false},  // cannot show URI
		{"g-io-error-quark", 39, false},    // connection refused
		{"soup-http-error-quark", 302, false},
	}
	for _, tt := range tests {
		e := &LoadError{Domain: tt.domain, Code: tt.code}
		assert.Equal(t, tt.want, e.Cancelled(), "%s %d", tt.domain, tt.code)
	}
}

func TestLoadErrorText(t *testing.T) {
	assert.Equal(t, "Could not connect: Connection refused",
		(&LoadError{Domain: "g-io-error-quark", Code: 39, Message: "Could not connect: Connection refused"}).Error())
	assert.Equal(t, "load failed (WebKitNetworkError 399)", (&LoadError{Domain: "WebKitNetworkError", Code: 399}).Error())
}

func TestOptionsDefaults(t *testing.T) {
	got := Options{Title: "t"}.withDefaults()
	assert.Equal(t, Options{Title: "t", Width: DefaultWidth, Height: DefaultHeight, ProgramName: DefaultProgramName}, got)
	kept := Options{Width: 300, Height: 560, ProgramName: "x"}.withDefaults()
	assert.Equal(t, Options{Width: 300, Height: 560, ProgramName: "x"}, kept)
}

func TestBlockedPortError(t *testing.T) {
	tests := []struct {
		url      string
		wantPort int // 0: not blocked
	}{
		{"http://127.0.0.1:1/", 1},
		{"https://example.com:6000/x", 6000},
		{"ws://host:10080", 10080},
		{"http://127.0.0.1:8080/", 0},
		{"https://apps.ringcentral.com/integration/app.html", 0},
		{"http://[::1]:25/", 25},
		{"file:///tmp/x:1", 0},
		{"about:blank", 0},
		{"data:text/html,<p>1</p>", 0},
		{"http://host:notaport/", 0},
		{"::not a url", 0},
	}
	for _, tt := range tests {
		got := blockedPortError(tt.url)
		if tt.wantPort == 0 {
			assert.Nil(t, got, tt.url)
			continue
		}
		require.NotNil(t, got, tt.url)
		assert.Equal(t, tt.wantPort, got.Code, tt.url)
		assert.Equal(t, tt.url, got.URI)
		assert.False(t, got.Cancelled())
		assert.Contains(t, got.Error(), "restricted network port")
	}
}
