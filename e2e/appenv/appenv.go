// Package appenv gives one run of the embeddable-tray binary directories of its own: a fresh
// HOME and XDG directories, the environment pointing at them, and its config file there.
//
// The end-to-end tests (e2e/apptest) and the bench command both start the real app this way,
// so that a run sees no localStorage, WebKit cache, autostart entry or single-instance socket
// of another run.
package appenv

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/embeddable-tray/embeddable-tray/app/config"
)

// Dirs is one run's directories, all under Root.
type Dirs struct {
	Root, Home, ConfigHome, DataHome, CacheHome, RuntimeDir string
}

// New makes fresh directories under a new temporary root named prefix*. The root is short on
// purpose: the single-instance socket lives in RuntimeDir, and a Unix socket path must stay
// under 108 bytes. The caller removes Root when done.
func New(prefix string) (Dirs, error) {
	root, err := os.MkdirTemp("", prefix)
	if err != nil {
		return Dirs{}, fmt.Errorf("appenv: %w", err)
	}
	d := Dirs{
		Root:       root,
		Home:       filepath.Join(root, "home"),
		ConfigHome: filepath.Join(root, "config"),
		DataHome:   filepath.Join(root, "data"),
		CacheHome:  filepath.Join(root, "cache"),
		RuntimeDir: filepath.Join(root, "run"),
	}
	for _, p := range []string{d.Home, d.ConfigHome, d.DataHome, d.CacheHome, d.RuntimeDir} {
		if err := os.MkdirAll(p, 0o700); err != nil {
			_ = os.RemoveAll(root)
			return Dirs{}, fmt.Errorf("appenv: %w", err)
		}
	}
	return d, nil
}

// Environ is this process's environment with HOME and the XDG directories replaced by d's;
// DISPLAY, the session bus, PATH and the rest are inherited.
func (d Dirs) Environ() []string {
	set := map[string]string{
		"HOME": d.Home, "XDG_CONFIG_HOME": d.ConfigHome, "XDG_DATA_HOME": d.DataHome,
		"XDG_CACHE_HOME": d.CacheHome, "XDG_RUNTIME_DIR": d.RuntimeDir,
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := set[k]; !ok {
			env = append(env, kv)
		}
	}
	for k, v := range set {
		env = append(env, k+"="+v)
	}
	return env
}

// WriteConfig writes cfg as the app's JSON config file (Root/config.json) and returns its
// path, for --config. It is written with app/config's own types, so it says exactly what the
// app will read.
func (d Dirs) WriteConfig(cfg config.Config) (string, error) {
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return "", fmt.Errorf("appenv: config: %w", err)
	}
	path := filepath.Join(d.Root, "config.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return "", fmt.Errorf("appenv: %w", err)
	}
	return path, nil
}
