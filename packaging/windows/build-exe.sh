#!/usr/bin/env bash
# build-exe.sh VERSION OUT.exe [PKGDIR]: cross-compile the Windows app from Linux with cgo
# (mingw-w64, posix threads) and give it an icon, version info and a manifest.
#
# Resources: `go-winres patch` writes them into the finished exe instead of `go-winres make`
# dropping rsrc_windows_*.syso files into the main package. A .syso in the repo root
# would be picked up by every other `GOOS=windows go build` of the tree (including other
# people's builds running concurrently), would hold a stale version unless regenerated
# on each build, and would be a binary blob in git. Patching the output touches nothing
# in the source tree and stamps the exact version of this build.
#
# PKGDIR (default: the repo root) is the main package to build; `go build -C` runs there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
version=${1:?usage: build-exe.sh VERSION OUT.exe [PKGDIR]}
out=${2:?usage: build-exe.sh VERSION OUT.exe [PKGDIR]}
pkgdir=${3:-$root}
WINRES=${WINRES:-go run github.com/tc-hib/go-winres@v0.3.3}

for tool in x86_64-w64-mingw32-gcc-posix x86_64-w64-mingw32-g++-posix; do
	command -v "$tool" >/dev/null || { echo "build-exe.sh: $tool missing (apt-get install mingw-w64 g++-mingw-w64-x86-64-posix)" >&2; exit 1; }
done

winver=$("$root/packaging/version.sh" win "$version")
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
# go build leaves an output whose build ID is current untouched, even when it has since
# been patched or signed; start from scratch so patch and sign see a fresh exe.
rm -f "$out"

# webview_go includes <EventToken.h>; mingw ships eventtoken.h (see include/EventToken.h).
# Its cgo LDFLAGS link libstdc++ and winpthread statically, so the exe needs no mingw DLLs.
# The package webview's own WebView2 handlers (webview/webview2_windows.c) use the WebView2.h
# that webview_go vendors; cgo cannot name another module's directory, so it is passed here.
webview_go=$(cd "$pkgdir" && go mod download github.com/webview/webview_go 2>/dev/null && go list -m -f '{{.Dir}}' github.com/webview/webview_go 2>/dev/null || true)
webview2_include=${webview_go:+$webview_go/libs/mswebview2/include}
env CGO_ENABLED=1 GOOS=windows GOARCH=amd64 \
	CC=x86_64-w64-mingw32-gcc-posix CXX=x86_64-w64-mingw32-g++-posix \
	CGO_CFLAGS="-I$here/include ${webview2_include:+-I$webview2_include} ${CGO_CFLAGS:-}" \
	CGO_CXXFLAGS="-I$here/include ${CGO_CXXFLAGS:-}" \
	go build -C "$pkgdir" -trimpath -ldflags "-s -w -H windowsgui -X main.version=$version" -o "$out" .

# go-winres resolves the icon paths relative to winres.json.
(cd "$here" && $WINRES patch --in winres/winres.json --no-backup --delete \
	--file-version "$winver" --product-version "$winver" "$out")

# A mingw runtime DLL import would make the exe fail to start on a clean Windows.
if x86_64-w64-mingw32-objdump -p "$out" | grep -iE 'DLL Name: (libstdc\+\+|libgcc|libwinpthread)'; then
	echo "build-exe.sh: $out imports mingw runtime DLLs; it must link them statically" >&2
	exit 1
fi
echo "$out"
