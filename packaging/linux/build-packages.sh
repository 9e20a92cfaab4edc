#!/usr/bin/env bash
# build-packages.sh BIN VERSION OUTDIR: the .deb and .rpm of the Linux binary BIN.
# Stages the binary, desktop file, metainfo, man page and hicolor icons in a temp dir
# (nfpm takes fixed relative paths) and writes
#   OUTDIR/embeddable-tray_<pkgversion>_amd64.deb
#   OUTDIR/embeddable-tray-<pkgversion>-1.x86_64.rpm
# where <pkgversion> is `packaging/version.sh pkg VERSION`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:?usage: build-packages.sh BIN VERSION OUTDIR}
version=${2:?usage: build-packages.sh BIN VERSION OUTDIR}
out=${3:?usage: build-packages.sh BIN VERSION OUTDIR}
NFPM=${NFPM:-go run github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2}

[ -x "$bin" ] || { echo "build-packages.sh: $bin is not an executable (run make build)" >&2; exit 1; }
desktop-file-validate "$here/embeddable-tray.desktop"
appstreamcli validate --no-net --no-color "$here"/*.metainfo.xml >/dev/null ||
	{ appstreamcli validate --no-net "$here"/*.metainfo.xml; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/stage/icons" "$out"
cp "$here/nfpm.yaml" "$here/postinst.sh" "$here/postrm.sh" "$tmp/"
install -m 0755 "$bin" "$tmp/stage/embeddable-tray"
cp "$here/embeddable-tray.desktop" "$here"/*.metainfo.xml "$tmp/stage/"
gzip -9n <"$here/embeddable-tray.1" >"$tmp/stage/embeddable-tray.1.gz"
cp "$root"/assets/icons/app-*.png "$tmp/stage/icons/"

export PKG_VERSION
PKG_VERSION=$("$root/packaging/version.sh" pkg "$version")
out=$(cd "$out" && pwd)
deb="$out/embeddable-tray_${PKG_VERSION}_amd64.deb"
rpm="$out/embeddable-tray-${PKG_VERSION}-1.x86_64.rpm"
(cd "$tmp" && $NFPM package --config nfpm.yaml --packager deb --target "$deb" >/dev/null)
(cd "$tmp" && $NFPM package --config nfpm.yaml --packager rpm --target "$rpm" >/dev/null)
echo "$deb"
echo "$rpm"
