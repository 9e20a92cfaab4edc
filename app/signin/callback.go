package signin

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"

	"github.com/embeddable-tray/embeddable-tray/internal/localpage"
	"github.com/embeddable-tray/embeddable-tray/internal/loopback"
)

// callbackPath is where the provider sends the browser back.
const callbackPath = "/callback"

// hit is the one callback request, handed to the flow; the flow answers on reply and
// the handler shows the outcome.
type hit struct {
	query url.Values
	reply chan error // size 1
}

// callback is a single-use loopback redirect listener (RFC 8252 §7.3): 127.0.0.1, a
// random port, one path, one accepted request.
type callback struct {
	redirectURI string
	hits        chan hit // size 1
	srv         *localpage.Server
	used        atomic.Bool
	done        chan struct{} // closed when the flow is over
	closeOnce   sync.Once
	log         *slog.Logger
}

func listenCallback(log *slog.Logger) (*callback, error) {
	cb := &callback{
		hits: make(chan hit, 1),
		done: make(chan struct{}),
		log:  log,
	}
	srv, err := localpage.Listen(func(addr string) http.Handler {
		cb.redirectURI = "http://" + addr + callbackPath
		return cb
	}, log)
	if err != nil {
		return nil, fmt.Errorf("signin: cannot wait for the provider's answer: %w", err)
	}
	cb.srv = srv
	return cb, nil
}

// ServeHTTP accepts GET /callback once. Another Host than a loopback name (DNS
// rebinding) gets 400; other paths 404; later hits 410.
func (cb *callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	switch {
	case !loopback.IsHost(host):
		http.Error(w, "bad host", http.StatusBadRequest)
		return
	case r.URL.Path != callbackPath:
		http.NotFound(w, r)
		return
	case r.Method != http.MethodGet:
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	case !cb.used.CompareAndSwap(false, true):
		writePage(w, http.StatusGone, errOver)
		return
	}
	// The query holds the code: it is never logged.
	h := hit{query: r.URL.Query(), reply: make(chan error, 1)}
	select {
	case cb.hits <- h:
	case <-cb.done:
		writePage(w, http.StatusGone, errOver)
		return
	}
	select {
	case err := <-h.reply:
		writePage(w, http.StatusOK, err)
	case <-cb.done:
		// The flow sends its reply before it closes done: prefer the reply.
		select {
		case err := <-h.reply:
			writePage(w, http.StatusOK, err)
		default:
			writePage(w, http.StatusGone, errOver)
		}
	}
}

// errOver is shown when the callback comes after the flow has ended.
var errOver = &Error{Kind: Cancelled, Description: "this sign-in is already over"}

// close stops the listener, letting a page being written finish.
func (cb *callback) close() {
	cb.closeOnce.Do(func() {
		close(cb.done)
		if err := cb.srv.Close(); err != nil {
			cb.log.Warn("sign-in callback listener did not close cleanly", "err", err)
		}
	})
}
