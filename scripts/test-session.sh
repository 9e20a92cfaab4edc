#!/usr/bin/env bash
# Runs inside xvfb-run + dbus-run-session: starts a real Secret Service (gnome-keyring)
# on this private session bus with a keyring of its own, then runs every test.
set -euo pipefail
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
# A keyring directory of this run's own: an existing login keyring with another password
# would make gnome-keyring ask for it in a prompt that nobody can answer under Xvfb.
keyrings=$(mktemp -d)
trap 'rm -rf "$keyrings"' EXIT
export XDG_DATA_HOME=$keyrings
eval "$(printf 'test-password' | gnome-keyring-daemon --unlock --components=secrets)"
make --no-print-directory test-go
