#!/usr/bin/env bash
# Runs inside xvfb-run + dbus-run-session: unlocks a real Secret Service
# (gnome-keyring) on this private session bus, then runs every test.
set -euo pipefail
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
eval "$(printf 'test-password' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL SSH_AUTH_SOCK 2>/dev/null || true
exec make --no-print-directory test-go
