package radicaletest

import (
	"io"
	"net/http"
	"strings"
	"sync"
)

// Endless is a broken or hostile CardDAV server's handler: every answer is a multistatus
// whose first text node never ends, written until the client goes away. It records how
// many bytes each answer got to write, and signals each answer's end on Done.
type Endless struct {
	Done    chan struct{} // one value per answer that ended; buffered, see NewEndless
	mu      sync.Mutex
	written []int64
}

// NewEndless returns an Endless whose Done holds up to answers ends without a reader.
func NewEndless(answers int) *Endless { return &Endless{Done: make(chan struct{}, answers)} }

func (e *Endless) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		select {
		case e.Done <- struct{}{}:
		default: // nobody counts this one
		}
	}()
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusMultiStatus)
	n, _ := io.WriteString(w, `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"><d:response><d:href>`)
	total := int64(n)
	chunk := []byte(strings.Repeat("a", 64<<10))
	for r.Context().Err() == nil {
		n, err := w.Write(chunk)
		total += int64(n)
		if err != nil {
			break
		}
	}
	e.mu.Lock()
	e.written = append(e.written, total)
	e.mu.Unlock()
}

// Written is the bytes each ended answer wrote.
func (e *Endless) Written() []int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]int64(nil), e.written...)
}
