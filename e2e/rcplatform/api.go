package rcplatform

import (
	"embed"
	"encoding/json"
	"net/http"
	"path"
	"strings"
	"time"
)

// The account the platform logs everyone in as (data/*.json agree with it).
const (
	ownerID   = "400101"
	accountID = "400100"
)

//go:embed data/*.json
var data embed.FS

// doc returns data/<name>.json; the files are ours and checked by the tests.
func doc(name string) json.RawMessage {
	b, err := data.ReadFile(path.Join("data", name+".json"))
	if err != nil {
		panic("rcplatform: " + err.Error())
	}
	return b
}

// list is an empty (or given) page of records, the shape of every list the API returns.
func list(records ...any) map[string]any {
	if records == nil {
		records = []any{}
	}
	return map[string]any{
		"records": records,
		"paging":  map[string]int{"page": 1, "totalPages": 1, "perPage": 100, "totalElements": len(records)},
	}
}

// syncPage is a full sync with no records (call-log-sync, message-sync, address-book-sync).
func syncPage() map[string]any {
	return map[string]any{
		"records": []any{},
		"syncInfo": map[string]any{
			"syncType": "FSync", "syncToken": "rcplatform-sync-" + randomID(4),
			"syncTime": time.Now().UTC().Format(time.RFC3339), "olderRecordsExist": false,
		},
	}
}

// authed wraps a handler of the REST API: without a live access token the answer is the
// platform's 401, as after an expiry or a revoke.
func (p *Platform) authed(h func(http.ResponseWriter, *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !p.auth.valid(r) {
			apiError(w, http.StatusUnauthorized, "TokenInvalid", "Access token is missing, expired or revoked")
			return
		}
		h(w, r)
	}
}

// static answers with a fixed document.
func static(v any) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, v) }
}

// dynamic answers with a document made per request.
func dynamic(f func() any) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, f()) }
}

func (p *Platform) apiRoutes() {
	const ext = "/restapi/v1.0/account/~/extension/~"
	p.mux.HandleFunc("GET /restapi/v1.0", static(doc("api-info")))
	get := map[string]func(http.ResponseWriter, *http.Request){
		"/restapi/v1.0/account/~":                      static(doc("account")),
		"/restapi/v1.0/account/~/dialing-plan":         static(doc("dialing-plan")),
		"/restapi/v1.0/account/~/extension":            static(list(json.RawMessage(doc("extension")))),
		"/restapi/v1.0/account/~/directory/entries":    static(list()),
		"/restapi/v1.0/account/~/directory/contacts":   static(list()),
		"/restapi/v1.0/account/~/phone-number":         static(doc("phone-number")),
		"/restapi/v1.0/account/~/telephony/sessions":   static(list()),
		"/restapi/v1.0/account/~/extension/" + ownerID: static(doc("extension")),
		ext:                             static(doc("extension")),
		ext + "/features":               static(doc("features")),
		ext + "/authz-profile":          static(doc("authz-profile")),
		ext + "/phone-number":           static(doc("phone-number")),
		ext + "/presence":               static(doc("presence")),
		ext + "/caller-id":              static(doc("caller-id")),
		ext + "/device":                 static(doc("device")),
		ext + "/forwarding-number":      static(list()),
		ext + "/blocked-number":         static(list()),
		ext + "/active-calls":           static(list()),
		ext + "/call-log":               static(list()),
		ext + "/message-store":          static(list()),
		ext + "/call-log-sync":          dynamic(func() any { return syncPage() }),
		ext + "/message-sync":           dynamic(func() any { return syncPage() }),
		ext + "/address-book-sync":      dynamic(func() any { return syncPage() }),
		ext + "/address-book/contact":   static(list()),
		ext + "/video-configuration":    static(map[string]string{"provider": "RCVideo"}),
		ext + "/conferencing":           static(map[string]any{"phoneNumber": "+16505550199", "hostCode": "1000001", "participantCode": "1000002", "allowJoinBeforeHost": true, "phoneNumbers": []any{}}),
		ext + "/meetings-configuration": static(map[string]any{}),
	}
	for route, h := range get {
		p.mux.HandleFunc("GET "+route, p.authed(h))
	}
	p.mux.HandleFunc("POST /restapi/v1.0/subscription", p.authed(p.handleSubscription))
	p.mux.HandleFunc("PUT /restapi/v1.0/subscription/{id}", p.authed(p.handleSubscription))
	p.mux.HandleFunc("DELETE /restapi/v1.0/subscription/{id}", p.authed(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	p.mux.HandleFunc("POST /restapi/v2/number-parser/parse", p.authed(handleNumberParse))
	p.wsRoutes()
}

// subscription is a subscription document for the event filters asked for, delivered over
// the WebSocket gateway (the only mode the widget's WebSocketSubscription uses).
func subscription(filters []string) map[string]any {
	if filters == nil {
		filters = []string{}
	}
	return map[string]any{
		"id":             "sub-" + randomID(8),
		"status":         "Active",
		"creationTime":   time.Now().UTC().Format(time.RFC3339),
		"expirationTime": time.Now().Add(15 * time.Minute).UTC().Format(time.RFC3339),
		"expiresIn":      899,
		"eventFilters":   filters,
		"deliveryMode":   map[string]any{"transportType": "WebSocket", "encryption": false},
	}
}

func (p *Platform) handleSubscription(w http.ResponseWriter, r *http.Request) {
	var body struct {
		EventFilters []string `json:"eventFilters"`
	}
	_ = json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body) // a renewal may have no body
	writeJSON(w, http.StatusOK, subscription(body.EventFilters))
}

// handleNumberParse answers the v2 number parser for North American numbers, the only
// country the stand-in account dials in: 10 digits (or 11 with a leading 1) become E.164,
// anything else comes back as it was, marked invalid.
func handleNumberParse(w http.ResponseWriter, r *http.Request) {
	var body struct {
		OriginalStrings []string `json:"originalStrings"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
		apiError(w, http.StatusBadRequest, "CMN-101", "Parameter [originalStrings] value is invalid")
		return
	}
	us := map[string]string{"isoCode": "US", "name": "United States", "callingCode": "1"}
	results := make([]map[string]any, 0, len(body.OriginalStrings))
	for _, s := range body.OriginalStrings {
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
		if len(digits) == 11 && digits[0] == '1' {
			digits = digits[1:]
		}
		res := map[string]any{"originalString": s}
		if len(digits) == 10 {
			e164 := "+1" + digits
			res["category"] = "Regular"
			res["numberDetails"] = map[string]any{"country": us, "areaCode": digits[:3], "status": "Valid"}
			res["formats"] = []map[string]string{{
				"e164": e164, "e164Extended": e164, "dialable": e164, "rfc3966": "tel:" + e164,
				"international": "+1 " + digits[:3] + "-" + digits[3:6] + "-" + digits[6:],
				"national":      "(" + digits[:3] + ") " + digits[3:6] + "-" + digits[6:],
			}}
		} else {
			res["category"] = "Invalid"
			res["numberDetails"] = map[string]any{"status": "Invalid"}
			res["formats"] = []map[string]string{}
		}
		results = append(results, res)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"context": map[string]any{"brandId": "1210", "country": us, "maxExtensionNumberLength": 5, "shortExtensionNumberLength": 3},
		"results": results,
	})
}
