// Package pulsetest runs a real PulseAudio server for the calling tests: a private daemon on
// a socket of its own with two null sinks, "spk" (the speaker: what is played there is read
// back from its monitor) and "mic" (what a test plays there comes out of the source
// "mic_in", the default microphone). It also plays and records tones through that server and
// measures a tone's level (Goertzel).
package pulsetest

import (
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jfreymuth/pulse"
	"github.com/jfreymuth/pulse/proto"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/internal/realpart"
)

// Device names the server is started with.
const (
	Speaker     = "spk"    // default sink; read it back with Record(Speaker + ".monitor")
	MicFeed     = "mic"    // sink a test plays into to speak into the microphone
	Mic         = "mic_in" // default source, fed by MicFeed
	SpeakerDesc = "Test Speaker"
	MicDesc     = "Test Microphone"
)

// Server is one PulseAudio daemon, stopped when the test ends.
type Server struct {
	Addr   string // server string for PULSE_SERVER or pulse.ClientServerString: "unix:/…/native"
	dir    string
	cmd    *exec.Cmd
	exited chan struct{}
}

// Stop ends the server now, as a sound server that crashes.
func (s *Server) Stop() {
	_ = s.cmd.Process.Kill()
	<-s.exited
}

// Start runs PulseAudio and waits until it answers on its socket. Without pulseaudio
// installed the test is skipped, or fails under CI.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s, err := Launch()
	if errors.Is(err, ErrNoPulseAudio) {
		realpart.Missing(tb, "pulseaudio is not installed (apt-get install pulseaudio pulseaudio-utils)")
	}
	require.NoError(tb, err)
	tb.Cleanup(s.Close)
	return s
}

// ErrNoPulseAudio is Launch's error when the pulseaudio program is not installed.
var ErrNoPulseAudio = errors.New("pulsetest: pulseaudio is not installed (apt-get install pulseaudio pulseaudio-utils)")

// Launch runs a private PulseAudio with the devices above, as Start does, for a program
// that is not a test (make bench); Close stops it and removes its directory.
func Launch() (*Server, error) {
	bin, err := exec.LookPath("pulseaudio")
	if err != nil {
		return nil, ErrNoPulseAudio
	}
	// A short directory: a unix socket path must stay under 108 bytes.
	dir, err := os.MkdirTemp("", "pa")
	if err != nil {
		return nil, err
	}
	s, err := launchIn(bin, dir)
	if err != nil {
		os.RemoveAll(dir)
	}
	return s, err
}

func launchIn(bin, dir string) (*Server, error) {
	sock := filepath.Join(dir, "native")
	// .fail: a line that fails stops the daemon, so a broken setup is seen at once.
	script := fmt.Sprintf(`.fail
load-module module-native-protocol-unix auth-anonymous=1 socket=%s
load-module module-null-sink sink_name=%s rate=48000 sink_properties='device.description="%s"'
load-module module-null-sink sink_name=%s rate=48000 sink_properties='device.description="Microphone feed"'
load-module module-remap-source source_name=%s master=%s.monitor source_properties='device.description="%s"'
set-default-sink %s
set-default-source %s
`, sock, Speaker, SpeakerDesc, MicFeed, Mic, MicFeed, MicDesc, Speaker, Mic)
	pa := filepath.Join(dir, "test.pa")
	if err := os.WriteFile(pa, []byte(script), 0o600); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "pulseaudio.log")
	logs, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logs.Close()
	cmd := exec.Command(bin, "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
		"--disable-shm=yes", "-F", pa, "--log-target=stderr")
	// Its own home and runtime directory: nothing of the user's sound setup is read or touched.
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_RUNTIME_DIR="+dir, "XDG_CONFIG_HOME="+dir,
		"XDG_STATE_HOME="+dir, "PULSE_STATE_PATH="+dir, "PULSE_RUNTIME_PATH="+dir)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s := &Server{Addr: "unix:" + sock, dir: dir, cmd: cmd, exited: exited}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			if cl, err := s.client(); err == nil {
				cl.Close()
				return s, nil
			}
		}
		select {
		case <-exited:
			out, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("pulseaudio exited: %s", out)
		default:
		}
		if time.Now().After(deadline) {
			s.Stop()
			out, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("pulseaudio did not answer on %s: %s", sock, out)
		}
		time.Sleep(50 * time.Millisecond) // poll interval, bounded by the deadline above
	}
}

// Close stops the server and removes its directory.
func (s *Server) Close() {
	s.Stop()
	os.RemoveAll(s.dir)
}

func (s *Server) client() (*pulse.Client, error) {
	return pulse.NewClient(pulse.ClientServerString(s.Addr), pulse.ClientApplicationName("pulsetest"))
}

// LoadModule loads a module into the server, for tests that add devices.
func (s *Server) LoadModule(tb testing.TB, name, args string) uint32 {
	tb.Helper()
	c, err := s.client()
	require.NoError(tb, err)
	defer c.Close()
	var reply proto.LoadModuleReply
	require.NoError(tb, c.RawRequest(&proto.LoadModule{Name: name, Args: args}, &reply))
	return reply.ModuleIndex
}

// UnloadModule unloads a module LoadModule loaded.
func (s *Server) UnloadModule(tb testing.TB, index uint32) {
	tb.Helper()
	c, err := s.client()
	require.NoError(tb, err)
	defer c.Close()
	require.NoError(tb, c.RawRequest(&proto.UnloadModule{ModuleIndex: index}, nil))
}

// Tone plays a sine of freq Hz into sink until the test ends or stop is called. It plays
// through pacat (pulseaudio-utils), a client that is not ours: jfreymuth/pulse's playback
// races its Close against its writer.
func (s *Server) Tone(tb testing.TB, sink string, freq float64) (stop func()) {
	tb.Helper()
	stop, err := s.PlayTone(sink, freq)
	if errors.Is(err, ErrNoPacat) {
		realpart.Missing(tb, "pacat is not installed (apt-get install pulseaudio-utils)")
	}
	require.NoError(tb, err)
	tb.Cleanup(stop)
	return stop
}

// ErrNoPacat is PlayTone's error when pacat is not installed.
var ErrNoPacat = errors.New("pulsetest: pacat is not installed (apt-get install pulseaudio-utils)")

// PlayTone is Tone for a program that is not a test: the tone plays until stop is called.
func (s *Server) PlayTone(sink string, freq float64) (stop func(), err error) {
	bin, err := exec.LookPath("pacat")
	if err != nil {
		return nil, ErrNoPacat
	}
	cmd := exec.Command(bin, "--playback", "--server="+strings.TrimPrefix(s.Addr, "unix:"), "--device="+sink,
		"--format=s16le", "--rate=48000", "--channels=1", "--latency-msec=20", "--stream-name="+ownStreams,
		"--client-name="+ownStreams, "--property=media.name="+ownStreams)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		buf := make([]byte, 2*480)
		for n := 0; ; {
			for i := 0; i < len(buf); i += 2 {
				v := int16(8000 * math.Sin(2*math.Pi*freq*float64(n)/48000))
				buf[i], buf[i+1] = byte(v), byte(uint16(v)>>8)
				n++
			}
			if _, err := in.Write(buf); err != nil {
				return // pacat ended
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}, nil
}

// ownStreams names the helper's own streams, which Recording and Playing do not count.
const ownStreams = "pulsetest"

// Recording counts the streams recording source (the helper's own aside).
func (s *Server) Recording(tb testing.TB, source string) int {
	tb.Helper()
	c, err := s.client()
	require.NoError(tb, err)
	defer c.Close()
	var src proto.GetSourceInfoReply
	require.NoError(tb, c.RawRequest(&proto.GetSourceInfo{SourceIndex: proto.Undefined, SourceName: source}, &src))
	var outs proto.GetSourceOutputInfoListReply
	require.NoError(tb, c.RawRequest(&proto.GetSourceOutputInfoList{}, &outs))
	n := 0
	for _, o := range outs {
		if o.SourceIndex == src.SourceIndex && o.MediaName != ownStreams {
			n++
		}
	}
	return n
}

// Playing counts the streams playing on sink (the helper's own aside).
func (s *Server) Playing(tb testing.TB, sink string) int {
	tb.Helper()
	c, err := s.client()
	require.NoError(tb, err)
	defer c.Close()
	var dev proto.GetSinkInfoReply
	require.NoError(tb, c.RawRequest(&proto.GetSinkInfo{SinkIndex: proto.Undefined, SinkName: sink}, &dev))
	var ins proto.GetSinkInputInfoListReply
	require.NoError(tb, c.RawRequest(&proto.GetSinkInputInfoList{}, &ins))
	n := 0
	for _, in := range ins {
		if in.SinkIndex == dev.SinkIndex && in.MediaName != ownStreams {
			n++
		}
	}
	return n
}

// Recorder keeps the last second of what a source gives, at 48 kHz mono.
type Recorder struct {
	mu    sync.Mutex
	buf   []int16
	onset *onset
}

// onset waits for a tone to start, 10 ms block by block.
type onset struct {
	freq  float64
	block []int16
	at    chan time.Time
}

// Onset reports when freq is next heard: the arrival time of the first 10 ms in which it
// is (for latency figures). One at a time.
func (r *Recorder) Onset(freq float64) <-chan time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.onset = &onset{freq: freq, at: make(chan time.Time, 1)}
	return r.onset.at
}

// Record records source (for example Speaker + ".monitor") until the test ends.
func (s *Server) Record(tb testing.TB, source string) *Recorder {
	tb.Helper()
	r, stop, err := s.NewRecorder(source, 20*time.Millisecond)
	require.NoError(tb, err)
	tb.Cleanup(stop)
	return r
}

// NewRecorder is Record for a program that is not a test: it records until stop is called.
// The server sends what it records in pieces of fragment: Onset's times are the arrival of
// the piece that completes a 10 ms block, so a smaller fragment times an onset closer to
// when the source had it (make bench uses 5 ms; Record 20 ms).
func (s *Server) NewRecorder(source string, fragment time.Duration) (r *Recorder, stop func(), err error) {
	c, err := s.client()
	if err != nil {
		return nil, nil, err
	}
	r = &Recorder{}
	rec, err := c.NewRecord(pulse.Int16Writer(func(b []int16) (int, error) {
		r.add(b)
		return len(b), nil
	}), pulse.RecordSampleRate(48000), pulse.RecordLatency(fragment.Seconds()), pulse.RecordMediaName(ownStreams),
		pulse.RecordRawOption(func(cr *proto.CreateRecordStream) { cr.SourceName = source; cr.SourceIndex = proto.Undefined }))
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	rec.Start()
	return r, func() { rec.Close(); c.Close() }, nil
}

func (r *Recorder) add(b []int16) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf = append(r.buf, b...)
	if o := r.onset; o != nil {
		now := time.Now()
		for _, x := range b {
			if o.block = append(o.block, x); len(o.block) == 480 {
				if Heard(Level(o.block, 48000, o.freq)) {
					o.at <- now
					r.onset = nil
					break
				}
				o.block = o.block[:0]
			}
		}
	}
	if over := len(r.buf) - 48000; over > 0 {
		r.buf = append(r.buf[:0], r.buf[over:]...)
	}
}

// Level is the level of freq in the last 100 ms recorded (see Level).
func (r *Recorder) Level(freq float64) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Level(r.buf[max(0, len(r.buf)-4800):], 48000, freq)
}

// Level measures how strong the tone freq is in samples (Goertzel): the tone's amplitude
// relative to full scale, so a sine of amplitude 8000 measures about 0.24 and silence 0.
func Level(samples []int16, sampleRate, freq float64) float64 {
	if len(samples) == 0 {
		return 0
	}
	w := 2 * math.Pi * freq / sampleRate
	coeff := 2 * math.Cos(w)
	var s1, s2 float64
	for _, x := range samples {
		s0 := float64(x)/32768 + coeff*s1 - s2
		s2, s1 = s1, s0
	}
	power := s1*s1 + s2*s2 - coeff*s1*s2
	return 2 * math.Sqrt(math.Max(power, 0)) / float64(len(samples))
}

// Heard reports whether freq is clearly present: a level a tone gives through a codec,
// far above what silence and codec noise give.
func Heard(level float64) bool { return level > 0.02 }
