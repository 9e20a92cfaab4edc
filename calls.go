package main

import "encoding/json"

// callEngine is what the bridge's RTC port needs of the media engine (calling.Engine).
type callEngine interface {
	Handle(data json.RawMessage)
	PageGone()
	Close()
}

// noCallEngine answers nothing: the platform's web view has WebRTC, or the engine could not
// start (the app then offers the other ways to call).
type noCallEngine struct{}

func (noCallEngine) Handle(json.RawMessage) {}
func (noCallEngine) PageGone()              {}
func (noCallEngine) Close()                 {}
