package shimtest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/assets"
	"github.com/embeddable-tray/embeddable-tray/internal/realpart"
	"github.com/embeddable-tray/embeddable-tray/webview"
)

// portHostJS stands in for the app's host script (CONTRACTS.md §3): in the isolated world it
// makes the channel, keeps port1, posts port2 to the page at document start, forwards what
// the shim posts to Go, and lets Go answer with __toShim(obj).
const portHostJS = `(function () {
  var handler = window.webkit.messageHandlers.embeddableTray;
  var channel = new MessageChannel();
  channel.port1.onmessage = function (e) { handler.postMessage(JSON.stringify(e.data)); };
  window.__toShim = function (obj) { channel.port1.postMessage(obj); };
  window.postMessage({type: "embeddable-tray-rtc-port"}, location.origin, [channel.port2]);
})();`

// shimPage uses the shim as the web phones do and POSTs what it found to /result.
const shimPage = `<!DOCTYPE html><title>shim</title><audio id="a"></audio><script>
var steps = [];
var sawPort = false;
window.addEventListener("message", function (e) { if (e.data && e.data.type === "embeddable-tray-rtc-port") sawPort = true; });
function step(name, ok) { steps.push(name); if (!ok) throw new Error("failed: " + name); }
function report(o) { fetch("/result", {method: "POST", body: JSON.stringify(o)}); }
(async function () {
  step("the shim stands in for WebRTC", typeof RTCPeerConnection === "function" && typeof RTCDTMFSender === "function");
  var devices = await navigator.mediaDevices.enumerateDevices();
  step("labelled devices", devices.length === 2 && devices[0].label === "Test Microphone");
  var mic = await navigator.mediaDevices.getUserMedia({audio: {deviceId: {exact: "mic"}}, video: false});
  step("getUserMedia gives a shim stream", mic instanceof MediaStream && mic.getAudioTracks()[0].label === "Test Microphone");

  var pc = new RTCPeerConnection({iceServers: []});
  step("'ontrack' in pc", "ontrack" in pc);
  var candidates = [];
  var gathered = new Promise(function (resolve) {
    pc.onicecandidate = function (e) { candidates.push(e.candidate); if (e.candidate === null) resolve(pc.iceGatheringState); };
  });
  var tracked = new Promise(function (resolve) { pc.addEventListener("track", resolve); });
  var sender = pc.addTrack(mic.getAudioTracks()[0], mic);
  var offer = await pc.createOffer();
  await pc.setLocalDescription({type: "offer", sdp: offer.sdp.replace("a=sendrecv", "a=sendonly")});
  step("localDescription is the wire copy", /a=candidate/.test(pc.localDescription.sdp) && pc.signalingState === "have-local-offer");
  step("candidates, then null with gathering complete", (await gathered) === "complete" && candidates.length === 2);
  step("no DTMF before the answer", !sender.dtmf.canInsertDTMF);
  await pc.setRemoteDescription({type: "answer", sdp: "v=0\r\nm=audio 4000 RTP/AVP 0 101\r\na=sendrecv\r\n"});
  var ev = await tracked;
  step("the track event carries its stream", ev.streams[0] instanceof MediaStream && ev.streams[0].getTracks()[0] === ev.track);

  var a = document.getElementById("a");
  a.srcObject = ev.streams[0];
  step("WebKit's <audio> keeps a shim stream in srcObject", a.srcObject === ev.streams[0] && a.paused);
  await a.play();
  step("play() goes to the engine", !a.paused);
  await a.setSinkId("speaker-2");
  a.volume = 0.5;
  var local = new MediaStream();
  pc.getSenders().forEach(function (s) { local.addTrack(s.track); });
  var v = document.createElement("video");
  v.muted = true;
  v.srcObject = local;
  await v.play();
  var au = new Audio();
  au.autoplay = true;
  au.srcObject = ev.streams[0];

  var stats = await pc.getStats();
  var received = 0;
  stats.forEach(function (r) { if (r.type === "inbound-rtp") received = r.packetsReceived; });
  step("getStats is Map-like", received === 42 && stats.size === 1 && stats.get("in").jitter === 0.002);
  step("the sender can send DTMF", sender.dtmf.canInsertDTMF);
  sender.dtmf.insertDTMF("159#", 100, 50);

  // glare: the far end's offer over ours rolls ours back; then the page's own rollback
  await pc.setLocalDescription(await pc.createOffer());
  await pc.setRemoteDescription({type: "offer", sdp: "v=0\r\nm=audio 4000 RTP/AVP 0\r\na=sendonly\r\n"});
  step("a remote offer rolls the pending one back", pc.signalingState === "have-remote-offer" && pc.pendingLocalDescription === null);
  await pc.setLocalDescription(await pc.createAnswer());
  step("held by the far end: no DTMF", pc.signalingState === "stable" && !sender.dtmf.canInsertDTMF);
  await pc.setLocalDescription(await pc.createOffer());
  await pc.setLocalDescription({type: "rollback"});
  step("setLocalDescription rollback", pc.signalingState === "stable" && pc.pendingLocalDescription === null);
  sender.track.enabled = false;
  a.srcObject = null;
  step("srcObject back to null", a.srcObject === null);
  pc.close();
  report({ok: true, steps: steps, sawPort: sawPort});
})().catch(function (e) { report({ok: false, steps: steps, error: String(e && (e.stack || e.message) || e)}); });
</script>`

// fakeEngine answers the shim's requests as the engine does (CONTRACTS.md §4), with the
// engine's order of events: candidates after setLocalDescription's answer, the track
// before setRemoteDescription's.
type fakeEngine struct {
	w    *webview.Window
	seen chan map[string]any
	dtmf bool // canInsertDTMF of snd-1 as the last answer left it
}

func (e *fakeEngine) post(v any) {
	b, _ := json.Marshal(v)
	e.w.EvalHost("__toShim(" + string(b) + ")")
}

func (e *fakeEngine) handle(msg string) {
	var r map[string]any
	if json.Unmarshal([]byte(msg), &r) != nil {
		return
	}
	e.seen <- r
	id := r["id"]
	answer := func(result any) { e.post(map[string]any{"id": id, "result": result}) }
	switch r["op"] {
	case "media.enumerateDevices":
		answer(map[string]any{"devices": []map[string]string{
			{"deviceId": "mic", "kind": "audioinput", "label": "Test Microphone", "groupId": "g1"},
			{"deviceId": "spk", "kind": "audiooutput", "label": "Test Speaker", "groupId": "g1"},
		}})
	case "media.getUserMedia":
		answer(map[string]any{"stream": "ms-mic", "track": map[string]string{"id": "mic-1", "kind": "audio", "label": "Test Microphone"}})
	case "pc.addTrack":
		answer(map[string]any{"sender": "snd-1"})
	case "pc.createOffer":
		answer(map[string]any{"type": "offer", "sdp": "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\na=sendrecv\r\n"})
	case "pc.createAnswer":
		answer(map[string]any{"type": "answer", "sdp": "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=recvonly\r\n"})
	case "pc.setLocalDescription":
		if r["type"] == "rollback" {
			answer(map[string]any{"type": "rollback", "sdp": ""})
			return
		}
		sdp, _ := r["sdp"].(string)
		sdp += "a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host\r\n"
		if r["type"] == "answer" {
			e.dtmf = false // the page's answer to a sendonly offer is recvonly: its sender does not send
		}
		answer(map[string]any{"type": r["type"], "sdp": sdp, "dtmf": map[string]bool{"snd-1": e.dtmf}})
		e.post(map[string]any{"event": "pc.icecandidate", "pc": r["pc"], "candidate": map[string]any{"candidate": "candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host", "sdpMid": "0", "sdpMLineIndex": 0}})
		e.post(map[string]any{"event": "pc.icecandidate", "pc": r["pc"], "candidate": nil})
		e.post(map[string]any{"event": "pc.state", "pc": r["pc"], "signalingState": "have-local-offer", "iceGatheringState": "complete", "iceConnectionState": "new", "connectionState": "new"})
	case "pc.setRemoteDescription":
		if r["type"] == "answer" {
			e.post(map[string]any{"event": "pc.track", "pc": r["pc"], "receiver": "rcv-1", "track": map[string]string{"id": "far-1", "kind": "audio", "label": "remote audio"}, "streams": []string{"ms-far"}})
		}
		if r["type"] == "answer" {
			e.dtmf = true // telephone-event negotiated, the sender sends
		}
		answer(map[string]any{"dtmf": map[string]bool{"snd-1": e.dtmf}})
	case "pc.getStats":
		answer(map[string]any{"reports": []map[string]any{{"id": "in", "type": "inbound-rtp", "packetsReceived": 42, "jitter": 0.002}}})
	default:
		answer(map[string]any{})
	}
}

func TestShimInWebKit(t *testing.T) {
	if noDisplay != nil {
		realpart.Missing(t, "a display for WebKitGTK: run under xvfb-run -a dbus-run-session ("+noDisplay.Error()+")")
	}
	results := make(chan map[string]any, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /shim", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, shimPage) })
	mux.HandleFunc("POST /result", func(w http.ResponseWriter, r *http.Request) {
		var res map[string]any
		if json.NewDecoder(r.Body).Decode(&res) == nil {
			results <- res
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	w, err := testUI.NewWindow(webview.Options{Title: "calling shim"})
	require.NoError(t, err)
	t.Cleanup(w.Close)
	e := &fakeEngine{w: w, seen: make(chan map[string]any, 256)}
	w.OnHostMessage(func(_, msg string) { e.handle(msg) })
	w.AddPageScript(assets.CallingJS) // before the host script, as the app injects it
	w.AddHostScript(portHostJS)
	w.Navigate(srv.URL + "/shim")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var res map[string]any
	select {
	case res = <-results:
	case <-ctx.Done():
		t.Fatal("the page reported nothing")
	}
	require.Equal(t, true, res["ok"], "the page: %v", res)
	assert.Equal(t, false, res["sawPort"], "the page's own listener never sees the port")

	// what reached the engine, in the page's order
	var ops []map[string]any
	for done := false; !done; {
		select {
		case r := <-e.seen:
			ops = append(ops, r)
			done = r["op"] == "pc.close"
		case <-ctx.Done():
			t.Fatalf("pc.close never reached the engine; saw %v", ops)
		}
	}
	find := func(op string, match func(map[string]any) bool) map[string]any {
		for _, r := range ops {
			if r["op"] == op && (match == nil || match(r)) {
				return r
			}
		}
		t.Fatalf("no %s among %v", op, ops)
		return nil
	}
	sl := find("pc.setLocalDescription", nil)
	assert.Contains(t, sl["sdp"], "a=sendonly", "the engine gets the page's munged copy")
	play := find("element.play", func(r map[string]any) bool { return r["stream"] == "ms-far" })
	find("element.play", func(r map[string]any) bool { return r["element"] == play["element"] && r["volume"] == 0.5 })
	find("element.setSinkId", func(r map[string]any) bool { return r["element"] == play["element"] && r["sinkId"] == "speaker-2" })
	find("element.play", func(r map[string]any) bool { return r["stream"] == "ms-mic" && r["muted"] == true })
	find("element.play", func(r map[string]any) bool {
		return r["element"] != play["element"] && r["stream"] == "ms-far" && r["muted"] == false
	})
	find("pc.insertDTMF", func(r map[string]any) bool { return r["tones"] == "159#" && r["sender"] == "snd-1" })
	find("pc.setRemoteDescription", func(r map[string]any) bool { return r["type"] == "offer" })
	find("pc.setLocalDescription", func(r map[string]any) bool { return r["type"] == "rollback" })
	find("track.setEnabled", func(r map[string]any) bool { return r["track"] == "mic-1" && r["enabled"] == false })
	find("element.pause", func(r map[string]any) bool { return r["element"] == play["element"] })
}
