package webview

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTuning(t *testing.T) {
	base := Tuning{CacheModel: cacheDefault, ReleaseAfter: 60}
	tests := []struct {
		spec    string
		want    Tuning
		wantErr string
	}{
		{"", base, ""},
		{"none", noTuning, ""},
		{"none,cache=viewer", Tuning{CacheModel: cacheDocumentViewer}, ""},
		{"web-mp=200:0.3:0.5:20", Tuning{CacheModel: cacheDefault, ReleaseAfter: 60, WebMemoryLimitMB: 200, WebConservative: 0.3, WebStrict: 0.5, WebPollSeconds: 20}, ""},
		{"net-mp=64, release=5", Tuning{CacheModel: cacheDefault, ReleaseAfter: 5, NetworkMemoryLimit: 64}, ""},
		{"web-mp=200:0.5:0.3:20", base, "conservative < strict"},
		{"web-mp=200:0.3", base, "LIMIT_MB"},
		{"cache=huge", base, "viewer, browser or default"},
		{"release=-1", base, "release=-1"},
		{"jit=off", Tuning{CacheModel: cacheDefault, ReleaseAfter: 60, NoJIT: true}, ""},
		{"jit=fast", base, "off or on"},
		{"turbo", base, "unknown setting"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := ParseTuning(base, tt.spec)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				assert.Equal(t, base, got, "a bad setting changes nothing")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestTuneEnvironment(t *testing.T) {
	t.Setenv("JSC_useJIT", "")
	os.Unsetenv("JSC_useJIT")
	tuneEnvironment(Tuning{})
	_, set := os.LookupEnv("JSC_useJIT")
	assert.False(t, set, "the JIT stays on unless asked")
	tuneEnvironment(Tuning{NoJIT: true})
	assert.Equal(t, "0", os.Getenv("JSC_useJIT"))

	untuneEnvironment()
	_, set = os.LookupEnv("JSC_useJIT")
	assert.False(t, set, "taken back once the web process runs: children of the app do not inherit it")

	t.Setenv("JSC_useJIT", "1")
	tuneEnvironment(Tuning{NoJIT: true})
	assert.Equal(t, "1", os.Getenv("JSC_useJIT"), "the user's own setting wins")
	untuneEnvironment()
	assert.Equal(t, "1", os.Getenv("JSC_useJIT"), "and stays")
}

// TestReleaseWhenHidden: a window hidden for ReleaseAfter seconds has WebKit's memory cache
// released; shown again, it has not (the timer is stopped).
func TestReleaseWhenHidden(t *testing.T) {
	ui := needUI(t)
	setTuning(Tuning{CacheModel: cacheDefault, ReleaseAfter: 1})
	t.Cleanup(func() { setTuning(DefaultTuning) })
	w, err := ui.NewWindow(Options{Title: "release test", Width: 200, Height: 200})
	require.NoError(t, err)
	t.Cleanup(w.Close)
	w.Show()
	require.Eventually(t, w.Visible, 10*time.Second, 10*time.Millisecond)

	before := tuningReleases.Load()
	w.Hide()
	require.Eventually(t, func() bool { return tuningReleases.Load() > before }, 15*time.Second, 20*time.Millisecond,
		"the memory cache is released after a second out of sight")
}

// TestEnvironmentTakenBackAfterFirstLoad: once a window's page has committed (its web process
// runs), the JSC option is out of the app's environment again.
func TestEnvironmentTakenBackAfterFirstLoad(t *testing.T) {
	ui := needUI(t)
	srv := pageServer(t)
	t.Setenv("JSC_useJIT", "")
	os.Unsetenv("JSC_useJIT")
	tuneEnvironment(Tuning{NoJIT: true})
	require.Equal(t, "0", os.Getenv("JSC_useJIT"))

	w, err := ui.NewWindow(Options{Title: "jit test", Width: 200, Height: 200})
	require.NoError(t, err)
	t.Cleanup(w.Close)
	w.Navigate(srv.URL + "/page")
	require.Eventually(t, func() bool {
		_, set := os.LookupEnv("JSC_useJIT")
		return !set
	}, 15*time.Second, 20*time.Millisecond)
}
