package bridge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
)

// page is a contacts-like answer that carries its own "data".
type page struct {
	Data          []string `json:"data"`
	NextPage      *int     `json:"nextPage"`
	SyncTimestamp int64    `json:"syncTimestamp"`
}

func TestServe(t *testing.T) {
	two := 2
	tests := []struct {
		name    string
		path    string
		handler HandlerFunc
		want    string
	}{
		{"string value is wrapped", "/authorize", returning("ok", nil), `{"data":"ok"}`},
		{"nil value is wrapped", "/x", returning(nil, nil), `{"data":null}`},
		{"list is wrapped", "/x", returning([]int{1, 2}, nil), `{"data":[1,2]}`},
		{"object without data is wrapped", "/x", returning(map[string]int{"n": 1}, nil), `{"data":{"n":1}}`},
		{"object with nested data is wrapped", "/x", returning(map[string]any{"n": map[string]int{"data": 1}}, nil), `{"data":{"n":{"data":1}}}`},
		{
			"object with its own data is sent as is", "/contacts",
			returning(&page{Data: []string{"a"}, NextPage: &two, SyncTimestamp: 9}, nil),
			`{"data":["a"],"nextPage":2,"syncTimestamp":9}`,
		},
		{"raw object with data is sent as is", "/x", returning(json.RawMessage(`{"data": [], "nextPage": null}`), nil), `{"data":[],"nextPage":null}`},
		{"Data forces wrapping", "/x", returning(Data(map[string]int{"data": 1}), nil), `{"data":{"data":1}}`},
		{"handler error", "/authorize", returning(nil, errors.New("sign-in failed: provider said no")), `{"error":"sign-in failed: provider said no"}`},
		{"value that cannot be encoded", "/x", returning(make(chan int), nil), `{"error":"cannot encode the answer for \"/x\": json: unsupported type: chan int"}`},
		{"panic", "/boom", func(context.Context, json.RawMessage) (any, error) { panic("kaboom") }, `{"error":"internal error serving \"/boom\""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			r := NewRouter()
			r.log = slog.New(slog.NewTextHandler(&logs, nil)) // as NewConn does with its logger
			r.Handle(tt.path, tt.handler)
			got := r.Serve(context.Background(), Request{RequestID: "id-1", Path: tt.path, Body: json.RawMessage(`{}`)})
			assert.Equal(t, "id-1", got.ResponseID)
			assert.JSONEq(t, tt.want, string(got.Response.(json.RawMessage)))
			if tt.path == "/boom" {
				assert.Contains(t, logs.String(), "kaboom")
			}
		})
	}
}

func TestServeUnknownPath(t *testing.T) {
	r := NewRouter()
	r.Handle("/authorize", returning("ok", nil))
	got := r.Serve(context.Background(), Request{RequestID: "id-2", Path: "/x"})
	assert.Equal(t, "id-2", got.ResponseID)
	assert.JSONEq(t, `{"error":"no handler for path \"/x\""}`, string(got.Response.(json.RawMessage)))
}

func TestServePassesBodyAndContext(t *testing.T) {
	type key struct{}
	r := NewRouter()
	var gotBody json.RawMessage
	var gotValue any
	r.Handle("/authorize", func(ctx context.Context, body json.RawMessage) (any, error) {
		gotBody, gotValue = body, ctx.Value(key{})
		return "ok", nil
	})
	ctx := context.WithValue(context.Background(), key{}, "v")
	r.Serve(ctx, Request{RequestID: "r", Path: "/authorize", Body: json.RawMessage(`{"authorized":true}`)})
	assert.JSONEq(t, `{"authorized":true}`, string(gotBody))
	assert.Equal(t, "v", gotValue)
}

func TestHandleRejectsProgrammingErrors(t *testing.T) {
	tests := []struct {
		name string
		path string
		h    HandlerFunc
	}{
		{"relative path", "authorize", returning("ok", nil)},
		{"empty path", "", returning("ok", nil)},
		{"nil handler", "/x", nil},
		{"duplicate", "/dup", returning("ok", nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRouter()
			r.Handle("/dup", returning("ok", nil))
			assert.Panics(t, func() { r.Handle(tt.path, tt.h) })
		})
	}
}

func TestHasTopLevelData(t *testing.T) {
	tests := []struct {
		json string
		want bool
	}{
		{`{"data":1}`, true},
		{`{"a":1,"data":[]}`, true},
		{`{"a":{"data":1}}`, false},
		{`{"a":[{"data":1}]}`, false},
		{`{"a":"\",\"data\":"}`, false},
		{`{"a":"x\\","data":2}`, true},
		{`{"datum":1}`, false},
		{`{"Data":1}`, false},
		{`{}`, false},
		{`"data"`, false},
		{`["data",1]`, false},
		{`null`, false},
	}
	for _, tt := range tests {
		t.Run(tt.json, func(t *testing.T) {
			assert.Equal(t, tt.want, hasTopLevelData([]byte(tt.json)))
		})
	}
}

func returning(v any, err error) HandlerFunc {
	return func(context.Context, json.RawMessage) (any, error) { return v, err }
}
