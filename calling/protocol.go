package calling

import "encoding/json"

// request is one request of the shim; each op reads the fields it needs (CONTRACTS.md §4).
type request struct {
	ID      json.RawMessage `json:"id"`
	Op      string          `json:"op"`
	PC      string          `json:"pc"`
	Track   *string         `json:"track"` // null in pc.replaceTrack: no track
	Sender  string          `json:"sender"`
	Element string          `json:"element"`
	Stream  string          `json:"stream"`
	Streams []string        `json:"streams"`
	Enabled *bool           `json:"enabled"`
	Audio   json.RawMessage `json:"audio"`
	Config  struct {
		ICEServers []struct {
			URLs       json.RawMessage `json:"urls"` // a string or a list of them
			Username   string          `json:"username"`
			Credential string          `json:"credential"`
		} `json:"iceServers"`
		ICETransportPolicy string `json:"iceTransportPolicy"`
	} `json:"config"`
	ICERestart bool     `json:"iceRestart"`
	Type       string   `json:"type"`
	SDP        string   `json:"sdp"`
	Tones      string   `json:"tones"`
	Duration   *float64 `json:"duration"`
	Gap        *float64 `json:"gap"`
	SinkID     *string  `json:"sinkId"`
	Volume     *float64 `json:"volume"`
	Muted      *bool    `json:"muted"`

	after func() // runs once the answer is sent (events that follow the answer)
}

func (r *request) track() string {
	if r.Track == nil {
		return ""
	}
	return *r.Track
}

// domError is a failed request, named as the DOMException the page's promise rejects with.
type domError struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

func (e *domError) Error() string { return e.Name + ": " + e.Message }

// trackInfo is a MediaStreamTrack as the shim makes it.
type trackInfo struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Label string `json:"label"`
}
