#!/usr/bin/env bash
# Runs inside xvfb-run + dbus-run-session: unlocks a Secret Service (gnome-keyring) on this
# private bus when it is installed, as a desktop session has one, then runs "$@". The keyring
# lives in a temporary directory: the bench never touches the user's own keyrings.
set -euo pipefail
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
if command -v gnome-keyring-daemon >/dev/null; then
	keyrings=$(mktemp -d)
	trap 'rm -rf "$keyrings"' EXIT
	eval "$(printf 'bench-password' | XDG_DATA_HOME=$keyrings gnome-keyring-daemon --unlock --components=secrets)"
	export GNOME_KEYRING_CONTROL 2>/dev/null || true
fi
"$@"
