package bridge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// Errors of Decode and Conn.Receive, to test with errors.Is; the returned errors wrap
// them with what was wrong (never the message's content).
var (
	// ErrMalformed: the input is not a message we can trust: not a JSON object, no
	// string "type", a field of the wrong JSON type, a request without requestId or
	// with a path not starting with "/", ...
	ErrMalformed = errors.New("malformed message")
	// ErrUnknownType: a well-formed message of a type the host does not handle. The
	// widget sends many (rc-adapter-syncPresence, rc-call-mute-notify, ...): ignore them.
	ErrUnknownType = errors.New("unknown message type")
)

// Encode writes m as the widget expects it: one JSON object, {"type": ..., ...fields}.
func Encode(m Outbound) ([]byte, error) {
	if m == nil {
		return nil, errors.New("bridge: encode: nil message")
	}
	if v := reflect.ValueOf(m); v.Kind() == reflect.Pointer && v.IsNil() {
		return nil, fmt.Errorf("bridge: encode: nil %T", m)
	}
	typ := m.MessageType()
	body, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("bridge: encode %s: %w", typ, err)
	}
	if len(body) < 2 || body[0] != '{' {
		return nil, fmt.Errorf("bridge: encode %s: not a JSON object", typ)
	}
	// The type strings are constants of this package: plain ASCII, nothing to escape.
	out := make([]byte, 0, len(body)+len(typ)+11)
	out = append(out, `{"type":"`...)
	out = append(out, typ...)
	out = append(out, '"')
	if len(body) > 2 {
		out = append(out, ',')
		out = append(out, body[1:]...)
	} else {
		out = append(out, '}')
	}
	return out, nil
}

// Decode reads one message from the widget and checks it. It returns ErrMalformed
// (wrapped) for input that breaks the protocol and ErrUnknownType for a well-formed
// message of a type the host does not handle. It never panics.
//
// Field names match exactly as encoding/json does, that is case-insensitively; unknown
// fields are ignored, missing optional fields are zero.
func Decode(raw []byte) (Inbound, error) {
	var head struct {
		Type json.RawMessage `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("%w: not a JSON object: %v", ErrMalformed, err)
	}
	if string(bytes.TrimSpace(raw)) == "null" { // the one non-object a struct accepts
		return nil, fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	if len(head.Type) == 0 {
		return nil, fmt.Errorf("%w: no \"type\"", ErrMalformed)
	}
	if head.Type[0] != '"' {
		return nil, fmt.Errorf("%w: \"type\" is not a string", ErrMalformed)
	}
	var typ string
	if err := json.Unmarshal(head.Type, &typ); err != nil {
		return nil, fmt.Errorf("%w: \"type\": %v", ErrMalformed, err)
	}

	switch typ {
	case TypeRequest:
		return decodeRequest(raw)
	case TypeLoginStatus:
		return decodeAs[LoginStatus](typ, raw)
	case TypeAdapterState:
		return AdapterState{Raw: json.RawMessage(raw)}, nil
	case TypeLoginPopup:
		m, err := decodeAs[LoginPopup](typ, raw)
		if err == nil && m.(LoginPopup).OAuthURI == "" {
			return nil, fmt.Errorf("%w: %s without oAuthUri", ErrMalformed, typ)
		}
		return m, err
	case TypeDialerStatus:
		return decodeAs[DialerStatus](typ, raw)
	case TypeCallRing:
		return decodeAs[CallRing](typ, raw)
	case TypeInboundMessage:
		return decodeAs[InboundMessage](typ, raw)
	case TypeRouteChanged:
		return decodeAs[RouteChanged](typ, raw)
	case TypeCallStart:
		return decodeAs[CallStart](typ, raw)
	case TypeCallEnd:
		return decodeAs[CallEnd](typ, raw)
	case TypeActiveCall:
		return decodeAs[ActiveCall](typ, raw)
	case TypeCallingSettingsNotify:
		return decodeAs[CallingSettingsNotify](typ, raw)
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownType, clip(typ))
}

// decodeAs decodes raw into a T; a field of the wrong JSON type is ErrMalformed.
func decodeAs[T Inbound](typ string, raw []byte) (Inbound, error) {
	var m T
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, typ, err)
	}
	return m, nil
}

func decodeRequest(raw []byte) (Inbound, error) {
	// Pointers tell a missing or null field from an empty one.
	var m struct {
		RequestID *string         `json:"requestId"`
		Path      *string         `json:"path"`
		Body      json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, TypeRequest, err)
	}
	switch {
	case m.RequestID == nil || *m.RequestID == "":
		return nil, fmt.Errorf("%w: %s without requestId", ErrMalformed, TypeRequest)
	case m.Path == nil:
		return nil, fmt.Errorf("%w: %s without path", ErrMalformed, TypeRequest)
	case !strings.HasPrefix(*m.Path, "/"):
		return nil, fmt.Errorf("%w: %s: path %q does not start with \"/\"", ErrMalformed, TypeRequest, clip(*m.Path))
	}
	body := m.Body
	if string(body) == "null" {
		body = nil
	}
	return Request{RequestID: *m.RequestID, Path: *m.Path, Body: body}, nil
}

// clip shortens untrusted text quoted in an error or a log line.
func clip(s string) string {
	const limit = 64
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "..."
}
