package webview

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
)

// toneWAV is half a second of a 440 Hz tone, 8 kHz mono 16-bit PCM: a ringtone stand-in.
func toneWAV() []byte {
	const rate, n = 8000, 4000
	var pcm bytes.Buffer
	for i := 0; i < n; i++ {
		_ = binary.Write(&pcm, binary.LittleEndian, int16(8000*math.Sin(2*math.Pi*440*float64(i)/rate)))
	}
	var b bytes.Buffer
	w := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	w(uint32(36 + pcm.Len()))
	b.WriteString("WAVEfmt ")
	w(uint32(16))
	w(uint16(1))
	w(uint16(1))
	w(uint32(rate))
	w(uint32(rate * 2))
	w(uint16(2))
	w(uint16(16))
	b.WriteString("data")
	w(uint32(pcm.Len()))
	b.Write(pcm.Bytes())
	return b.Bytes()
}

// mediaProbes is the script of a page (and of its frames) that asks for everything a page can
// ask for without a user gesture and posts what it got to the top window.
const mediaProbes = `
function outcome(p) {
  return Promise.resolve().then(function () { return p(); }).then(
    function (v) { return v === undefined ? "resolved" : String(v); },
    function (e) { return "rejected:" + (e && e.name || e); });
}
function geo() {
  return new Promise(function (ok, fail) {
    if (!navigator.geolocation) { fail({name: "NoGeolocation"}); return; }
    navigator.geolocation.getCurrentPosition(function () { ok("granted"); }, function (e) { fail({name: "code" + e.code}); });
  });
}
Promise.all([
  outcome(function () { return new Audio("/tone.wav").play(); }),
  outcome(function () { return navigator.mediaDevices.getUserMedia({audio: true}).then(function (s) { s.getTracks().forEach(function (t) { t.stop(); }); return "granted"; }); }),
  outcome(function () { return navigator.mediaDevices.getUserMedia({video: true}).then(function () { return "granted"; }); }),
  outcome(function () { return Notification.requestPermission(); }),
  outcome(geo),
  outcome(function () { return navigator.mediaDevices.enumerateDevices().then(function (ds) { return ds.map(function (d) { return d.kind + "=" + (d.label ? "labelled" : "unlabelled"); }).join(","); }); }),
]).then(function (r) {
  window.top.postMessage({probe: PROBE, play: r[0], mic: r[1], camera: r[2], notify: r[3], geo: r[4], devices: r[5]}, "*");
});
`

func mediaPages(t *testing.T) (page, foreign *httptest.Server) {
	t.Helper()
	tone := toneWAV()
	handler := func(name string, frameSrc *string) http.Handler {
		mux := http.NewServeMux()
		mux.HandleFunc("/tone.wav", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "audio/wav")
			_, _ = w.Write(tone)
		})
		mux.HandleFunc("/probe", func(w http.ResponseWriter, r *http.Request) {
			frame := ""
			if frameSrc != nil && *frameSrc != "" {
				frame = fmt.Sprintf(`<iframe src="%s/probe"></iframe><iframe src="/same"></iframe>`, *frameSrc)
			}
			fmt.Fprintf(w, "<!DOCTYPE html><title>%s</title><script>var PROBE = %q;%s</script>%s", name, name, mediaProbes, frame)
		})
		mux.HandleFunc("/same", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "<!DOCTYPE html><script>var PROBE = \"same\";%s</script>", mediaProbes)
		})
		return mux
	}
	foreign = httptest.NewServer(handler("foreign", nil))
	t.Cleanup(foreign.Close)
	src := foreign.URL
	page = httptest.NewServer(handler("top", &src))
	t.Cleanup(page.Close)
	return page, foreign
}

// probeResult is what one page or frame of mediaPages got.
type probeResult struct{ Play, Mic, Camera, Notify, Geo string }

func probe(t *testing.T, msgs <-chan hostMsg) map[string]probeResult {
	t.Helper()
	got := map[string]probeResult{}
	for len(got) < 3 { // the page, a foreign frame, a frame of the page's origin
		m := waitHost(t, msgs, "a probe", func(m hostMsg) bool { return dataField(m, "probe") != nil }, nil)
		str := func(k string) string { s, _ := dataField(m, k).(string); return s }
		got[str("probe")] = probeResult{Play: str("play"), Mic: str("mic"), Camera: str("camera"), Notify: str("notify"), Geo: str("geo")}
	}
	return got
}

// TestMediaPermissions: in the real view, the page at the origin given to AllowMediaFor plays a
// sound without a user gesture (the widget's ringtone); without AllowMediaFor WebKit refuses
// that play() (NotAllowedError), which is what the fix is for. Location is refused, and a frame
// of another origin gets neither the microphone nor the camera. (The microphone granted to the
// widget is not shown here: this WebKitGTK finds no capture device, even with a sound server;
// allowPermission's table says what is granted.)
func TestMediaPermissions(t *testing.T) {
	page, _ := mediaPages(t)

	w, msgs := hostWindow(t, "media allowed")
	w.SetNavigationPolicy(NavigationPolicy{Page: sameOrigin(page.URL), Frame: func(string) bool { return true }})
	w.AllowMediaFor(page.URL)
	w.Navigate(page.URL + "/probe")
	got := probe(t, msgs)
	assert.Equal(t, "resolved", got["top"].Play, "the widget's ringtone plays without a gesture")
	assert.Equal(t, "rejected:code1", got["top"].Geo, "location is refused (PERMISSION_DENIED)")
	assert.NotEqual(t, "granted", got["top"].Camera)
	assert.Equal(t, "rejected:NotAllowedError", got["foreign"].Mic, "a foreign frame gets no microphone")
	assert.Equal(t, "rejected:NotAllowedError", got["foreign"].Camera, "a foreign frame gets no camera")
	assert.NotEqual(t, "granted", got["foreign"].Notify)
	assert.NotEqual(t, "granted", got["foreign"].Geo)

	plain, msgs := hostWindow(t, "media default")
	plain.Navigate(page.URL + "/probe")
	got = probe(t, msgs)
	assert.Equal(t, "rejected:NotAllowedError", got["top"].Play, "WebKit's default refuses sound without a gesture")

	other, msgs := hostWindow(t, "media other origin")
	other.AllowMediaFor("http://127.0.0.1:1")
	other.Navigate(page.URL + "/probe")
	got = probe(t, msgs)
	assert.Equal(t, "rejected:NotAllowedError", got["top"].Play, "a page of another origin gets no autoplay")
}

func TestAllowPermission(t *testing.T) {
	const widget = "https://apps.ringcentral.com"
	page := widget + "/integration/ringcentral-embeddable/latest/app.html?clientId=x"
	for _, tt := range []struct {
		p      permission
		page   string
		origin string
		want   bool
	}{
		{permissionMicrophone, page, widget, true},
		{permissionNotifications, page, widget, true},
		{permissionDeviceInfo, page, widget, true},
		{permissionOther, page, widget, false}, // camera, screen, location, clipboard, ...
		{permissionMicrophone, "https://evil.example/app.html", widget, false},
		{permissionMicrophone, "http://apps.ringcentral.com/app.html", widget, false},
		{permissionMicrophone, "https://apps.ringcentral.com:8443/app.html", widget, false},
		{permissionNotifications, "https://apps.ringcentral.com.evil.example/", widget, false},
		{permissionMicrophone, "about:blank", widget, false},
		{permissionMicrophone, "", widget, false},
		{permissionMicrophone, page, "", false}, // AllowMediaFor never called
	} {
		assert.Equal(t, tt.want, allowPermission(tt.p, tt.page, tt.origin), "%s for %q with %q allowed", tt.p, tt.page, tt.origin)
	}
}

// TestAppLinks: the widget opens its "RingCentral App" links (rcapp://) in a hidden frame on a
// desktop (commons' Softphone): that reaches OnAppLink, as does the page's own navigation to
// another app's link, and a handled one is not loaded. Web links do not. (window.open without
// a user gesture is refused by WebKit before any decision.)
func TestAppLinks(t *testing.T) {
	page, _ := mediaPages(t)
	w, msgs := hostWindow(t, "app links")
	// The app's navigation policy refuses every origin but the page's: app links come first.
	w.SetNavigationPolicy(NavigationPolicy{Page: sameOrigin(page.URL), Frame: sameOrigin(page.URL)})
	links := make(chan string, 8)
	w.OnAppLink(func(uri string) bool { send(links)(uri); return true })
	w.Navigate(page.URL + "/probe")
	waitHost(t, msgs, "the page", func(m hostMsg) bool { return m.Msg["kind"] == "start" }, nil)

	w.EvalHost(`var f = document.createElement("iframe"); f.style.display = "none"; document.body.appendChild(f);
setTimeout(function () { f.contentWindow.location.href = "rcapp://r/call?number=+15551234567"; }, 50);`)
	assert.Equal(t, "rcapp://r/call?number=+15551234567", receive(t, links, "the frame's link"))
	w.EvalHost(`location.href = "tel:+15550000002";`)
	assert.Equal(t, "tel:+15550000002", receive(t, links, "the page's own link"))
	w.EvalHost(`var g = document.createElement("iframe"); g.src = "/tone.wav"; document.body.appendChild(g);
hostPost({kind: "still", href: location.href});`)
	still := waitHost(t, msgs, "the page after the links", func(m hostMsg) bool { return m.Msg["kind"] == "still" }, nil)
	assert.Equal(t, page.URL+"/probe", still.Msg["href"], "the handled link did not replace the page")
	select {
	case l := <-links:
		t.Errorf("a web link went to OnAppLink: %s", l)
	default:
	}
}

// TestNativeWebRTC: the answer comes from WebKit itself: a page script that defines its own
// RTCPeerConnection (as the calling shim does) does not change it.
func TestNativeWebRTC(t *testing.T) {
	page, _ := mediaPages(t)
	w, msgs := hostWindow(t, "native webrtc")
	w.AddPageScript(`window.RTCPeerConnection = function () {};`)
	w.AllowMediaFor(page.URL) // enable-webrtc on: a WebKit built with WebRTC would say yes
	w.Navigate(page.URL + "/probe")
	waitHost(t, msgs, "the page", func(m hostMsg) bool { return m.Msg["kind"] == "start" }, nil)
	type answer struct{ native, ok bool }
	got := make(chan answer, 1)
	w.NativeWebRTC(func(native, ok bool) { send(got)(answer{native, ok}) })
	a := receive(t, got, "the answer")
	assert.True(t, a.ok)
	w.EvalHost(`hostPost({kind: "rtc", native: typeof RTCPeerConnection === "function"});`)
	m := waitHost(t, msgs, "the host world's own look", func(m hostMsg) bool { return m.Msg["kind"] == "rtc" }, nil)
	assert.Equal(t, m.Msg["native"], a.native, "the same as WebKit's own objects say")
	t.Logf("this WebKitGTK has WebRTC: %v", a.native)
}

func sameOrigin(origin string) func(string) bool {
	return func(uri string) bool { return originOf(uri) == origin }
}
