package app

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpenPage(t *testing.T) {
	ui := &fakeUI{}
	a := New(Options{Config: testConfig(), UI: ui})
	defer a.Close()

	closed, _, err := a.OpenPage("App password", "http://127.0.0.1:1/p")
	require.NoError(t, err)
	w := ui.window(0)
	assert.Equal(t, []string{"App password"}, ui.titles)
	assert.Equal(t, []string{"http://127.0.0.1:1/p"}, w.urls)
	assert.True(t, w.Visible())

	// Closed by hand: closed closes and the window goes.
	w.closeByHand()
	select {
	case <-closed:
	default:
		t.Fatal("closing the window by hand did not close the channel")
	}
	assert.True(t, w.closed)

	// Dismissed by the program: the second page's window closes.
	_, dismiss, err := a.OpenPage("App password", "http://127.0.0.1:1/q")
	require.NoError(t, err)
	dismiss()
	assert.True(t, ui.window(1).closed)
}

func TestOpenPageWithoutUI(t *testing.T) {
	a := New(Options{Config: testConfig()})
	defer a.Close()
	_, _, err := a.OpenPage("x", "http://127.0.0.1:1/")
	require.ErrorContains(t, err, "no UI")
}
