#!/usr/bin/env bash
# version.sh MODE VERSION: turn the build version (git describe: v1.2.3, v1.2.3-4-gabc1234,
# abc1234-dirty, ...) into the forms the package formats accept, so one stamped version
# drives the binary, the .deb/.rpm, the Windows resources and the macOS bundle.
#   pkg  1.2.3, 1.2.3+4.gabc1234, 2.0.1~rc.1, 0.0.0+gabc1234.dirty  (deb and rpm: starts with a digit,
#        no '-', which deb reads as a revision and rpm forbids)
#   win  1.2.3.0 (four numbers: VERSIONINFO, MSI ProductVersion, CFBundleShortVersionString
#        uses the first three)
#   short 1.2.3
set -euo pipefail
mode=${1:?usage: version.sh pkg|win|short VERSION}
v=${2:-0.0.0-dev}
v=${v#v}

if [[ $v =~ ^([0-9]+(\.[0-9]+){0,3})(-(.*))?$ ]]; then
	core=${BASH_REMATCH[1]}
	rest=${BASH_REMATCH[4]:-}
else
	core=0.0.0
	rest=$v
fi
IFS=. read -r a b c d <<<"$core"
a=${a:-0} b=${b:-0} c=${c:-0} d=${d:-0}
rest=$(printf '%s' "$rest" | tr -c 'A-Za-z0-9.\n' '.' | sed 's/\.\.*/./g; s/^\.//; s/\.$//')

# A pre-release sorts before its release ('~' in deb and rpm); anything else after it ('+').
sep=+
[[ $rest =~ ^(rc|alpha|beta|pre) ]] && sep='~'

case "$mode" in
pkg) printf '%s.%s.%s%s\n' "$a" "$b" "$c" "${rest:+$sep$rest}" ;;
win) printf '%s.%s.%s.%s\n' "$a" "$b" "$c" "$d" ;;
short) printf '%s.%s.%s\n' "$a" "$b" "$c" ;;
*)
	echo "version.sh: unknown mode $mode (want pkg, win or short)" >&2
	exit 2
	;;
esac
