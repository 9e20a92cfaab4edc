package rcplatform

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// Server serves a Platform on a loopback address.
type Server struct {
	*Platform
	srv    *http.Server
	origin string
}

// Listen serves p on addr ("127.0.0.1:0" for any free port). A widget build only works on
// the origin it was built for (see BuildServer): pass that address.
func Listen(addr string, p *Platform) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("rcplatform: listen on %s: %w", addr, err)
	}
	s := &Server{Platform: p, origin: "http://" + ln.Addr().String()}
	s.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops serving, open WebSockets included.
func (s *Server) Close() error { return s.srv.Close() }

// Origin is http://127.0.0.1:PORT: the API server and the widget's origin.
func (s *Server) Origin() string { return s.origin }

// AppURL is the widget's app.html with params (e.g. clientId, jwt).
func (s *Server) AppURL(params url.Values) string {
	u := s.origin + "/app.html"
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	return u
}

// The build keeps its default API server in app.js: webpack's DefinePlugin writes the
// API_CONFIG object, which the minifier leaves as API_CONFIG:{appKey:"...",server:"http://..."}
// (keys quoted in an unminified build).
var builtServer = regexp.MustCompile(`"?API_CONFIG"?:\{[^}]*?"?server"?:"([^"]+)"`)

// BuildServer reads the API server a widget build was made for (its API_SERVER setting).
// The widget accepts another server only over https (its appServer parameter), and its CSP
// lets it talk only to its own origin: so the platform has to listen exactly there.
func BuildServer(widgetDir string) (*url.URL, error) {
	b, err := os.ReadFile(filepath.Join(widgetDir, "app.js"))
	if err != nil {
		return nil, fmt.Errorf("rcplatform: %w", err)
	}
	m := builtServer.FindSubmatch(b)
	if m == nil {
		return nil, errors.New("rcplatform: no API server in " + filepath.Join(widgetDir, "app.js") + " (rcplatform serves a widget build whose API server is a loopback http://127.0.0.1:PORT)")
	}
	u, err := url.Parse(string(m[1]))
	if err != nil {
		return nil, fmt.Errorf("rcplatform: the build's API server: %w", err)
	}
	if u.Scheme != "http" || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost") || u.Port() == "" {
		return nil, fmt.Errorf("rcplatform: the build talks to %s, not to a loopback http://127.0.0.1:PORT: rebuild it with API_SERVER set so", u)
	}
	return u, nil
}

// ListenForBuild serves p where the widget build in p's WidgetDir expects its API server.
func ListenForBuild(p *Platform) (*Server, error) {
	u, err := BuildServer(p.opts.WidgetDir)
	if err != nil {
		return nil, err
	}
	return Listen(u.Host, p)
}
