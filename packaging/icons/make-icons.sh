#!/usr/bin/env bash
# make-icons.sh: regenerate every icon in assets/icons/ from the drawing below,
# so the icons are reproducible (no binary-only source) and can be restyled in one place.
#
# Needs ImageMagick 6 (`convert`). Usage: packaging/icons/make-icons.sh [OUTDIR]
# (default OUTDIR: assets/icons next to this repo's root). Output is byte-stable:
# metadata chunks (dates, software) are stripped so reruns do not dirty git.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/assets/icons}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ORANGE='#FF8800' # signed in (RingCentral-ish orange)
GREY='#7A7A7A'   # signed out: mid grey keeps white glyph legible on dark and light panels
MASTER=1024

# PNG writes without timestamps or tool names, so the files only change when the drawing does.
png_opts=(-strip -depth 8 -define png:exclude-chunks=date,time,tIME,tEXt,zTXt,iTXt -define png:color-type=6)

# master BG OUT: a rounded square in colour BG carrying a white phone-handset glyph.
# The glyph is drawn in a 24x24 unit space (quarter ring centred on (20,4) joining an
# earpiece and a mouthpiece pad) and scaled onto the middle 62% of the square.
master() {
	local bg=$1 dst=$2
	convert -size ${MASTER}x${MASTER} xc:none \
		-fill "$bg" -draw "roundrectangle 32,32 991,991 200,200" \
		-fill white -stroke none -draw "translate 172,212 scale 27.5,27.5 \
			path 'M 5.5 4 A 14.5 14.5 0 0 0 20 18.5 L 20 13 A 9 9 0 0 1 11 4 Z' \
			roundrectangle 3.5,2 11,7.5 1.6,1.6 \
			roundrectangle 16.5,13 22,20.5 1.6,1.6" \
		"${png_opts[@]}" "$dst"
}

# scale SRC SIZE DST: Lanczos downscale of the master, sharpened a little for small sizes.
scale() {
	convert "$1" -filter Lanczos -resize "${2}x${2}" -unsharp 0x0.6+0.6+0 "${png_opts[@]}" "$3"
}

master "$ORANGE" "$tmp/in.png"
master "$GREY" "$tmp/out.png"

for s in 16 22 24 32 48 64 128 256 512; do
	scale "$tmp/in.png" "$s" "$out/app-$s.png"
done

# Tray icons: 32 px PNG (GTK/AppIndicator scale it down to the panel), ICO with the
# sizes Windows picks from for the notification area at 100-200% DPI.
scale "$tmp/in.png" 32 "$out/tray-signed-in.png"
scale "$tmp/out.png" 32 "$out/tray-signed-out.png"

ico() { # ico SRC DST SIZES...
	local src=$1 dst=$2
	shift 2
	local parts=()
	for s in "$@"; do
		scale "$src" "$s" "$tmp/ico-$s.png"
		parts+=("$tmp/ico-$s.png")
	done
	convert "${parts[@]}" "$dst"
}
ico "$tmp/in.png" "$out/tray-signed-in.ico" 16 20 24 32 48
ico "$tmp/out.png" "$out/tray-signed-out.ico" 16 20 24 32 48
ico "$tmp/in.png" "$out/app.ico" 16 24 32 48 64 128 256

echo "icons written to $out"
