package bridge

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
)

// HandlerFunc serves one widget request: body is the request's raw JSON body (nil when
// none). The returned value becomes the response; see Router.Serve for the rule. ctx
// ends when the widget page reloads or the Conn stops: nobody is waiting any more.
type HandlerFunc func(ctx context.Context, body json.RawMessage) (any, error)

// Router maps request paths to handlers and turns every request into exactly one
// response: the widget waits 3 to 60 seconds for an answer that never comes otherwise.
// Handle and Serve are safe to call concurrently.
type Router struct {
	mu     sync.RWMutex
	routes map[string]HandlerFunc
	log    *slog.Logger
}

// NewRouter returns an empty router that logs to slog.Default().
func NewRouter() *Router {
	return &Router{routes: make(map[string]HandlerFunc)}
}

// Handle registers h for requests whose path is exactly path. Like http.ServeMux it
// panics on a programming error: a path not starting with "/", a nil handler, or a
// path registered twice.
func (r *Router) Handle(path string, h HandlerFunc) {
	if !strings.HasPrefix(path, "/") {
		panic(fmt.Sprintf("bridge: Handle(%q): path must start with \"/\"", path))
	}
	if h == nil {
		panic(fmt.Sprintf("bridge: Handle(%q): nil handler", path))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.routes[path]; dup {
		panic(fmt.Sprintf("bridge: Handle(%q): path already has a handler", path))
	}
	r.routes[path] = h
}

// Data wraps v as {"data": v} whatever v is: for a handler whose value would otherwise
// be taken as the whole response object (see Serve).
func Data(v any) any { return dataObject{Data: v} }

type dataObject struct {
	Data any `json:"data"`
}

type errorObject struct {
	Error string `json:"error"`
}

// Serve runs the handler of req.Path and always returns exactly one Response whose
// ResponseID is req.RequestID, and whose Response is JSON (a json.RawMessage):
//
//   - the handler's value v, encoded: if it is a JSON object with a top-level "data"
//     member (contacts' {data, nextPage, syncTimestamp}, or Data(x)), it is the
//     response object as is; anything else is wrapped as {"data": v}. So "ok" becomes
//     {"data":"ok"}, what the widget expects from /authorize.
//   - a handler error: {"error": err.Error()}.
//   - no handler: {"error": "no handler for path \"/x\""}.
//   - a handler panic: {"error": "internal error serving \"/x\""}, and the panic is logged.
func (r *Router) Serve(ctx context.Context, req Request) Response {
	r.mu.RLock()
	h, log := r.routes[req.Path], r.log
	r.mu.RUnlock()
	if h == nil {
		return errorResponse(req.RequestID, fmt.Sprintf("no handler for path %q", clip(req.Path)))
	}
	v, panicked, err := call(ctx, h, req.Body)
	if panicked != nil {
		if log == nil {
			log = slog.Default()
		}
		log.Error("bridge: request handler panicked", "path", req.Path, "panic", fmt.Sprint(panicked), "stack", string(debug.Stack()))
		return errorResponse(req.RequestID, fmt.Sprintf("internal error serving %q", req.Path))
	}
	if err != nil {
		return errorResponse(req.RequestID, err.Error())
	}
	obj, err := responseObject(v)
	if err != nil {
		return errorResponse(req.RequestID, fmt.Sprintf("cannot encode the answer for %q: %v", req.Path, err))
	}
	return Response{ResponseID: req.RequestID, Response: obj}
}

// call runs h, turning a panic into a value instead of a crash of the whole app.
func call(ctx context.Context, h HandlerFunc, body json.RawMessage) (v, panicked any, err error) {
	defer func() {
		if p := recover(); p != nil {
			v, panicked, err = nil, p, nil
		}
	}()
	v, err = h(ctx, body)
	return v, nil, err
}

func errorResponse(id, msg string) Response {
	b, _ := json.Marshal(errorObject{Error: msg}) // a struct of one string: cannot fail
	return Response{ResponseID: id, Response: json.RawMessage(b)}
}

// responseObject applies Serve's rule to a handler's value.
func responseObject(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if hasTopLevelData(b) {
		return b, nil
	}
	b, err = json.Marshal(dataObject{Data: json.RawMessage(b)})
	return b, err
}

// hasTopLevelData reports whether b, compact JSON from json.Marshal (no whitespace),
// is an object with a "data" member. It scans without allocating: a key at depth 1 is
// a string right after the object's "{" or a ",".
func hasTopLevelData(b []byte) bool {
	if len(b) < 2 || b[0] != '{' {
		return false
	}
	depth, inString, escaped := 0, false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			if depth == 1 && (b[i-1] == '{' || b[i-1] == ',') && bytes.HasPrefix(b[i:], dataKey) {
				return true
			}
			inString = true
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		}
	}
	return false
}

var dataKey = []byte(`"data":`)
