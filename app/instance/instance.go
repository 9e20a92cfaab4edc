// Package instance keeps the app to one running copy per user. The first
// launch listens on a unix socket in a directory only the user can enter; a
// later launch finds it, passes its arguments (a tel: link, say) to the
// running copy and exits, so the user gets the window they already have.
//
// AF_UNIX sockets work on Linux, macOS and Windows 10 1803+, so one
// implementation serves all three.
package instance

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// MaxMessage is the largest argument list, as JSON, that a later launch may
// pass on: enough for any links, small enough that nobody can make the
// running app buffer much.
const MaxMessage = 64 << 10

// ioTimeout bounds each exchange on the socket, so a stuck peer can neither
// hang a launch nor pin a goroutine of the running app.
const ioTimeout = 5 * time.Second

// socketName is the socket's file name inside the per-app directory.
const socketName = "instance.sock"

var (
	// ErrAlreadyRunning is returned by Acquire after it passed this launch's
	// arguments to the copy that is running: the caller should exit 0.
	ErrAlreadyRunning = errors.New("instance: the app is already running; passed the request to it")
	// ErrTooLarge is returned by Forward for an argument list over MaxMessage.
	ErrTooLarge = errors.New("instance: arguments too large to pass on")
)

// Dir is the directory that holds the socket of the app called name:
// $XDG_RUNTIME_DIR/name (per-user, cleared at logout) when set, else
// name under os.UserCacheDir() (LocalAppData on Windows,
// ~/Library/Caches on macOS).
func Dir(name string) (string, error) {
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return "", fmt.Errorf("instance: bad app name %q", name)
	}
	if rt := os.Getenv("XDG_RUNTIME_DIR"); rt != "" && filepath.IsAbs(rt) {
		return filepath.Join(rt, name), nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("instance: no directory for the socket: %w", err)
	}
	return filepath.Join(cache, name), nil
}

// socketPath makes (or checks) the private directory and returns the
// socket's path in it.
func socketPath(name string) (string, error) {
	dir, err := Dir(name)
	if err != nil {
		return "", err
	}
	if err := privateDir(dir); err != nil {
		return "", err
	}
	p := filepath.Join(dir, socketName)
	// sun_path holds 104 bytes on macOS, 108 on Linux, with the NUL.
	if len(p) >= 104 {
		return "", fmt.Errorf("instance: socket path %s is too long for a unix socket", p)
	}
	return p, nil
}

// Primary is the running copy's end: it receives the arguments of later
// launches.
type Primary struct {
	ln     net.Listener
	path   string
	reqs   chan []string
	closed chan struct{}
	once   sync.Once
	wg     sync.WaitGroup
}

// Acquire makes this process the app's one running copy. If another copy
// already runs, it passes os.Args[1:] to it with Forward and returns
// ErrAlreadyRunning. A socket left by a copy that crashed is removed and
// taken over.
func Acquire(name string) (*Primary, error) {
	return acquire(name, os.Args[1:])
}

func acquire(name string, args []string) (*Primary, error) {
	path, err := socketPath(name)
	if err != nil {
		return nil, err
	}
	// Serializes launches that start together, so two of them never both
	// find a stale socket and each take it over.
	unlock, err := lockDir(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	defer unlock()

	ln, err := net.Listen("unix", path)
	if err == nil {
		return serve(ln, path), nil
	}
	if _, statErr := os.Lstat(path); statErr != nil {
		return nil, fmt.Errorf("instance: listen on %s: %w", path, err)
	}

	// Someone's socket is there: hand the arguments over, or take it over
	// when nobody answers on it.
	err = forward(path, args)
	if errors.Is(err, ErrTooLarge) {
		// The running copy still comes to the front, without the arguments.
		if err2 := forward(path, nil); err2 == nil {
			return nil, fmt.Errorf("%w, without its arguments: %w", ErrAlreadyRunning, err)
		}
	}
	var de *dialError
	switch {
	case err == nil:
		return nil, ErrAlreadyRunning
	case errors.As(err, &de):
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("instance: remove stale socket: %w", err)
		}
		ln, err := net.Listen("unix", path)
		if err != nil {
			return nil, fmt.Errorf("instance: listen on %s: %w", path, err)
		}
		return serve(ln, path), nil
	default:
		return nil, fmt.Errorf("instance: a copy seems to run but did not take the request: %w", err)
	}
}

// dialError means nothing listens on the socket: it is stale.
type dialError struct{ err error }

func (e *dialError) Error() string { return "instance: connect: " + e.err.Error() }
func (e *dialError) Unwrap() error { return e.err }

// forward sends args as a JSON array, closes its side and waits for the
// running copy's "ok", so this launch exits only once the request arrived.
func forward(path string, args []string) error {
	if args == nil {
		args = []string{}
	}
	msg, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("instance: %w", err)
	}
	if len(msg) > MaxMessage {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(msg), MaxMessage)
	}
	c, err := net.DialTimeout("unix", path, ioTimeout)
	if err != nil {
		return &dialError{err}
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := c.Write(msg); err != nil {
		return fmt.Errorf("instance: send: %w", err)
	}
	if uc, ok := c.(*net.UnixConn); ok {
		if err := uc.CloseWrite(); err != nil {
			return fmt.Errorf("instance: send: %w", err)
		}
	}
	reply, err := bufio.NewReader(io.LimitReader(c, 256)).ReadString('\n')
	if err != nil {
		return fmt.Errorf("instance: no answer from the running copy: %w", err)
	}
	reply = strings.TrimSpace(reply)
	if reply != "ok" {
		return fmt.Errorf("instance: the running copy refused the request: %s", reply)
	}
	return nil
}

func serve(ln net.Listener, path string) *Primary {
	p := &Primary{ln: ln, path: path, reqs: make(chan []string, 8), closed: make(chan struct{})}
	p.wg.Add(1)
	go p.accept()
	return p
}

// Requests delivers the arguments of each later launch (possibly empty: a
// plain relaunch, which should bring the window up). It is closed by Close.
func (p *Primary) Requests() <-chan []string { return p.reqs }

// Path is the socket's path.
func (p *Primary) Path() string { return p.path }

// Close stops listening, removes the socket and closes Requests.
func (p *Primary) Close() error {
	var err error
	p.once.Do(func() {
		close(p.closed)
		err = p.ln.Close()
		p.wg.Wait()
		close(p.reqs)
	})
	return err
}

func (p *Primary) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			select {
			case <-p.closed:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.handle(c)
		}()
	}
}

// handle reads one request and answers "ok" once the app has it, or
// "error: ..." for anything it refuses.
func (p *Primary) handle(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(ioTimeout))
	args, err := readRequest(c)
	if err != nil {
		// Read what is left (bounded, and by the deadline) so the client
		// gets the answer instead of a connection reset.
		_, _ = io.Copy(io.Discard, io.LimitReader(c, 16*MaxMessage))
		fmt.Fprintf(c, "error: %v\n", err)
		return
	}
	timer := time.NewTimer(ioTimeout)
	defer timer.Stop()
	select {
	case p.reqs <- args:
		io.WriteString(c, "ok\n")
	case <-p.closed:
		io.WriteString(c, "error: the app is quitting\n")
	case <-timer.C:
		io.WriteString(c, "error: the app is busy\n")
	}
}

// readRequest reads a JSON array of strings of at most MaxMessage bytes.
func readRequest(r io.Reader) ([]string, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxMessage+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(data) > MaxMessage {
		return nil, fmt.Errorf("request over %d bytes", MaxMessage)
	}
	var args []string
	if err := json.Unmarshal(data, &args); err != nil {
		return nil, fmt.Errorf("not a JSON array of strings: %w", err)
	}
	if args == nil {
		return nil, errors.New("not a JSON array of strings: null")
	}
	return args, nil
}
