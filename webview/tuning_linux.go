package webview

/*
#cgo linux pkg-config: gtk+-3.0 webkit2gtk-4.0
#include "tuning_linux.h"
*/
import "C"

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
)

// Tuning is what the app does to WebKit to use less memory (see README.md, Performance, for
// what each setting bought on the real widget). The shipped values are DefaultTuning; the
// environment variable EMBEDDABLE_TRAY_TUNING changes them for measuring (make bench):
//
//	EMBEDDABLE_TRAY_TUNING=none                       nothing of the below
//	EMBEDDABLE_TRAY_TUNING=web-mp=200:0.33:0.5:30     web process memory pressure: limit MB:conservative:strict:poll s
//	EMBEDDABLE_TRAY_TUNING=net-mp=64                  network process memory limit, MB
//	EMBEDDABLE_TRAY_TUNING=cache=viewer|browser       WebKit's cache model
//	EMBEDDABLE_TRAY_TUNING=release=60                 drop WebKit's memory cache after 60 s hidden
//	EMBEDDABLE_TRAY_TUNING=jit=off|on                 JavaScriptCore's JIT compilers in the web process
//
// Settings are comma-separated and apply on top of DefaultTuning ("none," first to start
// from nothing).
type Tuning struct {
	WebMemoryLimitMB   uint // 0: WebKit's default (the size of the RAM)
	WebConservative    float64
	WebStrict          float64
	WebPollSeconds     float64
	NetworkMemoryLimit uint // MB; 0: WebKit's default
	CacheModel         int  // WebKitCacheModel, -1: WebKit's default
	ReleaseAfter       uint // seconds hidden; 0: never
	// NoJIT runs the page's JavaScript in JavaScriptCore's interpreter only (JSC_useJIT=0 in
	// the environment the web process inherits; a JSC_useJIT set by the user wins).
	NoJIT bool
}

// WebKit's cache models (WebKitCacheModel).
const (
	cacheDefault        = -1
	cacheDocumentViewer = 0
	cacheWebBrowser     = 1
)

// DefaultTuning is what the app ships with: WebKit as it comes. Running the page's
// JavaScript without JavaScriptCore's JIT (jit=off) held about 120 MiB less right after the
// real widget's login, but in the final same-run comparison it did not hold less at rest
// and made cold and warm starts 1.5-1.8x slower (README.md, Performance): it did not pay,
// so it stays a setting for measuring.
var DefaultTuning = Tuning{CacheModel: cacheDefault}

// noTuning is WebKit as it comes.
var noTuning = Tuning{CacheModel: cacheDefault}

// ParseTuning applies spec (EMBEDDABLE_TRAY_TUNING's syntax) to base.
func ParseTuning(base Tuning, spec string) (Tuning, error) {
	t := base
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		key, val, _ := strings.Cut(item, "=")
		var err error
		switch key {
		case "none":
			t = noTuning
		case "web-mp":
			f := strings.Split(val, ":")
			if len(f) != 4 {
				return base, fmt.Errorf("tuning %q: want web-mp=LIMIT_MB:CONSERVATIVE:STRICT:POLL_S", item)
			}
			var lim uint64
			if lim, err = strconv.ParseUint(f[0], 10, 32); err == nil {
				t.WebMemoryLimitMB = uint(lim)
				if t.WebConservative, err = strconv.ParseFloat(f[1], 64); err == nil {
					if t.WebStrict, err = strconv.ParseFloat(f[2], 64); err == nil {
						t.WebPollSeconds, err = strconv.ParseFloat(f[3], 64)
					}
				}
			}
			if err == nil && !(t.WebConservative > 0 && t.WebConservative < t.WebStrict && t.WebStrict < 1 && t.WebPollSeconds > 0) {
				err = fmt.Errorf("want 0 < conservative < strict < 1 and a poll interval > 0")
			}
		case "net-mp":
			var lim uint64
			lim, err = strconv.ParseUint(val, 10, 32)
			t.NetworkMemoryLimit = uint(lim)
		case "cache":
			switch val {
			case "viewer":
				t.CacheModel = cacheDocumentViewer
			case "browser":
				t.CacheModel = cacheWebBrowser
			case "default":
				t.CacheModel = cacheDefault
			default:
				err = fmt.Errorf("want viewer, browser or default")
			}
		case "jit":
			switch val {
			case "off":
				t.NoJIT = true
			case "on":
				t.NoJIT = false
			default:
				err = fmt.Errorf("want off or on")
			}
		case "release":
			var s uint64
			s, err = strconv.ParseUint(val, 10, 32)
			t.ReleaseAfter = uint(s)
		default:
			err = fmt.Errorf("unknown setting")
		}
		if err != nil {
			return base, fmt.Errorf("EMBEDDABLE_TRAY_TUNING: %q: %w", item, err)
		}
	}
	return t, nil
}

// tuningReleases counts the releases done when hidden, for tests.
var tuningReleases atomic.Int64

//export etTuningReleased
func etTuningReleased() {
	tuningReleases.Add(1)
	slog.Debug("hidden a while: WebKit's memory cache released")
}

func init() {
	t, err := ParseTuning(DefaultTuning, os.Getenv("EMBEDDABLE_TRAY_TUNING"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "embeddable-tray:", err, "(using the default tuning)")
		t = DefaultTuning
	}
	setTuning(t)
	tuneEnvironment(t)
}

// jscEnvSet says tuneEnvironment put JSC_useJIT in the environment (and nothing has taken it
// back yet).
var jscEnvSet atomic.Bool

// tuneEnvironment sets the JavaScriptCore options of t in the environment, which web
// processes started later inherit (JSC reads its options from JSC_* variables). A value the
// user set wins.
func tuneEnvironment(t Tuning) {
	if _, set := os.LookupEnv("JSC_useJIT"); t.NoJIT && !set {
		os.Setenv("JSC_useJIT", "0")
		jscEnvSet.Store(true)
	}
}

// untuneEnvironment takes back what tuneEnvironment set, once the main view's web process
// runs: what the app starts later (a browser for a sign-in, xdg-open) must not inherit it.
func untuneEnvironment() {
	if jscEnvSet.Swap(false) {
		os.Unsetenv("JSC_useJIT")
	}
}

//export etTuningWebProcessStarted
func etTuningWebProcessStarted() { untuneEnvironment() }

// setTuning hands t to the C side; it applies from the next window made.
func setTuning(t Tuning) {
	C.et_tuning_set(C.EtTuning{
		web_memory_limit_mb:     C.guint(t.WebMemoryLimitMB),
		web_conservative:        C.double(t.WebConservative),
		web_strict:              C.double(t.WebStrict),
		web_poll_seconds:        C.double(t.WebPollSeconds),
		network_memory_limit_mb: C.guint(t.NetworkMemoryLimit),
		cache_model:             C.int(t.CacheModel),
		release_after_seconds:   C.guint(t.ReleaseAfter),
	})
}
