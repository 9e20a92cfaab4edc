#!/usr/bin/env bash
# info-plist.sh VERSION: print the bundle's Info.plist for VERSION (from Info.plist.in).
# CFBundleVersion gets the four-part build number, CFBundleShortVersionString the
# three-part marketing version, both from packaging/version.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=${1:?usage: info-plist.sh VERSION}
short=$("$here/../version.sh" short "$version")
full=$("$here/../version.sh" win "$version")
sed -e "s/@SHORT_VERSION@/$short/g" -e "s/@VERSION@/$full/g" "$here/Info.plist.in"
