package pulsetest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jfreymuth/pulse"
	"github.com/jfreymuth/pulse/proto"
)

// ServerEnv chooses the sound server Start and Launch run: PipeWire ("pipewire") runs PipeWire with
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
// cards. WirePlumber 0.4 (Debian 12) reads the Lua files (they replace its own of these
// names); 0.5 reads the profile (untested here).
var wirePlumberConfig = map[string]string{
	"wireplumber.conf.d/90-pulsetest.conf": `wireplumber.profiles = {
  main = {
    monitor.alsa = disabled
    monitor.alsa-midi = disabled
    monitor.bluez = disabled
    monitor.bluez-midi = disabled
    monitor.v4l2 = disabled
    monitor.libcamera = disabled
  }
}
`,
	"main.lua.d/90-enable-all.lua": `load_module("metadata")
default_access.enable()
device_defaults.enable()
stream_defaults.enable()
load_script("intended-roles.lua")
`,
	"bluetooth.lua.d/90-enable-all.lua": "",
}

// ErrNoPipeWire is Launch's error, on PipeWire, when a program it runs is not installed.
var ErrNoPipeWire = errors.New("pulsetest: PipeWire is not installed (apt-get install --no-install-recommends pipewire pipewire-pulse wireplumber dbus)")

// launchPipeWire runs a private PipeWire: a D-Bus session bus of its own (WirePlumber 0.4
// does not run without one, and the user's is not touched), the pipewire daemon, WirePlumber
// (it links streams to devices and keeps the defaults) and pipewire-pulse, whose socket is
// Addr. The devices are loaded through the pulse server, as a user would with pactl; it
// returns once the session manager has made them the defaults. Stop kills pipewire-pulse
// (the server the engine talks to); Close all of them.
func launchPipeWire() (*Server, error) {
	bins := map[string]string{}
	for _, name := range []string{"dbus-daemon", "pipewire", "wireplumber", "pipewire-pulse"} {
		bin, err := exec.LookPath(name)
		if err != nil {
			return nil, fmt.Errorf("%w: no %s", ErrNoPipeWire, name)
		}
		bins[name] = bin
	}
	// A short directory: a unix socket path must stay under 108 bytes.
	dir, err := os.MkdirTemp("", "pw")
	if err != nil {
		return nil, err
	}
	d := &daemons{dir: dir, exited: make(chan struct{})}
	s, err := d.launch(bins)
	if err != nil {
		d.stop()
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// daemons are the processes of one PipeWire server, their output in one file (for an
// error), and a channel closed when the first of them exits.
type daemons struct {
	dir    string
	cmds   []*exec.Cmd
	waits  []chan struct{}
	exited chan struct{}
	once   sync.Once
}

func (d *daemons) launch(bins map[string]string) (*Server, error) {
	dir := d.dir
	for name, text := range wirePlumberConfig {
		path := filepath.Join(dir, "wireplumber", name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			return nil, err
		}
	}
	// Its own home, runtime, config and state directories: nothing of the user's sound setup
	// is read or touched; the user's PipeWire, pulse and bus settings are left out.
	env := []string{"HOME=" + dir, "XDG_RUNTIME_DIR=" + dir, "XDG_CONFIG_HOME=" + dir, "XDG_STATE_HOME=" + dir,
		"PIPEWIRE_RUNTIME_DIR=" + dir, "PULSE_RUNTIME_PATH=" + filepath.Join(dir, "pulse")}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PIPEWIRE_") && !strings.HasPrefix(kv, "PULSE_") && !strings.HasPrefix(kv, "WIREPLUMBER_") &&
			!strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") && !strings.HasPrefix(kv, "XDG_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}

	bus := exec.Command(bins["dbus-daemon"], "--session", "--nofork", "--nopidfile", "--print-address=1",
		"--address=unix:path="+filepath.Join(dir, "bus"))
	bus.Env = env
	addrR, addrW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer addrR.Close()
	bus.Stdout = addrW
	_, err = d.start(bus, "dbus-daemon")
	addrW.Close()
	if err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(addrR).ReadString('\n') // printed once it listens
	if err != nil {
		return nil, fmt.Errorf("dbus-daemon did not start: %s", d)
	}
	env = append(env, "DBUS_SESSION_BUS_ADDRESS="+strings.TrimSpace(line))

	pw := exec.Command(bins["pipewire"])
	pw.Env = env
	if _, err := d.start(pw, "pipewire"); err != nil {
		return nil, err
	}
	if err := d.waitFor("pipewire", func() bool { return dialable(filepath.Join(dir, "pipewire-0")) }); err != nil {
		return nil, err
	}
	wp := exec.Command(bins["wireplumber"])
	wp.Env = env
	if _, err := d.start(wp, "wireplumber"); err != nil {
		return nil, err
	}
	pp := exec.Command(bins["pipewire-pulse"])
	pp.Env = env
	ppExited, err := d.start(pp, "pipewire-pulse")
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: "unix:" + filepath.Join(dir, "pulse", "native"), dir: dir, cmd: pp, exited: ppExited, others: d.stop}
	var c *pulse.Client
	if err := d.waitFor("pipewire-pulse", func() bool { c, err = s.client(); return err == nil }); err != nil {
		return nil, err
	}
	defer c.Close()
	for _, m := range devices {
		if err := c.RawRequest(&proto.LoadModule{Name: m.name, Args: m.args}, &proto.LoadModuleReply{}); err != nil {
			return nil, fmt.Errorf("pipewire-pulse: load-module %s %s: %w", m.name, m.args, err)
		}
	}
	// The session manager keeps the defaults: pipewire-pulse refuses to set them ("not
	// supported") until WirePlumber has made its metadata, and reports them once WirePlumber
	// has taken them.
	if err := d.waitFor("wireplumber", func() bool {
		var info proto.GetServerInfoReply
		return c.RawRequest(&proto.SetDefaultSink{SinkName: Speaker}, nil) == nil &&
			c.RawRequest(&proto.SetDefaultSource{SourceName: Mic}, nil) == nil &&
			c.RawRequest(&proto.GetServerInfo{}, &info) == nil && info.DefaultSinkName == Speaker && info.DefaultSourceName == Mic
	}); err != nil {
		return nil, err
	}
	return s, nil
}

// dialable reports whether a unix socket answers.
func dialable(path string) bool {
	c, err := net.Dial("unix", path)
	if err == nil {
		c.Close()
	}
	return err == nil
}

func (d *daemons) logPath() string { return filepath.Join(d.dir, "daemons.log") }

func (d *daemons) String() string {
	out, _ := os.ReadFile(d.logPath())
	return string(out)
}

// start starts cmd with its stderr (and stdout, unless taken) in the log. The channel
// closes when it exits.
func (d *daemons) start(cmd *exec.Cmd, name string) (chan struct{}, error) {
	f, err := os.OpenFile(d.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fmt.Fprintf(f, "--- %s\n", name)
	if cmd.Stdout == nil {
		cmd.Stdout = f
	}
	cmd.Stderr = f
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
		d.once.Do(func() { close(d.exited) })
	}()
	d.cmds, d.waits = append(d.cmds, cmd), append(d.waits, exited)
	return exited, nil
}

// stop kills the daemons, the pulse server first, and waits for them.
func (d *daemons) stop() {
	for i := len(d.cmds) - 1; i >= 0; i-- {
		_ = d.cmds[i].Process.Kill()
		<-d.waits[i]
	}
}

// waitFor polls ready until it holds; a daemon that exits meanwhile, or a deadline, is an
// error with the daemons' output.
func (d *daemons) waitFor(name string, ready func() bool) error {
	deadline := time.Now().Add(30 * time.Second)
	for !ready() {
		select {
		case <-d.exited:
			return fmt.Errorf("waiting for %s, a daemon exited: %s", name, d)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s is not ready after 30 s: %s", name, d)
		}
		time.Sleep(50 * time.Millisecond) // poll interval, bounded by the deadline above
	}
	return nil
}
