package navreport

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type failure struct {
	uri string
	err error
}

func recorder() (chan failure, func(string, error)) {
	c := make(chan failure, 4)
	return c, func(uri string, err error) { c <- failure{uri, err} }
}

func TestDeadlineFailsAPageThatNeverAnnouncesItself(t *testing.T) {
	got, fail := recorder()
	d := NewDeadline(20*time.Millisecond, fail)
	d.Expect("https://widget.example/app.html")
	f := <-got // waits for the condition; the test's own timeout bounds it
	assert.Equal(t, "https://widget.example/app.html", f.uri)
	var na *NotAnnouncedError
	require.True(t, errors.As(f.err, &na))
	assert.Equal(t, "https://widget.example/app.html", na.URI)
	assert.Equal(t, "The page did not start within 20ms.", f.err.Error())
}

func TestDeadlineAnnouncedOrReplaced(t *testing.T) {
	got, fail := recorder()
	d := NewDeadline(time.Hour, fail)
	d.Expect("https://widget.example/a")
	d.Announced()
	assert.Nil(t, d.timer, "announced: no clock runs")

	d.Expect("https://widget.example/b")
	first := d.timer
	d.Expect("https://widget.example/c")
	assert.False(t, first.Stop(), "a newer Expect stops the older clock")
	d.Stop()
	assert.Empty(t, got)
}

func TestPageScript(t *testing.T) {
	assert.True(t, IsPageReport(PageReport))
	assert.False(t, IsPageReport(`{"kind":"load"}`))
	assert.Contains(t, PageScript, "window.webkit.messageHandlers.embeddableTray.postMessage(\""+PageReport+"\")")
}

func TestNotAnnouncedErrorText(t *testing.T) {
	assert.Equal(t, "The page did not start within 1m0s.", (&NotAnnouncedError{After: time.Minute + 300*time.Millisecond}).Error())
}
