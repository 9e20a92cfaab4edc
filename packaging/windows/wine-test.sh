#!/usr/bin/env bash
# wine-test.sh PKG:CGO:SKIP...: cross-compile the test binary of each Go package for Windows
# and run it under Wine (Debian's wine64), in Xvfb (Wine needs a display for windows and
# notification-area icons) with a Wine prefix of its own.
#
#   PKG   the package directory (./app/instance)
#   CGO   0 for pure Go, 1 for packages that need webview_go (built with mingw-w64, as the exe)
#   SKIP  a -test.skip pattern for the tests Wine cannot run ("" for none); the Makefile says why
#
# Wine missing: a skip on a developer's machine, a failure under CI (as internal/realpart does).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

ci() { case "${CI:-}" in "" | 0 | false) return 1 ;; esac; }

wine=${WINE:-}
for c in /usr/lib/wine/wine64 wine64 wine; do
	[ -n "$wine" ] && break
	command -v "$c" >/dev/null 2>&1 && wine=$(command -v "$c")
done
if [ -z "$wine" ]; then
	msg="wine-test.sh: wine64 is missing, the Windows tests cannot run (apt-get install wine64, or scripts/deps.sh test)"
	if ci; then echo "$msg" >&2; exit 1; fi
	echo "$msg: skipped" >&2
	exit 0
fi
wineserver=$(dirname "$wine")/wineserver
[ -x "$wineserver" ] || wineserver=$(command -v wineserver || true)

# One display for the whole run.
if [ -z "${DISPLAY:-}" ]; then
	exec xvfb-run -a -s '-screen 0 1280x1024x24' "$0" "$@"
fi

work=$(mktemp -d)
export WINEPREFIX=$work/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
cleanup() {
	[ -n "$wineserver" ] && "$wineserver" -k >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

# Go 1.24 and later get their random numbers from ProcessPrng in bcryptprimitives.dll, which
# Wine 8 lacks: a small stand-in of our own (wine/bcryptprimitives.c) goes into the prefix.
mkdir -p "$work/dll"
x86_64-w64-mingw32-gcc -shared -O2 -o "$work/dll/bcryptprimitives.dll" \
	"$here/wine/bcryptprimitives.c" "$here/wine/bcryptprimitives.def" -lbcrypt
echo "wine-test.sh: starting a Wine prefix (the first start takes a while)"
"$wine" cmd /c exit >/dev/null 2>&1 || true
cp "$work/dll/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"

webview2_include=$(cd "$root" && go mod download github.com/webview/webview_go && go list -m -f '{{.Dir}}' github.com/webview/webview_go)/libs/mswebview2/include

failed=()
for spec in "$@"; do
	IFS=: read -r pkg cgo skip <<<"$spec"
	name=$(echo "$pkg" | tr '/.' '__')
	exe="$work/$name.test.exe"
	if [ "$cgo" = 1 ]; then
		(cd "$root" && env GOOS=windows GOARCH=amd64 CGO_ENABLED=1 \
			CC=x86_64-w64-mingw32-gcc-posix CXX=x86_64-w64-mingw32-g++-posix \
			CGO_CFLAGS="-I$here/include -I$webview2_include" CGO_CXXFLAGS="-I$here/include" \
			go test -c -o "$exe" "$pkg")
	else
		(cd "$root" && env GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go test -c -o "$exe" "$pkg")
	fi
	args=(-test.v -test.count=1 -test.timeout=10m)
	[ -n "$skip" ] && args+=(-test.skip "$skip")
	echo "=== wine: $pkg ${skip:+(skipping $skip)}"
	# The binary runs in its package directory, as go test runs it (testdata, ...).
	if (cd "$root/$pkg" && "$wine" "$exe" "${args[@]}") >"$work/$name.log" 2>&1; then
		grep -E '^(--- |ok|PASS)' "$work/$name.log" || true
		echo "=== wine: $pkg: PASS"
	else
		cat "$work/$name.log"
		echo "=== wine: $pkg: FAIL"
		failed+=("$pkg")
	fi
done
if ((${#failed[@]})); then
	echo "wine-test.sh: failed under Wine: ${failed[*]}" >&2
	exit 1
fi
echo "wine-test.sh: every Windows test binary passed under Wine ($*)"
