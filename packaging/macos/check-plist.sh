#!/usr/bin/env bash
# check-plist.sh [Info.plist]: check that the bundle's Info.plist parses and carries every
# key the app relies on, with the right type and value (LSUIElement for a menu-bar app,
# tel/callto URL schemes, executable and icon names matching what bundle.sh writes).
# Without an argument it checks a freshly rendered one. Needs python3 (plistlib);
# on macOS `plutil -lint` runs as well.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
plist=${1:-}
if [ -z "$plist" ]; then
	plist=$tmp/Info.plist
	"$here/info-plist.sh" 1.2.3 >"$plist"
fi
if command -v plutil >/dev/null && [ "$(uname)" = Darwin ]; then
	plutil -lint "$plist"
fi
python3 - "$plist" <<'PY'
import plistlib, re, sys

path = sys.argv[1]
with open(path, "rb") as f:
    p = plistlib.load(f)

want = {
    "CFBundleIdentifier": (str, lambda v: re.fullmatch(r"[A-Za-z0-9.-]+", v) and v.count(".") >= 2),
    "CFBundleExecutable": (str, lambda v: v == "embeddable-tray"),
    "CFBundleIconFile": (str, lambda v: v == "embeddable-tray.icns"),
    "CFBundleName": (str, bool),
    "CFBundlePackageType": (str, lambda v: v == "APPL"),
    "CFBundleShortVersionString": (str, lambda v: re.fullmatch(r"\d+\.\d+\.\d+", v)),
    "CFBundleVersion": (str, lambda v: re.fullmatch(r"\d+(\.\d+){0,3}", v)),
    "LSUIElement": (bool, lambda v: v is True),
    "LSMinimumSystemVersion": (str, lambda v: re.fullmatch(r"\d+(\.\d+)*", v)),
    "NSHighResolutionCapable": (bool, lambda v: v is True),
    "CFBundleURLTypes": (list, bool),
}
errors = []
for key, (typ, ok) in want.items():
    if key not in p:
        errors.append(f"missing key {key}")
    elif not isinstance(p[key], typ):
        errors.append(f"{key}: want {typ.__name__}, got {type(p[key]).__name__}")
    elif not ok(p[key]):
        errors.append(f"{key}: unexpected value {p[key]!r}")

schemes = {s for t in p.get("CFBundleURLTypes", []) for s in t.get("CFBundleURLSchemes", [])}
for s in ("tel", "callto"):
    if s not in schemes:
        errors.append(f"CFBundleURLTypes: no {s} scheme (have {sorted(schemes)})")

if errors:
    print(f"{path}:", *errors, sep="\n  ", file=sys.stderr)
    sys.exit(1)
print(f"{path}: ok ({len(p)} keys, URL schemes {sorted(schemes)})")
PY
