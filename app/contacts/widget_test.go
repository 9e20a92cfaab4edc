package contacts

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// widgetEntry is one search result the widget shows: a contact's phone entry.
type widgetEntry struct {
	ContactID, PhoneNumber, PhoneType string
}

// errWidgetCrash is the TypeError the widget throws on a kept phone entry without a
// string phoneType (p.phoneType.replace); the whole search of the source fails with it.
var errWidgetCrash = errors.New("widget: TypeError: cannot read phoneType.replace")

// widgetSearchFilter is the widget's re-filter of a search answer, written here in Go after
// ringcentral-embeddable 2.3.1's src/lib/searchContactPhoneNumbers.js and the caller in
// src/modules/ThirdPartyService/index.ts (PROTOCOL.md, Contacts: search). It reads the
// answer as JSON, as the widget gets it:
//   - data not an array: no results;
//   - nameSearched is `${firstName} ${lastName} ${name}` lower-cased, where a missing field
//     prints "undefined" and null prints "null";
//   - a contact without phoneNumbers gives nothing;
//   - a phone entry is kept if nameSearched contains the lower-cased query, or its
//     phoneNumber (a non-empty string) contains it verbatim;
//   - a kept entry's phoneType must be a string (its .replace("Phone", "")), else it throws.
func widgetSearchFilter(answer []byte, searchString string) ([]widgetEntry, error) {
	var resp struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(answer, &resp); err != nil {
		return nil, err
	}
	var items []map[string]any
	if json.Unmarshal(resp.Data, &items) != nil {
		return nil, nil // !Array.isArray(data): []
	}
	q := strings.ToLower(searchString)
	var kept []widgetEntry
	for _, item := range items {
		nameSearched := strings.ToLower(jsString(item, "firstName") + " " + jsString(item, "lastName") + " " + jsString(item, "name"))
		phones, _ := item["phoneNumbers"].([]any)
		for _, raw := range phones {
			p, _ := raw.(map[string]any)
			number, _ := p["phoneNumber"].(string)
			if !strings.Contains(nameSearched, q) && (number == "" || !strings.Contains(number, q)) {
				continue
			}
			typ, ok := p["phoneType"].(string)
			if !ok {
				return nil, errWidgetCrash
			}
			kept = append(kept, widgetEntry{ContactID: fmt.Sprint(item["id"]), PhoneNumber: number, PhoneType: strings.Replace(typ, "Phone", "", 1)})
		}
	}
	return kept, nil
}

// jsString is `${item[key]}` in JavaScript.
func jsString(item map[string]any, key string) string {
	v, ok := item[key]
	switch {
	case !ok:
		return "undefined"
	case v == nil:
		return "null"
	}
	return fmt.Sprint(v)
}

// TestWidgetSearchFilter checks the Go copy of the widget's rule on answers whose fate in
// the real widget is known.
func TestWidgetSearchFilter(t *testing.T) {
	answer := `{"data":[
	  {"id":"1","name":"Ann Example","phoneNumbers":[{"phoneNumber":"+15551230001","phoneType":"directPhone"}],"emails":["ann@corp.example"]},
	  {"id":"2","name":"Bob","company":"Corp","phoneNumbers":[{"phoneNumber":"+15551230002"}]}]}`
	tests := []struct {
		query string
		want  []widgetEntry
		err   error
	}{
		{"ann", []widgetEntry{{"1", "+15551230001", "direct"}}, nil},
		{"5551230001", []widgetEntry{{"1", "+15551230001", "direct"}}, nil},
		{"(555) 123", nil, nil},             // a formatted query against E.164: dropped
		{"corp", nil, nil},                  // e-mail and company are not looked at
		{"undefined", nil, errWidgetCrash},  // every name reads "undefined undefined ...": Bob's entry is kept and has no phoneType
		{"bob", nil, errWidgetCrash},        // no phoneType on a kept entry
		{"5551230002", nil, errWidgetCrash}, // likewise, kept by its number
		{"nobody", nil, nil},
	}
	for _, tt := range tests {
		got, err := widgetSearchFilter([]byte(answer), tt.query)
		assert.Equal(t, tt.err, err, tt.query)
		assert.Equal(t, tt.want, got, tt.query)
	}
	got, err := widgetSearchFilter([]byte(`{"error":"not authorized"}`), "ann")
	assert.NoError(t, err)
	assert.Empty(t, got)
}

// bookOf is a state holding the cards (vCard lines without BEGIN/END/VERSION), as a sync
// would leave it.
func bookOf(t *testing.T, cards map[string][]string) *state {
	t.Helper()
	st := newState(conn{})
	for id, lines := range cards {
		card := decodeCard(t, "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:"+id+"\r\n"+strings.Join(lines, "\r\n")+"\r\nEND:VCARD\r\n")
		st.add(toEntry("/book/"+id+".vcf", `"e"`, card, "svc", "US"))
	}
	return st
}

var widgetCards = map[string][]string{
	"ada":   {"FN:Ada Lovelace", "TEL;TYPE=CELL:+1 (212) 555-0101", "TEL;TYPE=WORK,FAX:212.555.0109", "EMAIL:ada@analytical.example", "ORG:Analytical Engines"},
	"bob":   {"FN:Bob Builder", "TEL;TYPE=WORK:(415) 555-0142", "EMAIL:bob@build.example", "ORG:BuildCo"},
	"carol": {"FN:Carol Danvers", "TEL;TYPE=HOME:+44 20 7946 0958"},
	"dave":  {"FN:Dave Null", "TEL:101", "ORG:Nowhere Inc"},
	"erin":  {"FN:Erin Example", "EMAIL:erin@example.com"}, // no number: nothing the widget can show
}

// TestSearchSurvivesTheWidget: every contact the search answer claims keeps at least one
// phone entry through the widget's re-filter, every phone entry returned is kept, and the
// widget never throws on the answer.
func TestSearchSurvivesTheWidget(t *testing.T) {
	st := bookOf(t, widgetCards)
	tests := []struct {
		query string
		want  []widgetEntry // what the user sees in the widget
	}{
		{"ada", []widgetEntry{{"ada", "+12125550101", "mobile"}, {"ada", "+12125550109", "fax"}}},
		{"LOVELACE", []widgetEntry{{"ada", "+12125550101", "mobile"}, {"ada", "+12125550109", "fax"}}},
		{"5550101", []widgetEntry{{"ada", "+12125550101", "mobile"}}},
		{"(415) 555", []widgetEntry{{"bob", "(415) 555-0142", "business"}}},   // national form
		{"212.555.0109", []widgetEntry{{"ada", "212.555.0109", "fax"}}},       // as the card wrote it
		{"+44 20 7946", []widgetEntry{{"carol", "+44 20 7946 0958", "home"}}}, // international form
		{"101", []widgetEntry{{"ada", "+12125550101", "mobile"}, {"dave", "101", "phone"}}},
		{"build.example", nil}, // e-mail alone: not claimed
		{"nowhere", nil},       // company alone: not claimed
		{"erin", nil},          // no number to show
		{"zzz", nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			answer, err := json.Marshal(&SearchResponse{Data: st.search(tt.query, 100)})
			require.NoError(t, err)
			kept, err := widgetSearchFilter(answer, tt.query)
			require.NoError(t, err, "the widget throws on %s", answer)
			assert.Equal(t, tt.want, kept, "answer %s", answer)

			var claimed SearchResponse
			require.NoError(t, json.Unmarshal(answer, &claimed))
			phones := 0
			for _, c := range claimed.Data {
				phones += len(c.PhoneNumbers)
				assert.True(t, containsContact(kept, c.ID), "claimed %s, dropped by the widget", c.ID)
			}
			assert.Equal(t, phones, len(kept), "every phone entry returned is one the widget keeps")
		})
	}
}

func containsContact(l []widgetEntry, id string) bool {
	for _, e := range l {
		if e.ContactID == id {
			return true
		}
	}
	return false
}

// TestMatchExtensions: the widget asks to match extension numbers ("101") next to E.164
// numbers in one batch; each is answered, an extension by the contacts' extension numbers.
func TestMatchExtensions(t *testing.T) {
	st := bookOf(t, widgetCards)
	got := st.match([]string{"+12125550101", "101", "102", "+15550000000", "*71"}, "US")
	want := map[string][]string{"+12125550101": {"ada"}, "101": {"dave"}, "102": {}, "+15550000000": {}, "*71": {}}
	require.Len(t, got, len(want))
	for n, w := range want {
		assert.Equal(t, w, ids(got[n]), n)
	}
}

// TestNumberAsked: one odd element does not fail the batch.
func TestNumberAsked(t *testing.T) {
	for raw, want := range map[string]string{`"101"`: "101", `101`: "101", `"+15551230001"`: "+15551230001"} {
		got, ok := numberAsked(json.RawMessage(raw))
		assert.True(t, ok, raw)
		assert.Equal(t, want, got, raw)
	}
	for _, raw := range []string{`null`, `{}`, `["1"]`, `true`} {
		_, ok := numberAsked(json.RawMessage(raw))
		assert.False(t, ok, raw)
	}
}
