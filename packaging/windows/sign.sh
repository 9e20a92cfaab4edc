#!/usr/bin/env bash
# sign.sh FILE...: Authenticode-sign Windows exe/msi files in place with osslsigncode.
#
# The certificate comes from the environment, never from the repo:
#   SIGN_CERT + SIGN_KEY      PEM (or DER/SPC) certificate chain and private key files
#   SIGN_PFX [+ SIGN_PASS]    a PKCS#12 bundle and its password
#   SIGN_TIMESTAMP_URL        optional RFC 3161 timestamp server (needs network)
# With none of them set the files stay unsigned and the script says so (exit 0), so
# `make package` works without a certificate; SIGN_REQUIRED=1 turns that into an error.
# The password is passed via a file descriptor-backed temp file, never on the command line.
set -euo pipefail
(($#)) || { echo "usage: sign.sh FILE..." >&2; exit 2; }

args=()
if [ -n "${SIGN_PFX:-}" ]; then
	args=(-pkcs12 "$SIGN_PFX")
elif [ -n "${SIGN_CERT:-}" ] && [ -n "${SIGN_KEY:-}" ]; then
	args=(-certs "$SIGN_CERT" -key "$SIGN_KEY")
else
	if [ "${SIGN_REQUIRED:-}" = 1 ]; then
		echo "sign.sh: SIGN_REQUIRED=1 but neither SIGN_PFX nor SIGN_CERT+SIGN_KEY is set" >&2
		exit 1
	fi
	echo "sign.sh: no certificate (SIGN_PFX or SIGN_CERT+SIGN_KEY): leaving $* unsigned" >&2
	exit 0
fi
command -v osslsigncode >/dev/null || { echo "sign.sh: osslsigncode missing (apt-get install osslsigncode)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -n "${SIGN_PASS:-}" ]; then
	(umask 077 && printf '%s' "$SIGN_PASS" >"$tmp/pass")
	args+=(-readpass "$tmp/pass")
fi
[ -z "${SIGN_TIMESTAMP_URL:-}" ] || args+=(-ts "$SIGN_TIMESTAMP_URL")

for f in "$@"; do
	osslsigncode sign "${args[@]}" -h sha256 -n "Embeddable Tray" \
		-i https://github.com/embeddable-tray/embeddable-tray \
		-in "$f" -out "$tmp/signed" >/dev/null
	# Keep the file's own mode; only the content changes. osslsigncode will not
	# overwrite an existing output, so the temp file goes before the next one.
	cat "$tmp/signed" >"$f"
	rm -f "$tmp/signed"
	echo "signed $f"
done
