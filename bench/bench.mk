# make bench: embeddable-tray against Chromium --app on the same page, the bridge round
# trip, go test -bench figures and sizes; one table on stdout and in bench/out/results.md.
# Included by the root Makefile. BENCH_FLAGS passes flags to the driver, e.g.
#   make bench BENCH_FLAGS='-experiments'   (also measure each start-up/WebKit variant)
#   make bench BENCH_FLAGS='-runs 3 -gobench=false'
#   make bench BENCH_FLAGS='-call=false'   (skip the call rows; -calltime 20s and -bursts 10 tune them)
# The call rows start a private PulseAudio of their own (internal/pulsetest) and need the web
# phone from npm in e2e/webphone (scripts/deps.sh test runs npm ci there).
# With WIDGET_DIR (a build of the real widget, made by hand: see README.md, Performance) the
# table is the real widget's, served by e2e/rcplatform, e.g.
#   make bench WIDGET_DIR=/tmp/rcw-build BENCH_FLAGS='-runs 3 -hidden 1m -experiments'
BENCH_FLAGS ?=
WIDGET_DIR ?=

.PHONY: bench test-real

bench: build
	xvfb-run -a -s '-screen 0 1280x1024x24' dbus-run-session -- bench/session.sh \
		go run ./bench/cmd/bench -app $(BIN) $(if $(WIDGET_DIR),-widget $(WIDGET_DIR) -out bench/out/real.md,-out bench/out/results.md) $(BENCH_FLAGS)

## test-real: the end-to-end tests against a build of the real widget (WIDGET_DIR) on
## e2e/rcplatform; without WIDGET_DIR there is nothing to test against and it says so.
test-real: build
ifeq ($(WIDGET_DIR),)
	@echo 'test-real: skipped: set WIDGET_DIR to a build of the real widget (see README.md, Performance)'
else
	xvfb-run -a -s '-screen 0 1280x1024x24' dbus-run-session -- bench/session.sh \
		env WIDGET_DIR=$(abspath $(WIDGET_DIR)) EMBEDDABLE_TRAY_BIN=$(CURDIR)/$(BIN) \
		go test -tags realwidget -count=1 -v -timeout 20m ./e2e/rcplatform/
endif
