package rcsip

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSine(t *testing.T) {
	const rate = 48000
	whole := make([]int16, 2*960)
	sine(whole, 1000, rate, 0)
	// frame by frame, the phase carried over: the same samples as in one go
	a, b := make([]int16, 960), make([]int16, 960)
	phase := sine(a, 1000, rate, 0)
	sine(b, 1000, rate, phase)
	assert.Equal(t, whole, append(a, b...))
	assert.Greater(t, toneShare(a, rate, 1000), 0.9)
	assert.Less(t, toneShare(a, rate, 600), 0.1)
	assert.InDelta(t, 8000/1.4142, rms(a), 50)

	// silence clears what the buffer held and keeps the phase
	assert.Equal(t, phase, sine(a, 0, rate, phase))
	assert.Equal(t, make([]int16, 960), a)
}

func TestWebPhoneDir(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o600))
	below := filepath.Join(root, "bench", "cmd")
	require.NoError(t, os.MkdirAll(below, 0o755))
	_, err := WebPhoneDir(below)
	require.ErrorContains(t, err, "npm ci", "without the npm packages it says how to get them")

	web := filepath.Join(root, "e2e", "webphone")
	for _, f := range webPhoneFiles {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(web, f)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(web, f), nil, 0o600))
	}
	dir, err := WebPhoneDir(below)
	require.NoError(t, err)
	assert.Equal(t, web, dir)

	_, err = WebPhoneDir(t.TempDir())
	assert.ErrorContains(t, err, "no go.mod")
}
