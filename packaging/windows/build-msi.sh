#!/usr/bin/env bash
# build-msi.sh VERSION EXE OUT.msi: the per-user MSI (embeddable-tray.wxs) with wixl.
# wixl resolves File/Icon sources relative to the .wxs and rejects absolute paths, so
# the .wxs, the exe and the icon are staged together in a temp dir.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
version=${1:?usage: build-msi.sh VERSION EXE OUT.msi}
exe=${2:?usage: build-msi.sh VERSION EXE OUT.msi}
out=${3:?usage: build-msi.sh VERSION EXE OUT.msi}
command -v wixl >/dev/null || { echo "build-msi.sh: wixl missing (apt-get install wixl)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$here/embeddable-tray.wxs" "$tmp/"
cp "$exe" "$tmp/embeddable-tray.exe"
cp "$root/assets/icons/app.ico" "$tmp/app.ico"
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
(cd "$tmp" && wixl -a x64 -D Version="$("$root/packaging/version.sh" win "$version")" -o "$out" embeddable-tray.wxs)
echo "$out"
