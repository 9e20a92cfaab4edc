package rcplatform

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// The WebSocket gateway the widget's subscriptions use (@rc-ex/ws): POST /restapi/oauth/wstoken
// gives a ws:// URI and a token; on connect the gateway sends ConnectionDetails, then answers
// each message [meta, body]: a Heartbeat with its echo, a ClientRequest (the subscription's
// create/renew/delete) with [meta + status, body]. No events are pushed: the stand-in account
// has no calls or messages. Without the gateway the widget retries its connection all the time,
// which would make every idle measurement a measurement of retries.

const wsPath = "/restapi/oauth/ws"

type wsTokens struct {
	mu     sync.Mutex
	tokens map[string]time.Time
}

func (p *Platform) wsRoutes() {
	wt := &wsTokens{tokens: map[string]time.Time{}}
	p.mux.HandleFunc("POST /restapi/oauth/wstoken", p.authed(func(w http.ResponseWriter, r *http.Request) {
		tok := "WS-" + randomID(16)
		wt.mu.Lock()
		wt.tokens[tok] = time.Now().Add(10 * time.Minute)
		wt.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"uri": "ws://" + r.Host + wsPath, "ws_access_token": tok, "expires_in": 600})
	}))
	p.mux.HandleFunc("GET "+wsPath, func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("access_token")
		wt.mu.Lock()
		exp, ok := wt.tokens[tok]
		wt.mu.Unlock()
		if !ok || time.Now().After(exp) {
			apiError(w, http.StatusUnauthorized, "TokenInvalid", "ws_access_token is missing or expired")
			return
		}
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: []string{"127.0.0.1:*", "localhost:*"}})
		if err != nil {
			return
		}
		defer c.CloseNow()
		p.serveWS(r.Context(), c)
	})
}

func (p *Platform) serveWS(ctx context.Context, c *websocket.Conn) {
	seq := 0
	wsc := func() map[string]any {
		seq++
		return map[string]any{"token": "wsc-" + randomID(8), "sequence": seq}
	}
	send := func(v ...any) bool {
		b, _ := json.Marshal(v)
		return c.Write(ctx, websocket.MessageText, b) == nil
	}
	if !send(map[string]any{"type": "ConnectionDetails", "messageId": randomID(8), "status": 200, "headers": map[string]string{}, "wsc": wsc()},
		map[string]any{"creationTime": time.Now().UTC().Format(time.RFC3339), "maxConnectionsPerSession": 5, "recoveryBufferSize": 100,
			"recoveryTimeout": 60, "idleTimeout": 900, "absoluteTimeout": 86400, "maxActiveRequests": 10}) {
		return
	}
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return
		}
		var msg []json.RawMessage
		var meta struct {
			Type      string `json:"type"`
			MessageID string `json:"messageId"`
			Method    string `json:"method"`
			Path      string `json:"path"`
		}
		if json.Unmarshal(b, &msg) != nil || len(msg) == 0 || json.Unmarshal(msg[0], &meta) != nil {
			continue
		}
		switch meta.Type {
		case "Heartbeat":
			p.add(Request{Method: MethodWS, Path: "Heartbeat", Status: http.StatusOK})
			if !send(map[string]any{"type": "Heartbeat", "messageId": meta.MessageID, "status": 200, "headers": map[string]string{}}) {
				return
			}
		case "ClientRequest":
			status, body := wsRequest(meta.Method, meta.Path, msg[1:])
			p.add(Request{Method: MethodWS, Path: "ClientRequest " + meta.Method + " " + meta.Path, Status: status})
			if !send(map[string]any{"type": "ClientRequest", "messageId": meta.MessageID, "status": status, "headers": map[string]string{"Content-Type": "application/json"}, "wsc": wsc()}, body) {
				return
			}
		}
	}
}

// wsRequest answers a REST request sent over the gateway: the subscription only.
func wsRequest(method, path string, rest []json.RawMessage) (int, any) {
	if !strings.HasPrefix(path, "/restapi/v1.0/subscription") {
		return http.StatusNotFound, map[string]string{"errorCode": "CMN-102", "message": "Resource for parameter [path] is not found"}
	}
	if strings.EqualFold(method, http.MethodDelete) {
		return http.StatusNoContent, map[string]any{}
	}
	var body struct {
		EventFilters []string `json:"eventFilters"`
	}
	if len(rest) > 0 {
		_ = json.Unmarshal(rest[0], &body)
	}
	return http.StatusOK, subscription(body.EventFilters)
}
