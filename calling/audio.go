package calling

// AudioSystem is the sound server as the engine uses it: devices to list, a microphone to
// record, speakers to play on, and news of devices coming and going. The engine's real one
// is Pulse (PulseAudio or PipeWire's pulse server). All audio is 48 kHz mono 16-bit.
// Implementations are safe for concurrent use.
type AudioSystem interface {
	// Devices lists the inputs and outputs the page may pick, labelled; the first of each
	// kind is the server's default, with the deviceId "default".
	Devices() ([]Device, error)
	// OpenCapture records input id ("" or "default": the default input) and hands what it
	// records to f, in pieces of any length, on one goroutine of its own, until Close.
	OpenCapture(id string, f func(samples []int16)) (Stream, error)
	// OpenPlayback plays on output id ("" or "default": the default output); fill is asked,
	// on one goroutine of its own, to fill each buffer completely, until Close.
	OpenPlayback(id string, fill func(buf []int16)) (Stream, error)
	// Watch calls changed whenever an input or output comes, goes or the default changes,
	// and lost once if the server goes away. It is called once, before any Open.
	Watch(changed func(), lost func(error)) error
	// Close ends every stream and the connection.
	Close() error
}

// Device is one input or output, named as enumerateDevices names it.
type Device struct {
	ID    string `json:"deviceId"`
	Kind  string `json:"kind"` // "audioinput" or "audiooutput"
	Label string `json:"label"`
	Group string `json:"groupId"`
}

// Stream is an open capture or playback.
type Stream interface{ Close() }

// Device kinds.
const (
	kindInput  = "audioinput"
	kindOutput = "audiooutput"
	defaultID  = "default"
)
