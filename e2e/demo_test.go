package e2e

// Issues 3 and 6, the built-in demo: with no "oauth" in the config the app signs in against
// its own provider, the user types the demo password into the native sign-in window, and the
// widget then gets the demo address book. This is what `make demo` shows.

import (
	"context"
	"encoding/json"
	"os/exec"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/e2e/apptest"
	"github.com/embeddable-tray/embeddable-tray/internal/desktoptest"
)

func TestDemoSignInAndContacts(t *testing.T) {
	ctx, w, cfg := setup(t)
	apptest.RequireSession(t, "xdotool")
	d := startDesktop(t)
	notes := desktoptest.StartNotifications(t, d.conn)
	a := apptest.Launch(t, cfg) // no "oauth", no "contacts": the demo provider and its address book
	bus := d.item(ctx, t)
	registration(ctx, t, w, 0)

	resp, err := w.Request(ctx, "/contacts", map[string]any{"page": 1})
	require.NoError(t, err)
	assert.Contains(t, string(resp), "not authorized", "no contacts before sign-in")

	seq := w.Seq()
	require.NoError(t, w.ClickAuthorize(ctx))
	signin := secondWindow(ctx, t, a, "")
	typeInto(ctx, t, signin, "demo")

	account := authStatus(ctx, t, w, seq, true)
	assert.Equal(t, "demo@example.com", account)
	d.waitLabel(ctx, t, bus, "Signed in to "+displayName+" as demo@example.com")
	_, err = a.WaitWindow(ctx, signin.Name, false)
	require.NoError(t, err, "the sign-in window closes once signed in")

	resp, err = w.Request(ctx, "/contacts", map[string]any{"page": 1})
	require.NoError(t, err)
	var page struct {
		Data []struct {
			Name         string `json:"name"`
			PhoneNumbers []struct {
				PhoneNumber string `json:"phoneNumber"`
			} `json:"phoneNumbers"`
		} `json:"data"`
		Error string `json:"error"`
	}
	require.NoError(t, json.Unmarshal(resp, &page), "%s", resp)
	require.Empty(t, page.Error)
	assert.GreaterOrEqual(t, len(page.Data), 40, "the demo address book")

	// A caller from the demo book is named, whatever format the card wrote the number in.
	resp, err = w.Request(ctx, "/contacts/match", map[string]any{"phoneNumbers": []string{"+14155550102"}})
	require.NoError(t, err)
	assert.Contains(t, string(resp), "Olivia Bennett")

	require.NoError(t, w.Show(ctx, "contacts"))
	screenshot(t, "demo-contacts")

	// A restart restores the sign-in from the keyring, and the demo provider the new run
	// starts still knows the token (it kept what it issued in the keyring too): the
	// contacts come, and the tray never says the provider refused the sign-in.
	seq = w.Seq()
	a = a.Restart(t)
	bus = d.item(ctx, t)
	_, s, _ := registration(ctx, t, w, seq)
	assert.True(t, s.Authorized, "the demo sign-in survives a restart")
	d.waitLabel(ctx, t, bus, "Signed in to "+displayName+" as demo@example.com")
	resp, err = w.Request(ctx, "/contacts", map[string]any{"page": 1})
	require.NoError(t, err)
	page.Data, page.Error = nil, ""
	require.NoError(t, json.Unmarshal(resp, &page), "%s", resp)
	require.Empty(t, page.Error, "the restarted demo provider refused the restored sign-in")
	assert.GreaterOrEqual(t, len(page.Data), 40)
	d.waitLabel(ctx, t, bus, "Signed in to "+displayName+" as demo@example.com")

	// A text from a number of the CRM's while the window is hidden: the notification names
	// the contact the app holds (the widget names only RingCentral users).
	win, err := a.WaitWindow(ctx, mainTitle, true)
	require.NoError(t, err)
	require.NoError(t, apptest.CloseWindow(win))
	_, err = a.WaitWindow(ctx, mainTitle, false)
	require.NoError(t, err)
	require.NoError(t, w.InboundMessage(ctx, "+14155550102", "", "Running late"))
	for {
		n, err := notes.Wait(ctx)
		require.NoError(t, err, "no message notification")
		if n.Summary == "New message" {
			assert.Contains(t, n.Body, "Olivia Bennett (+14155550102): Running late")
			break
		}
	}
}

// typeInto types text into the focused field of win and presses Return, as a person would
// (XTEST key events to the focused window).
func typeInto(ctx context.Context, t *testing.T, win apptest.XWindow, text string) {
	t.Helper()
	id := strconv.FormatUint(win.ID, 10)
	out, err := exec.CommandContext(ctx, "xdotool", "windowfocus", id, "type", "--delay", "20", text).CombinedOutput()
	require.NoError(t, err, "%s", out)
	out, err = exec.CommandContext(ctx, "xdotool", "key", "Return").CombinedOutput()
	require.NoError(t, err, "%s", out)
}
