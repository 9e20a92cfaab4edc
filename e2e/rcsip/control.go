package rcsip

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// The test page is driven over HTTP on its own origin, so a test needs no way into the
// browser or webview that shows it: the page long-polls GET /control/next for commands
// and POSTs what happens to /control/event.

// Event is what the test page reports: its web phone's events (registered, incoming,
// accepted, ended, error, ...) and the outcome of each command (done, failed).
type Event struct {
	Name   string          `json:"event"`
	ID     int             `json:"id,omitempty"`   // the command's id, for done and failed
	Call   int             `json:"call,omitempty"` // the page's number for the call, from 1
	Detail string          `json:"detail,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
}

type command struct {
	ID   int            `json:"id"`
	Op   string         `json:"op"`
	Args map[string]any `json:"args,omitempty"`
}

// control is the page's command queue and event log; it lives under Server.mu.
type control struct {
	nextID   int
	commands []command
	events   []Event // not yet taken by a waiter
	log      []Event // everything, for failure messages
}

func (s *Server) controlNext(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	var cmd command
	err := s.waitFor(ctx, "a command", func() bool {
		if len(s.ctl.commands) == 0 {
			return false
		}
		cmd, s.ctl.commands = s.ctl.commands[0], s.ctl.commands[1:]
		return true
	})
	if err != nil {
		w.WriteHeader(http.StatusNoContent) // the page asks again
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(cmd) //nolint:errcheck
}

func (s *Server) controlEvent(w http.ResponseWriter, r *http.Request) {
	var e Event
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&e); err != nil || e.Name == "" {
		http.Error(w, "an event", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.ctl.events = append(s.ctl.events, e)
	s.ctl.log = append(s.ctl.log, e)
	s.notify()
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// Do sends the page a command (answer, call, hold, unhold, mute, unmute, dtmf, hangup,
// stats; see e2e/webphone/driver.js) and waits for its outcome.
func (s *Server) Do(ctx context.Context, op string, args map[string]any) (json.RawMessage, error) {
	s.mu.Lock()
	s.ctl.nextID++
	id := s.ctl.nextID
	s.ctl.commands = append(s.ctl.commands, command{ID: id, Op: op, Args: args})
	s.notify()
	s.mu.Unlock()
	e, err := s.take(ctx, op+" done", func(e Event) bool { return (e.Name == "done" || e.Name == "failed") && e.ID == id })
	if err != nil {
		return nil, err
	}
	if e.Name == "failed" {
		return nil, fmt.Errorf("rcsip: the page's %s failed: %s", op, e.Detail)
	}
	return e.Result, nil
}

// WaitEvent waits for, and takes, the page's next event called name. An "error" event from
// the page (an exception, a failed registration) ends the wait with its detail.
func (s *Server) WaitEvent(ctx context.Context, name string) (Event, error) {
	return s.take(ctx, name, func(e Event) bool { return e.Name == name })
}

func (s *Server) take(ctx context.Context, what string, match func(Event) bool) (Event, error) {
	var got Event
	var pageErr error
	err := s.waitFor(ctx, "the page's "+what, func() bool {
		for i, e := range s.ctl.events {
			if e.Name == "error" {
				pageErr = fmt.Errorf("rcsip: the page reported an error: %s", e.Detail)
				s.ctl.events = append(s.ctl.events[:i:i], s.ctl.events[i+1:]...)
				return true
			}
			if match(e) {
				got = e
				s.ctl.events = append(s.ctl.events[:i:i], s.ctl.events[i+1:]...)
				return true
			}
		}
		return false
	})
	if err == nil {
		err = pageErr
	}
	if err != nil {
		s.mu.Lock()
		log := append([]Event(nil), s.ctl.log...)
		s.mu.Unlock()
		return Event{}, fmt.Errorf("%w (the page's events so far: %+v)", err, log)
	}
	return got, nil
}
