package rcsip

import "net/http"

// Mux is where a Server's paths go: an *http.ServeMux, or another stand-in that shares its
// origin (e2e/rcplatform's Platform, which serves the real widget).
type Mux interface {
	Handle(pattern string, h http.Handler)
}

// Mount makes a Server that lives on another server's origin, http://host (host is
// 127.0.0.1:PORT), and registers its paths on mux: sip-provision, the SIP-over-WebSocket
// registrar at /sip (so sip-provision's outboundProxy is host/sip), and the test pages'
// control channel. cfg.Pages is not served: the other server serves its own pages. Close
// hangs up its calls; the other server stops the serving.
func Mount(cfg Config, host string, mux Mux) *Server {
	s := newServer(cfg, host)
	s.routes(mux)
	return s
}

// newServer is a Server for the origin http://host, with the credentials sip-provision
// hands out and the registrar checks.
func newServer(cfg Config, host string) *Server {
	s := &Server{
		URL: "http://" + host, cfg: cfg,
		changed: make(chan struct{}), nonces: map[string]bool{}, calls: map[string]*Call{},
	}
	s.Info = SIPInfo{
		Transport: "WS", Username: "+15550001000", Password: randomHex(8), AuthorizationID: "800001000",
		Domain: "sip.rcsip.test", OutboundProxy: host + "/sip", StunServers: []string{},
	}
	return s
}

// routes registers the platform's calling side and the control channel on mux.
func (s *Server) routes(mux Mux) {
	mux.Handle("POST /restapi/v1.0/client-info/sip-provision", http.HandlerFunc(s.provision))
	mux.Handle("GET /sip", http.HandlerFunc(s.websocket))
	mux.Handle("GET /control/next", http.HandlerFunc(s.controlNext))
	mux.Handle("POST /control/event", http.HandlerFunc(s.controlEvent))
}
