package calling

import "encoding/json"

// request is one request of the shim; each op reads the fields it needs (CONTRACTS.md §4).
//
// Contract additions (issue 12, canInsertDTMF and rollback), to go into CONTRACTS.md §4:
//   - the results of pc.setLocalDescription and pc.setRemoteDescription carry
//     dtmf: {<sender id>: bool}, each sender's RTCDTMFSender.canInsertDTMF as the last
//     completed negotiation (an answer) left it: true when that answer has
//     telephone-event in the sender's m= section and the sender's current direction sends
//     (sendrecv/sendonly). Offers do not change it; a sender not listed is false.
//   - pc.setLocalDescription takes {type: "rollback"} (no sdp) in have-local-offer and
//     answers {type: "rollback", sdp: "", dtmf}; pc.setRemoteDescription of an offer while
//     the engine's offer is pending rolls that back first (glare), as browsers do. What the
//     engine cannot roll back (the first offer; an ICE restart offer, see rollbackPion;
//     one that changed the m= sections) fails with InvalidStateError, the offer still
//     pending. A remote rollback is not supported (NotSupportedError).
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
