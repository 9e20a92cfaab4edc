package app

import "sync"

// Window is what the app needs of a native window. webview.Window provides it; tests give a fake.
// Every method is safe from any goroutine.
type Window interface {
	Navigate(url string)
	SetHTML(html string)
	Show()
	Hide()
	Visible() bool
	Close()
	OnClose(func())
	// OnPageReached: each page the window reaches (webview.Window.OnPageReached: the generic
	// page report, or WebKit's navigation signals on Linux).
	OnPageReached(func(uri string))
}

// UI makes windows and ends the UI loop.
type UI interface {
	// NewWindow opens a secondary window (sign-in, RingCentral login); it is made only when needed.
	NewWindow(title string) (Window, error)
	Quit()
}

// windowPresenter shows one OAuth sign-in in a native window of its own (signin.Presenter).
// The window gets no Go bindings: the provider's pages are not ours.
type windowPresenter struct {
	ui    UI
	title string

	mu     sync.Mutex
	win    Window
	closed chan struct{}
	once   sync.Once
}

func newWindowPresenter(ui UI, title string) *windowPresenter {
	return &windowPresenter{ui: ui, title: title, closed: make(chan struct{})}
}

func (p *windowPresenter) Present(authURL string) (<-chan struct{}, error) {
	win, err := p.ui.NewWindow(p.title)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.win = win
	p.mu.Unlock()
	win.OnClose(func() {
		// Closed by hand: the flow ends as cancelled; the window goes with it.
		p.once.Do(func() { close(p.closed) })
		win.Close()
	})
	win.Navigate(authURL)
	win.Show()
	return p.closed, nil
}

// Raise brings the open sign-in window to the front (a second click while signing in).
func (p *windowPresenter) Raise() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.win != nil {
		p.win.Show()
	}
}

func (p *windowPresenter) Dismiss() {
	p.mu.Lock()
	win := p.win
	p.win = nil
	p.mu.Unlock()
	if win != nil {
		win.Close()
	}
}
