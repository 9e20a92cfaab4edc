package redact

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://apps.example.com/app.html", "https://apps.example.com/app.html"},
		{"https://ann:s3cret@apps.example.com/app.html", "https://apps.example.com/app.html"},
		{"https://ann@apps.example.com/", "https://apps.example.com/"},
		{"https://apps.example.com/app.html?clientId=x&access_token=s3cret", "https://apps.example.com/app.html?…"},
		{"https://apps.example.com/cb#access_token=s3cret", "https://apps.example.com/cb#…"},
		{"http://127.0.0.1:8080/callback?code=s3cret&state=s3cret#x", "http://127.0.0.1:8080/callback?…#…"},
		{"http://[::1", "(unparsable URL)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := URL(tt.in)
			assert.Equal(t, tt.want, got)
			assert.NotContains(t, got, "s3cret")
		})
	}
}
