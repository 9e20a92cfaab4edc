package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/embeddable-tray/embeddable-tray/bench/procmem"
)

func cpuProc(pid int, name string, cpu time.Duration, cmdline ...string) procmem.ProcCPU {
	return procmem.ProcCPU{Proc: procmem.Proc{PID: pid, Name: name}, CPU: cpu, Cmdline: cmdline}
}

func TestRole(t *testing.T) {
	for _, tt := range []struct {
		name string
		p    procmem.ProcCPU
		root bool
		want string
	}{
		{"the root is the main process", cpuProc(1, "chromium", 0, "/usr/lib/chromium/chromium", "--type=renderer"), true, roleMain},
		{"WebKit's web process (its name cut to 15 characters)", cpuProc(2, "WebKitWebProces", 0, "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/WebKitWebProcess", "7"), false, rolePage},
		{"WebKit's network process", cpuProc(3, "WebKitNetworkPr", 0, "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/WebKitNetworkProcess"), false, roleOther},
		{"a renderer, arguments apart", cpuProc(4, "chromium", 0, "/usr/lib/chromium/chromium", "--type=renderer", "--lang=en-US"), false, rolePage},
		{"a renderer, command line rewritten as one string", cpuProc(5, "chromium", 0, "/usr/lib/chromium/chromium --type=renderer --lang=en-US", ""), false, rolePage},
		{"the audio service", cpuProc(6, "chromium", 0, "/usr/lib/chromium/chromium --type=utility --utility-sub-type=audio.mojom.AudioService --lang=en-US"), false, roleAudio},
		{"the network service", cpuProc(7, "chromium", 0, "/usr/lib/chromium/chromium --type=utility --utility-sub-type=network.mojom.NetworkService"), false, roleOther},
		{"the GPU process", cpuProc(8, "chromium", 0, "/usr/lib/chromium/chromium", "--type=gpu-process"), false, roleOther},
		{"a zygote", cpuProc(9, "chromium", 0, "/usr/lib/chromium/chromium", "--type=zygote"), false, roleOther},
	} {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, role(tt.p, tt.root)) })
	}
}

func TestCPUDelta(t *testing.T) {
	before := []procmem.ProcCPU{
		cpuProc(10, "chromium", 2*time.Second, "chromium"),
		cpuProc(11, "chromium", 5*time.Second, "chromium --type=renderer"),
		cpuProc(12, "chromium", 1*time.Second, "chromium --type=gpu-process"), // ends in the window
	}
	after := []procmem.ProcCPU{
		cpuProc(10, "chromium", 2500*time.Millisecond, "chromium"),
		cpuProc(11, "chromium", 5200*time.Millisecond, "chromium --type=renderer"),
		cpuProc(13, "chromium", 300*time.Millisecond, "chromium --type=utility --utility-sub-type=audio.mojom.AudioService"), // started in the window
	}
	w := cpuDelta(before, after, 20*time.Second)
	assert.Equal(t, 500*time.Millisecond, w.roles[roleMain])
	assert.Equal(t, 200*time.Millisecond, w.roles[rolePage])
	assert.Equal(t, 300*time.Millisecond, w.roles[roleAudio], "a process that started in the window counts from zero")
	assert.Equal(t, time.Duration(0), w.roles[roleOther], "an ended process is not counted")
	assert.Equal(t, time.Second, w.total())
	assert.Equal(t, "chromium[main] 0.50s, chromium[page] 0.20s, chromium[audio] 0.30s", w.text())
}

func TestPercentile(t *testing.T) {
	ms := func(xs ...int) []time.Duration {
		out := make([]time.Duration, len(xs))
		for i, x := range xs {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	for _, tt := range []struct {
		xs   []time.Duration
		p    float64
		want time.Duration
	}{
		{nil, 50, 0},
		{ms(7), 90, 7 * time.Millisecond},
		{ms(50, 10, 40, 20, 30), 50, 30 * time.Millisecond},
		{ms(50, 10, 40, 20, 30), 90, 50 * time.Millisecond},
		{ms(10, 20, 30, 40, 50, 60, 70, 80, 90, 100), 90, 90 * time.Millisecond},
		{ms(10, 20, 30, 40, 50, 60, 70, 80, 90, 100), 50, 50 * time.Millisecond},
		{ms(10, 20, 30, 40, 50, 60, 70, 80, 90, 100), 100, 100 * time.Millisecond},
	} {
		assert.Equal(t, tt.want, percentile(tt.xs, tt.p), "p%v of %v", tt.p, tt.xs)
	}
}
