package assets

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOfflinePage(t *testing.T) {
	tests := []struct {
		name        string
		url, reason string
		retryIn     int
		want        []string
		notWant     []string
	}{
		{
			name: "plain", url: "https://apps.example.com/app.html?clientId=x", reason: "Could not connect: Connection refused", retryIn: 10,
			want: []string{"The widget could not be reached", "https://apps.example.com/app.html?clientId=x",
				"Could not connect: Connection refused", "Retrying in 10 s", "var left =  10 ;"},
		},
		{
			name: "markup in the values is escaped", url: `https://x/"><script>alert(1)</script>`, reason: `<img src=x onerror=alert(2)>`, retryIn: 5,
			want:    []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(2)&gt;"},
			notWant: []string{"<script>alert(1)", "<img src=x"},
		},
		{
			name: "no countdown", url: "https://x/", retryIn: 0,
			want:    []string{"Retrying…", "var left =  0 ;"},
			notWant: []string{`polite">Retrying in`, `id="reason"`},
		},
		{
			name: "negative is no countdown", url: "https://x/", retryIn: -3,
			want:    []string{"Retrying…", "var left =  0 ;"},
			notWant: []string{"-3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := OfflinePage(tt.url, tt.reason, tt.retryIn)
			require.True(t, strings.HasPrefix(got, "<!DOCTYPE html>"), "not the template: %.80s", got)
			for _, w := range tt.want {
				assert.Contains(t, got, w)
			}
			for _, nw := range tt.notWant {
				assert.NotContains(t, got, nw)
			}
		})
	}
}

func TestOfflineHTMLIsTheTemplate(t *testing.T) {
	assert.Contains(t, OfflineHTML, "{{.URL}}")
	assert.Contains(t, OfflineHTML, "{{.Reason}}")
}
