// Package e2e runs the real embeddable-tray binary under Xvfb and a D-Bus session against the
// stand-in widget (e2e/standin), a real OIDC provider (mockoidc), a real CardDAV server
// (Radicale) and a fake desktop panel and notification daemon (internal/desktoptest): the
// end-to-end checks of issues 2, 3, 4 and 6.
package e2e

import (
	"testing"

	"github.com/embeddable-tray/embeddable-tray/e2e/apptest"
)

func TestMain(m *testing.M) { apptest.Main(m) }
