package app

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/embeddable-tray/embeddable-tray/assets"
	"github.com/embeddable-tray/embeddable-tray/internal/redact"
	"github.com/embeddable-tray/embeddable-tray/internal/weborigin"
	"github.com/embeddable-tray/embeddable-tray/webview/navreport"
)

// offline keeps the main window from ever being blank: when the widget cannot be loaded
// it shows a page that says so, and retries with backoff until the widget answers.
type offline struct {
	mu     sync.Mutex
	cancel context.CancelFunc
	// start fails a widget page that never announces itself (navreport.Deadline): the one
	// offline signal on every platform, also where the web engine reports no load failure.
	start *navreport.Deadline
}

// LoadWidget loads the widget in the main window, and gives it widget.startTimeout to announce
// itself (any message of its own) before the offline page shows.
func (a *App) LoadWidget() {
	uri := a.cfg.WidgetURL()
	o := &a.offline
	o.mu.Lock()
	if o.start == nil {
		o.start = navreport.NewDeadline(a.cfg.Widget.StartWithin(), a.LoadFailed)
	}
	start := o.start
	o.mu.Unlock()
	start.Expect(uri)
	a.opts.Main.Navigate(uri)
}

// widgetAnnounced: the widget page spoke, so it is up.
func (o *offline) widgetAnnounced() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.start != nil {
		o.start.Announced()
	}
}

// retry delays: quick at first (a network coming back), then once a minute.
var offlineBackoff = []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 30 * time.Second, 60 * time.Second}

// LoadFailed is called when the main window could not load a page.
func (a *App) LoadFailed(uri string, err error) {
	if u, err := url.Parse(uri); err != nil || weborigin.Of(u) != a.cfg.WidgetOrigin() {
		return
	}
	a.log.Warn("the widget could not be loaded; retrying", "url", redact.URL(uri), "err", err)
	o := &a.offline
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.cancel != nil {
		o.cancel()
	}
	if o.start != nil {
		o.start.Stop() // a native failure came first: the retry loop takes over
	}
	ctx, cancel := context.WithCancel(a.ctx)
	o.cancel = cancel
	go a.retryWidget(ctx, err.Error())
}

func (a *App) retryWidget(ctx context.Context, reason string) {
	client := &http.Client{Timeout: 5 * time.Second}
	widgetURL := a.cfg.WidgetURL()
	for attempt := 0; ; attempt++ {
		wait := offlineBackoff[min(attempt, len(offlineBackoff)-1)]
		a.opts.Main.SetHTML(assets.OfflinePage(a.cfg.Widget.URL, reason, int(wait.Seconds())))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, widgetURL, nil)
		resp, err := client.Do(req)
		if err != nil {
			reason = reachError(err)
			continue
		}
		resp.Body.Close()
		a.log.Info("the widget is reachable again; loading it")
		a.LoadWidget()
		return
	}
}

func (o *offline) stop() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.cancel != nil {
		o.cancel()
	}
	if o.start != nil {
		o.start.Stop()
	}
}

// reachError says why a URL could not be reached, without Go's "Get URL:" preamble.
func reachError(err error) string {
	var dnsErr *net.DNSError
	var urlErr *url.Error
	switch {
	case errors.As(err, &dnsErr):
		return "Cannot find the server " + dnsErr.Name + "."
	case errors.Is(err, context.DeadlineExceeded) || os.IsTimeout(err):
		return "The server did not answer in time."
	case errors.As(err, &urlErr):
		return urlErr.Err.Error()
	}
	return err.Error()
}
