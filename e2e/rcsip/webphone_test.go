package rcsip

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/internal/realpart"
)

// The real web phones (npm, unchanged) against this stand-in, in Chromium, which has WebRTC
// of its own: proof that the platform, registrar and far end are what the web phones
// expect, before the app's shim and engine stand in for Chromium's WebRTC.

// toneWAV writes a mono 48 kHz WAV of a steady tone for Chromium's fake microphone.
func toneWAV(t *testing.T, hz float64) string {
	const rate, seconds = 48000, 2
	pcm := make([]byte, 2*rate*seconds)
	for i := 0; i < rate*seconds; i++ {
		binary.LittleEndian.PutUint16(pcm[2*i:], uint16(int16(8000*math.Sin(2*math.Pi*hz*float64(i)/rate))))
	}
	h := make([]byte, 44)
	copy(h, "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+len(pcm)))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1) // PCM
	binary.LittleEndian.PutUint16(h[22:], 1) // mono
	binary.LittleEndian.PutUint32(h[24:], rate)
	binary.LittleEndian.PutUint32(h[28:], rate*2)
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(len(pcm)))
	path := filepath.Join(t.TempDir(), "mic.wav")
	require.NoError(t, os.WriteFile(path, append(h, pcm...), 0o600))
	return path
}

// openInChromium shows url in a headless Chromium whose microphone plays mic.
func openInChromium(t *testing.T, url, mic string) {
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		realpart.Missing(t, "chromium (a browser with WebRTC): apt-get install chromium (scripts/deps.sh test)")
	}
	args := append([]string{"--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(),
		"--use-fake-device-for-media-stream", "--use-file-for-fake-audio-capture=" + mic},
		ChromiumWebRTCFlags...)
	cmd := exec.Command(bin, append(args, url)...)
	out, err := os.Create(filepath.Join(t.TempDir(), "chromium.log"))
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = out, out
	// its own process group: the zygote and renderers go with it
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) //nolint:errcheck // gone already is fine
		cmd.Wait()                                      //nolint:errcheck // killed
		if t.Failed() {
			if log, err := os.ReadFile(out.Name()); err == nil {
				t.Logf("chromium's output:\n%s", log)
			}
		}
	})
}

func TestWebPhonesInChromium(t *testing.T) {
	for _, page := range []string{"v0.html", "v2.html"} {
		t.Run(page, func(t *testing.T) {
			ctx := testCtx(t)
			s := start(t, Config{Pages: WebPhonePages(t), Trace: func(m string) { t.Log(m) }})
			const micHz = 700
			openInChromium(t, s.URL+"/"+page, toneWAV(t, micHz))
			_, err := s.WaitEvent(ctx, "registered")
			require.NoError(t, err)
			require.NoError(t, s.Registered(ctx, 1))

			// inbound: ring, answer, audio from the microphone, DTMF, hold, mute, far end hangs up
			c, err := s.Ring(ctx, "+15557654321", "Far End")
			require.NoError(t, err)
			in, err := s.WaitEvent(ctx, "incoming")
			require.NoError(t, err)
			assert.Equal(t, "+15557654321", in.Detail)
			require.NoError(t, c.WaitState(ctx, Ringing))
			_, err = s.Do(ctx, "answer", map[string]any{"call": in.Call})
			require.NoError(t, err)
			_, err = s.WaitEvent(ctx, "accepted")
			require.NoError(t, err)
			require.NoError(t, c.WaitState(ctx, Answered))
			require.NoError(t, c.WaitTone(ctx, micHz), "the far end hears the microphone")

			_, err = s.Do(ctx, "dtmf", map[string]any{"call": in.Call, "digits": "159#"})
			require.NoError(t, err)
			require.NoError(t, c.WaitDigits(ctx, "159#"), "RFC 4733 DTMF decoded at the far end")

			require.NoError(t, c.Hold(ctx, true), "the web phone answers the far end's hold")
			require.NoError(t, c.Hold(ctx, false))
			require.NoError(t, c.WaitTone(ctx, micHz))

			_, err = s.Do(ctx, "mute", map[string]any{"call": in.Call})
			require.NoError(t, err)
			require.NoError(t, c.WaitSilence(ctx), "a muted call sends silence")
			_, err = s.Do(ctx, "unmute", map[string]any{"call": in.Call})
			require.NoError(t, err)
			require.NoError(t, c.WaitTone(ctx, micHz))

			_, err = s.Do(ctx, "hold", map[string]any{"call": in.Call})
			require.NoError(t, err)
			require.NoError(t, c.WaitHeld(ctx, true))
			_, err = s.Do(ctx, "unhold", map[string]any{"call": in.Call})
			require.NoError(t, err)
			require.NoError(t, c.WaitHeld(ctx, false))

			if page == "v0.html" { // 2.x has no media reconnect of its own
				_, err = s.Do(ctx, "iceRestart", map[string]any{"call": in.Call})
				require.NoError(t, err)
				require.NoError(t, c.WaitICERestarts(ctx, 1))
				require.NoError(t, c.WaitTone(ctx, micHz), "audio after the ICE restart")
			}

			raw, err := s.Do(ctx, "stats", map[string]any{"call": in.Call})
			require.NoError(t, err)
			var st struct{ PacketsReceived, PacketsSent int }
			require.NoError(t, json.Unmarshal(raw, &st))
			assert.Positive(t, st.PacketsReceived, "the far end's audio arrives")
			assert.Positive(t, st.PacketsSent)

			require.NoError(t, c.Hangup())
			_, err = s.WaitEvent(ctx, "ended")
			require.NoError(t, err)

			// outbound: the client calls, the far end answers, the client hangs up
			raw, err = s.Do(ctx, "call", map[string]any{"number": "+15551112222"})
			require.NoError(t, err)
			var placed struct{ Call int }
			require.NoError(t, json.Unmarshal(raw, &placed))
			out, err := s.NextCall(ctx)
			require.NoError(t, err)
			assert.Equal(t, "+15551112222", out.Target)
			require.NoError(t, out.Answer(ctx))
			_, err = s.WaitEvent(ctx, "accepted")
			require.NoError(t, err)
			require.NoError(t, out.WaitTone(ctx, micHz))
			_, err = s.Do(ctx, "hangup", map[string]any{"call": placed.Call})
			require.NoError(t, err)
			require.NoError(t, out.WaitState(ctx, Ended))
			assert.Equal(t, "client", out.EndedBy())
		})
	}
}
