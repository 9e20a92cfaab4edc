# make bench: embeddable-tray against Chromium --app on the same page, the bridge round
# trip, go test -bench figures and sizes; one table on stdout and in bench/out/results.md.
# Included by the root Makefile. BENCH_FLAGS passes flags to the driver, e.g.
#   make bench BENCH_FLAGS='-experiments'   (also measure each start-up/WebKit variant)
#   make bench BENCH_FLAGS='-runs 3 -gobench=false'
BENCH_FLAGS ?=

.PHONY: bench

## bench: measure against Chromium --app under Xvfb and a private D-Bus session.
bench: build
	xvfb-run -a -s '-screen 0 1280x1024x24' dbus-run-session -- bench/session.sh \
		go run ./bench/cmd/bench -app $(BIN) -out bench/out/results.md $(BENCH_FLAGS)
