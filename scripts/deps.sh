#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the app needs: "run" to build and run it,
# "test" for everything the test suite starts (Xvfb, D-Bus, a keyring, Radicale, a
# PulseAudio and a PipeWire server for the calling tests, the packaging tools, the web phones
# from npm).
# Skips apt when everything is already there.
set -euo pipefail
mode=${1:-run}

# libopus: the calling engine's Opus codec (libopus-dev to build, libopus0 to run).
run_pkgs=(pkg-config gcc g++ libgtk-3-dev libwebkit2gtk-4.1-dev libopus-dev libopus0)
test_pkgs=("${run_pkgs[@]}" xvfb xauth dbus dbus-x11 gnome-keyring libsecret-tools
  imagemagick xdotool radicale desktop-file-utils appstream
  nsis msitools wixl rpm mingw-w64 g++-mingw-w64-x86-64-posix gcc-mingw-w64-x86-64-posix
  icnsutils osslsigncode chromium nodejs libopusfile-dev
  pulseaudio pulseaudio-utils wine64)

case "$mode" in
  run) pkgs=("${run_pkgs[@]}") ;;
  test) pkgs=("${test_pkgs[@]}") ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "installing: ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi
command -v go >/dev/null || { echo "Go 1.26 or newer is needed: https://go.dev/doc/install" >&2; exit 1; }
if [ "$mode" = test ]; then
  # Debian's nodejs comes without npm, NodeSource's with it (and conflicts with Debian's npm)
  command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive $([ "$(id -u)" -eq 0 ] || echo sudo) apt-get install -y --no-install-recommends npm
  # the web phones the calling tests load (ringcentral-web-phone 0.8.14 on sip.js 0.13.5,
  # and 2.x), exactly as e2e/webphone/package-lock.json pins them
  (cd "$(dirname "$0")/../e2e/webphone" && npm ci --no-audit --no-fund)
fi
