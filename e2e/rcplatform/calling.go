package rcplatform

import (
	"bytes"
	_ "embed"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/embeddable-tray/embeddable-tray/e2e/rcsip"
)

// MountCalling puts the platform's calling side on its own origin, http://host (the address
// the platform will listen on): sip-provision, the SIP-over-WebSocket registrar and a far end
// with one pion peer per call (package rcsip). The widget's web phone provisions over the
// REST API (with its access token, as on the real platform) and connects to
// ws://host/sip, which its CSP allows because it is its own origin. Mount it before the
// widget loads (its web phone provisions once, at start); http.ServeMux takes it while
// serving, so a command that learns its port from Listen can mount afterwards.
func (p *Platform) MountCalling(cfg rcsip.Config, host string) *rcsip.Server {
	return rcsip.Mount(cfg, host, authedMux{p})
}

// authedMux mounts REST API paths behind the platform's access tokens, the rest as they are.
type authedMux struct{ p *Platform }

func (m authedMux) Handle(pattern string, h http.Handler) {
	if strings.Contains(pattern, "/restapi/") {
		h = m.p.authed(h.ServeHTTP)
	}
	m.p.Handle(pattern, h)
}

// driverJS is the tests' hand in the real widget's page (Options.Driver).
//
//go:embed driver.js
var driverJS []byte

const driverPath = "/rcplatform/driver.js"

// driverRoutes serves app.html with driver.js loaded after the widget's own script, and
// driver.js itself.
func (p *Platform) driverRoutes() {
	p.mux.HandleFunc("GET "+driverPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(driverJS)
	})
	p.mux.HandleFunc("GET /app.html", func(w http.ResponseWriter, _ *http.Request) {
		page, err := os.ReadFile(filepath.Join(p.opts.WidgetDir, "app.html"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		i := bytes.LastIndex(page, []byte("</body>"))
		if i < 0 {
			http.Error(w, "rcplatform: app.html has no </body> to load the driver before", http.StatusInternalServerError)
			return
		}
		out := append(append(page[:i:i], `<script src="`+driverPath+`"></script>`+"\n"...), page[i:]...)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(out)
	})
}
