package weborigin

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSame(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://dav.example.com/ab/", "https://DAV.example.com:443/other", true},
		{"http://127.0.0.1:8080/a", "http://127.0.0.1:8080/b?x=1", true},
		{"http://[::1]:80/", "http://[::1]/", true},
		{"https://dav.example.com/", "http://dav.example.com/", false},
		{"https://dav.example.com/", "https://dav.example.com:8443/", false},
		{"https://dav.example.com/", "https://p1.dav.example.com/", false},
		{"https://dav.example.com/", "https://evil.example/", false},
		{"/relative", "/relative", false},
	}
	for _, tt := range tests {
		t.Run(tt.a+" "+tt.b, func(t *testing.T) {
			a, err := url.Parse(tt.a)
			require.NoError(t, err)
			b, err := url.Parse(tt.b)
			require.NoError(t, err)
			assert.Equal(t, tt.want, Same(a, b))
		})
	}
	assert.Equal(t, "https://dav.example.com", Of(&url.URL{Scheme: "HTTPS", Host: "Dav.Example.com:443"}))
}
