package app

import "errors"

// OpenPage shows url in a new native window of its own, with no Go bindings (a page served
// by the app on loopback, such as the app-password prompt). closed closes when the user
// closes the window by hand; dismiss closes it from the program's side.
func (a *App) OpenPage(title, url string) (closed <-chan struct{}, dismiss func(), err error) {
	if a.opts.UI == nil {
		return nil, nil, errors.New("app: no UI to open a window in")
	}
	p := newWindowPresenter(a.opts.UI, title)
	closed, err = p.Present(url)
	if err != nil {
		return nil, nil, err
	}
	return closed, p.Dismiss, nil
}
