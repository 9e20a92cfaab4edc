package assets

import (
	"bytes"
	"fmt"
	"image/png"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	pngMagic = []byte("\x89PNG\r\n\x1a\n")
	icoMagic = []byte{0, 0, 1, 0} // reserved=0, type=1 (icon)
)

func TestTrayIconFormatFollowsOS(t *testing.T) {
	tests := []struct {
		goos     string
		signedIn bool
		path     string
		magic    []byte
	}{
		{"linux", true, "icons/tray-signed-in.png", pngMagic},
		{"linux", false, "icons/tray-signed-out.png", pngMagic},
		{"darwin", true, "icons/tray-signed-in.png", pngMagic},
		{"windows", true, "icons/tray-signed-in.ico", icoMagic},
		{"windows", false, "icons/tray-signed-out.ico", icoMagic},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%v", tt.goos, tt.signedIn), func(t *testing.T) {
			assert.Equal(t, tt.path, trayIconPath(tt.goos, tt.signedIn))
			b := trayIcon(tt.goos, tt.signedIn)
			require.True(t, bytes.HasPrefix(b, tt.magic), "%s has wrong magic", tt.path)
		})
	}
}

func TestTrayIconStatesDiffer(t *testing.T) {
	assert.NotEqual(t, TrayIcon(true), TrayIcon(false))
}

func TestAppIconSizes(t *testing.T) {
	for _, size := range []int{16, 22, 24, 32, 48, 64, 128, 256, 512} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			b, err := Icons.ReadFile(fmt.Sprintf("icons/app-%d.png", size))
			require.NoError(t, err)
			cfg, err := png.DecodeConfig(bytes.NewReader(b))
			require.NoError(t, err)
			assert.Equal(t, size, cfg.Width)
			assert.Equal(t, size, cfg.Height)
		})
	}
}

func TestAppICOEmbedded(t *testing.T) {
	b, err := Icons.ReadFile("icons/app.ico")
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(b, icoMagic))
}
