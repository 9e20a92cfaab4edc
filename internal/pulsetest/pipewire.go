package pulsetest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jfreymuth/pulse/proto"
	"github.com/stretchr/testify/require"

	"github.com/embeddable-tray/embeddable-tray/internal/realpart"
)

// ServerEnv chooses the sound server Start runs: PipeWire ("pipewire") runs PipeWire with
// WirePlumber and pipewire-pulse, the pulse server most Linux desktops have now; anything
// else runs PulseAudio. Both give the same devices on the same protocol.
const (
	ServerEnv = "PULSETEST_SERVER"
	PipeWire  = "pipewire"
)

// OnPipeWire reports whether the tests run on PipeWire (ServerEnv).
func OnPipeWire() bool { return os.Getenv(ServerEnv) == PipeWire }

// devices are the modules that make Speaker, MicFeed and Mic, as either server loads them.
var devices = []struct{ name, args string }{
	{"module-null-sink", fmt.Sprintf(`sink_name=%s rate=48000 sink_properties='device.description="%s"'`, Speaker, SpeakerDesc)},
	{"module-null-sink", fmt.Sprintf(`sink_name=%s rate=48000 sink_properties='device.description="Microphone feed"'`, MicFeed)},
	{"module-remap-source", fmt.Sprintf(`source_name=%s master=%s.monitor source_properties='device.description="%s"'`, Mic, MicFeed, MicDesc)},
}

// deviceScript loads devices in a PulseAudio script.
func deviceScript() string {
	var b strings.Builder
	for _, m := range devices {
		fmt.Fprintf(&b, "load-module %s %s\n", m.name, m.args)
	}
	return b.String()
}

// wirePlumberConfig keeps the session manager to policy, defaults and linking: no ALSA,
// camera or Bluetooth monitors, so the test's server never opens the machine's own sound
// cards (files of these names replace WirePlumber's own).
var wirePlumberConfig = map[string]string{
	"main.lua.d/90-enable-all.lua": `load_module("metadata")
default_access.enable()
device_defaults.enable()
stream_defaults.enable()
load_script("intended-roles.lua")
`,
	"bluetooth.lua.d/90-enable-all.lua": "",
}

// startPipeWire runs a private PipeWire: a D-Bus session bus of its own (WirePlumber 0.4
// does not run without one, and the user's is not touched), the pipewire daemon, WirePlumber
// (it links streams to devices and keeps the defaults) and pipewire-pulse, whose socket is
// Addr. The devices are loaded through the pulse server, as a user would with pactl; Start
// returns once the session manager has made them the defaults. Stop kills pipewire-pulse
// (the server the engine talks to); the rest goes when the test ends.
func startPipeWire(tb testing.TB) *Server {
	tb.Helper()
	bins := map[string]string{}
	for _, name := range []string{"dbus-daemon", "pipewire", "wireplumber", "pipewire-pulse"} {
		bin, err := exec.LookPath(name)
		if err != nil {
			realpart.Missing(tb, name+" is not installed (apt-get install --no-install-recommends pipewire pipewire-pulse wireplumber dbus)")
		}
		bins[name] = bin
	}
	// A short directory: a unix socket path must stay under 108 bytes.
	dir, err := os.MkdirTemp("", "pw")
	require.NoError(tb, err)
	tb.Cleanup(func() { os.RemoveAll(dir) })
	for name, text := range wirePlumberConfig {
		path := filepath.Join(dir, "wireplumber", name)
		require.NoError(tb, os.MkdirAll(filepath.Dir(path), 0o700))
		require.NoError(tb, os.WriteFile(path, []byte(text), 0o600))
	}
	// Its own home, runtime, config and state directories: nothing of the user's sound setup
	// is read or touched; the user's PipeWire and pulse settings are left out.
	env := []string{"HOME=" + dir, "XDG_RUNTIME_DIR=" + dir, "XDG_CONFIG_HOME=" + dir, "XDG_STATE_HOME=" + dir,
		"PIPEWIRE_RUNTIME_DIR=" + dir, "PULSE_RUNTIME_PATH=" + filepath.Join(dir, "pulse")}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PIPEWIRE_") && !strings.HasPrefix(kv, "PULSE_") && !strings.HasPrefix(kv, "WIREPLUMBER_") &&
			!strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") && !strings.HasPrefix(kv, "XDG_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	logs := &daemonLogs{dir: dir, exited: make(chan struct{})}

	bus := exec.Command(bins["dbus-daemon"], "--session", "--nofork", "--nopidfile", "--print-address=1",
		"--address=unix:path="+filepath.Join(dir, "bus"))
	bus.Env = env
	addrR, addrW, err := os.Pipe()
	require.NoError(tb, err)
	defer addrR.Close()
	bus.Stdout = addrW
	logs.start(tb, bus, "dbus-daemon")
	addrW.Close()
	line, err := bufio.NewReader(addrR).ReadString('\n') // printed once it listens
	if err != nil {
		tb.Fatalf("dbus-daemon did not start: %s", logs)
	}
	env = append(env, "DBUS_SESSION_BUS_ADDRESS="+strings.TrimSpace(line))

	pw := exec.Command(bins["pipewire"])
	pw.Env = env
	logs.start(tb, pw, "pipewire")
	logs.waitFor(tb, "pipewire", func() bool { return dialable(filepath.Join(dir, "pipewire-0")) })

	wp := exec.Command(bins["wireplumber"])
	wp.Env = env
	logs.start(tb, wp, "wireplumber")
	pp := exec.Command(bins["pipewire-pulse"])
	pp.Env = env
	ppExited := logs.start(tb, pp, "pipewire-pulse")
	s := &Server{Addr: "unix:" + filepath.Join(dir, "pulse", "native"), dir: dir, cmd: pp, exited: ppExited}
	logs.waitFor(tb, "pipewire-pulse", func() bool {
		c, err := s.client()
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	for _, m := range devices {
		s.LoadModule(tb, m.name, m.args)
	}
	c, err := s.client()
	require.NoError(tb, err)
	defer c.Close()
	// The session manager keeps the defaults: pipewire-pulse refuses to set them ("not
	// supported") until WirePlumber has made its metadata, and reports them once WirePlumber
	// has taken them.
	logs.waitFor(tb, "wireplumber", func() bool {
		var info proto.GetServerInfoReply
		return c.RawRequest(&proto.SetDefaultSink{SinkName: Speaker}, nil) == nil &&
			c.RawRequest(&proto.SetDefaultSource{SourceName: Mic}, nil) == nil &&
			c.RawRequest(&proto.GetServerInfo{}, &info) == nil && info.DefaultSinkName == Speaker && info.DefaultSourceName == Mic
	})
	return s
}

// dialable reports whether a unix socket answers.
func dialable(path string) bool {
	c, err := net.Dial("unix", path)
	if err == nil {
		c.Close()
	}
	return err == nil
}

// daemonLogs collects the daemons' output in one file, for the failure message, and
// notices when any of them exits.
type daemonLogs struct {
	dir    string
	exited chan struct{} // closed when the first daemon exits
	once   sync.Once
}

func (l *daemonLogs) path() string { return filepath.Join(l.dir, "daemons.log") }

func (l *daemonLogs) String() string {
	out, _ := os.ReadFile(l.path())
	return string(out)
}

// start starts cmd with its stderr (and stdout, unless taken) in the log; it is killed when
// the test ends. The channel closes when it exits.
func (l *daemonLogs) start(tb testing.TB, cmd *exec.Cmd, name string) chan struct{} {
	tb.Helper()
	f, err := os.OpenFile(l.path(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	require.NoError(tb, err)
	defer f.Close()
	fmt.Fprintf(f, "--- %s\n", name)
	if cmd.Stdout == nil {
		cmd.Stdout = f
	}
	cmd.Stderr = f
	require.NoError(tb, cmd.Start())
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
		l.once.Do(func() { close(l.exited) })
	}()
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	return exited
}

// waitFor polls ready until it holds; a daemon that exits meanwhile, or a deadline, fails
// the test with the daemons' logs.
func (l *daemonLogs) waitFor(tb testing.TB, name string, ready func() bool) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ready() {
		select {
		case <-l.exited:
			tb.Fatalf("waiting for %s, a daemon exited: %s", name, l)
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s is not ready after 30 s: %s", name, l)
		}
		time.Sleep(50 * time.Millisecond) // poll interval, bounded by the deadline above
	}
}
