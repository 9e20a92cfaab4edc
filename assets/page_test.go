package assets

import (
	"html/template"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPageCSSLandsVerbatim proves {{pageCSS}} puts the stylesheet into a <style> element
// as it is: html/template would otherwise replace a plain string in CSS context with
// ZgotmplZ and the page would show unstyled.
func TestPageCSSLandsVerbatim(t *testing.T) {
	tmpl := template.Must(template.New("t").Funcs(PageFuncs).Parse(`<style>{{pageCSS}}</style>`))
	var b strings.Builder
	require.NoError(t, tmpl.Execute(&b, nil))
	assert.Equal(t, "<style>"+string(PageCSS)+"</style>", b.String())
	assert.Contains(t, string(PageCSS), "prefers-color-scheme: dark")
}

func TestOfflinePageUsesPageCSS(t *testing.T) {
	assert.Contains(t, OfflinePage("https://x/", "", 1), string(PageCSS))
}
