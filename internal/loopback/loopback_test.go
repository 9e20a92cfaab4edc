package loopback

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIsHostAndSecure(t *testing.T) {
	for _, tt := range []struct {
		url          string
		host, secure bool
	}{
		{"http://127.0.0.1:8080/", true, true},
		{"http://127.1.2.3/", true, true},
		{"http://localhost/", true, true},
		{"http://LOCALHOST/", true, true},
		{"http://[::1]:80/", true, true},
		{"https://dav.example.com/", false, true},
		{"http://dav.example.com/", false, false},
		{"http://127.0.0.1.evil.example/", false, false},
		{"http://localhost.evil.example/", false, false},
		{"http://10.0.0.1/", false, false},
		{"ftp://127.0.0.1/", true, false},
		{"https:///nohost", false, false},
	} {
		t.Run(tt.url, func(t *testing.T) {
			u, err := url.Parse(tt.url)
			require.NoError(t, err)
			assert.Equal(t, tt.host, IsHost(u.Hostname()))
			assert.Equal(t, tt.secure, Secure(u))
		})
	}
}

// openFDs counts this process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd on this system")
	}
	return len(ents)
}

// TestIdleFloodDoesNotExhaust reproduces issue 9 point 5's idle-connection flood against a
// loopback server: thousands of connections that send nothing, or only half a request.
// The server holds no more than its cap of them, and a real request is still answered.
func TestIdleFloodDoesNotExhaust(t *testing.T) {
	const flood = 3000
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "real answer")
	}))
	go func() { _ = Serve(srv, ln, 0) }()
	t.Cleanup(func() { _ = srv.Close() })

	before := openFDs(t)
	conns := make([]net.Conn, 0, flood)
	t.Cleanup(func() {
		for _, c := range conns {
			_ = c.Close()
		}
	})
	for i := range flood {
		c, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err, "connection %d", i)
		if i%2 == 1 { // half a request: headers that never end
			_, err = fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: %s\r\n", ln.Addr())
			require.NoError(t, err)
		}
		conns = append(conns, c)
	}

	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	require.NoError(t, err, "a real request after the flood")
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, "real answer", string(body))

	// The accept queue is first in, first out: every flood connection was accepted (and the
	// oldest closed) before the real one. What the server holds is what is open beyond the
	// flood's own client ends (and the real request's kept-alive pair).
	serverSide := openFDs(t) - before - flood
	assert.LessOrEqual(t, serverSide, MaxConns+4, "connections the server holds")
}

// TestServeKeepsHandlersRunning: a connection inside a handler is never the one evicted.
func TestServeKeepsHandlersRunning(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	entered, release := make(chan struct{}), make(chan struct{})
	srv := NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(entered)
			<-release
		}
		_, _ = io.WriteString(w, "ok "+r.URL.Path)
	}))
	go func() { _ = Serve(srv, ln, 2) }()
	t.Cleanup(func() { _ = srv.Close() })

	slow := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			slow <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		slow <- string(b)
	}()
	<-entered
	for range 10 { // idle connections beyond the cap of 2
		c, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		defer c.Close()
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get("http://" + ln.Addr().String() + "/fast")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "ok /fast", string(b))
	close(release)
	assert.Equal(t, "ok /slow", <-slow)
}
