#!/usr/bin/env bash
# bundle.sh BIN VERSION OUTDIR: assemble "OUTDIR/Embeddable Tray.app" around the macOS
# binary BIN, and on macOS also OUTDIR/embeddable-tray-<version>.dmg.
#
#   Embeddable Tray.app/Contents/Info.plist            (info-plist.sh, checked by check-plist.sh)
#   Embeddable Tray.app/Contents/PkgInfo
#   Embeddable Tray.app/Contents/MacOS/embeddable-tray (BIN)
#   Embeddable Tray.app/Contents/Resources/embeddable-tray.icns
#
# The .icns comes from assets/icons with png2icns (icnsutils) where it exists, else with
# iconutil (macOS). The .dmg needs hdiutil (macOS only); elsewhere it is skipped with a
# note. On macOS the bundle is ad-hoc signed (codesign -s -) so it launches on Apple
# silicon; a Developer ID signature and notarization are a release step, not done here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:?usage: bundle.sh BIN VERSION OUTDIR}
version=${2:?usage: bundle.sh BIN VERSION OUTDIR}
out=${3:?usage: bundle.sh BIN VERSION OUTDIR}
icons=$root/assets/icons

app="$out/Embeddable Tray.app"
rm -rf "$app"
mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources"
install -m 0755 "$bin" "$app/Contents/MacOS/embeddable-tray"
"$here/info-plist.sh" "$version" >"$app/Contents/Info.plist"
printf 'APPL????' >"$app/Contents/PkgInfo"
"$here/check-plist.sh" "$app/Contents/Info.plist" >/dev/null

icns="$app/Contents/Resources/embeddable-tray.icns"
if command -v png2icns >/dev/null; then
	png2icns "$icns" "$icons"/app-{16,32,48,128,256,512}.png >/dev/null
elif command -v iconutil >/dev/null; then
	set_dir=$(mktemp -d)/embeddable-tray.iconset
	mkdir -p "$set_dir"
	for s in 16 32 128 256 512; do
		cp "$icons/app-$s.png" "$set_dir/icon_${s}x${s}.png"
	done
	cp "$icons/app-32.png" "$set_dir/icon_16x16@2x.png"
	cp "$icons/app-64.png" "$set_dir/icon_32x32@2x.png"
	cp "$icons/app-256.png" "$set_dir/icon_128x128@2x.png"
	cp "$icons/app-512.png" "$set_dir/icon_256x256@2x.png"
	iconutil -c icns -o "$icns" "$set_dir"
	rm -rf "$(dirname "$set_dir")"
else
	echo "bundle.sh: need png2icns (apt-get install icnsutils) or iconutil (macOS)" >&2
	exit 1
fi

if command -v codesign >/dev/null; then
	codesign --force --deep --sign - "$app"
fi
echo "$app"

if command -v hdiutil >/dev/null; then
	dmg="$out/embeddable-tray-$("$root/packaging/version.sh" pkg "$version").dmg"
	stage=$(mktemp -d)
	cp -R "$app" "$stage/"
	ln -s /Applications "$stage/Applications"
	rm -f "$dmg"
	hdiutil create -quiet -volname "Embeddable Tray" -srcfolder "$stage" -ov -format UDZO "$dmg"
	rm -rf "$stage"
	echo "$dmg"
else
	echo "bundle.sh: no hdiutil (not macOS): .dmg skipped" >&2
fi
