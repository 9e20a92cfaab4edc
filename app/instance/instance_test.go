//go:build unix

package instance

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSecondLaunchForwards(t *testing.T) {
	rt := runtimeDir(t)
	p, err := acquire("embeddable-tray", []string{"first"})
	require.NoError(t, err)
	defer p.Close()
	assert.Equal(t, filepath.Join(rt, "embeddable-tray", "instance.sock"), p.Path())

	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"a tel: link", []string{"tel:+15551234567"}, []string{"tel:+15551234567"}},
		{"no arguments", nil, []string{}},
		{"several, with odd characters", []string{"callto:+1 555", `"quoted"`, "ünï"}, []string{"callto:+1 555", `"quoted"`, "ünï"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			second, err := acquire("embeddable-tray", tt.args)
			require.ErrorIs(t, err, ErrAlreadyRunning)
			assert.Nil(t, second)
			assert.Equal(t, tt.want, next(t, p))
		})
	}
}

func TestSocketDirIsPrivate(t *testing.T) {
	rt := runtimeDir(t)
	dir := filepath.Join(rt, "embeddable-tray")
	require.NoError(t, os.Mkdir(dir, 0o755))
	require.NoError(t, os.Chmod(dir, 0o755)) // past the umask

	p, err := acquire("embeddable-tray", nil)
	require.NoError(t, err)
	defer p.Close()
	fi, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm(), "tightened to the user only")
}

func TestStaleSocketIsTakenOver(t *testing.T) {
	rt := runtimeDir(t)
	dir := filepath.Join(rt, "embeddable-tray")
	require.NoError(t, os.Mkdir(dir, 0o700))
	path := filepath.Join(dir, "instance.sock")

	// A copy that crashed leaves its socket file behind.
	ln, err := net.Listen("unix", path)
	require.NoError(t, err)
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	require.NoError(t, ln.Close())
	require.FileExists(t, path)

	p, err := acquire("embeddable-tray", []string{"ignored"})
	require.NoError(t, err, "the stale socket is removed and taken over")
	defer p.Close()

	_, err = acquire("embeddable-tray", []string{"tel:1"})
	require.ErrorIs(t, err, ErrAlreadyRunning, "and the new primary serves later launches")
	assert.Equal(t, []string{"tel:1"}, next(t, p))
}

func TestCloseRemovesSocketAndEndsRequests(t *testing.T) {
	runtimeDir(t)
	p, err := acquire("embeddable-tray", nil)
	require.NoError(t, err)
	require.NoError(t, p.Close())
	assert.NoFileExists(t, p.Path())
	_, ok := <-p.Requests()
	assert.False(t, ok, "Requests is closed")
	require.NoError(t, p.Close(), "Close twice is fine")

	again, err := acquire("embeddable-tray", nil)
	require.NoError(t, err, "the next launch is the primary")
	again.Close()
}

// rawSend sends bytes as a client would and returns the primary's answer.
func rawSend(t *testing.T, path string, data []byte) string {
	t.Helper()
	c, err := net.Dial("unix", path)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = c.Write(data)
	require.NoError(t, err)
	require.NoError(t, c.(*net.UnixConn).CloseWrite())
	reply, err := io.ReadAll(c)
	require.NoError(t, err)
	return strings.TrimSpace(string(reply))
}

func TestBadRequestsAreRejected(t *testing.T) {
	runtimeDir(t)
	p, err := acquire("embeddable-tray", nil)
	require.NoError(t, err)
	defer p.Close()

	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"oversized", []byte(`["` + strings.Repeat("a", MaxMessage) + `"]`), "error: request over 65536 bytes"},
		{"not JSON", []byte("tel:+1555"), "error: not a JSON array of strings"},
		{"not strings", []byte(`[1, 2]`), "error: not a JSON array of strings"},
		{"null", []byte(`null`), "error: not a JSON array of strings: null"},
		{"object", []byte(`{"a":"b"}`), "error: not a JSON array of strings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.True(t, strings.HasPrefix(rawSend(t, p.Path(), tt.data), tt.want))
		})
	}
	// None of them reached the app: the next request is the first it sees.
	assert.Equal(t, "ok", rawSend(t, p.Path(), []byte(`["good"]`)))
	assert.Equal(t, []string{"good"}, next(t, p))
}

func TestOversizedArgumentsStillRaiseTheRunningCopy(t *testing.T) {
	runtimeDir(t)
	p, err := acquire("embeddable-tray", nil)
	require.NoError(t, err)
	defer p.Close()

	huge := []string{strings.Repeat("x", MaxMessage)}
	_, err = acquire("embeddable-tray", huge)
	require.ErrorIs(t, err, ErrAlreadyRunning, "a second launch still exits")
	require.ErrorIs(t, err, ErrTooLarge, "and says why its arguments were dropped")
	assert.Equal(t, []string{}, next(t, p), "the running copy is asked to come to the front")
}

func TestDir(t *testing.T) {
	tests := []struct {
		name, runtimeDir, cacheHome, want string
	}{
		{"XDG_RUNTIME_DIR", "/run/user/1000", "", "/run/user/1000/embeddable-tray"},
		{"cache dir without XDG_RUNTIME_DIR", "", "/tmp/cache", "/tmp/cache/embeddable-tray"},
		{"relative XDG_RUNTIME_DIR is ignored", "run", "/tmp/cache", "/tmp/cache/embeddable-tray"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("XDG_RUNTIME_DIR", tt.runtimeDir)
			if tt.cacheHome != "" {
				t.Setenv("XDG_CACHE_HOME", tt.cacheHome)
			}
			d, err := Dir("embeddable-tray")
			require.NoError(t, err)
			assert.Equal(t, tt.want, d)
		})
	}
	for _, bad := range []string{"", ".", "..", "a/b", `a\b`} {
		_, err := Dir(bad)
		assert.Error(t, err, "name %q", bad)
	}
}

func TestReadRequestNeverPanics(t *testing.T) {
	for _, in := range []string{"", "[", `["a",`, `[null]`, `["a", null]`, "\x00\xff"} {
		_, err := readRequest(strings.NewReader(in))
		if in == `[null]` || in == `["a", null]` {
			// encoding/json leaves null elements as "": harmless, still strings.
			continue
		}
		assert.Error(t, err, "%q", in)
	}
}
