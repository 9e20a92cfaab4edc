#!/usr/bin/env bash
# test-cert.sh DIR: make a throwaway self-signed code-signing certificate for CI in DIR
# (created if needed; use a temp dir and delete it afterwards). Prints the env vars that
# sign.sh and `osslsigncode verify -CAfile` need, ready for `eval`:
#   SIGN_CERT=DIR/cert.pem SIGN_KEY=DIR/key.pem SIGN_CA=DIR/cert.pem
# The key never leaves DIR; nothing here is a real identity.
set -euo pipefail
dir=${1:?usage: test-cert.sh DIR}
mkdir -p "$dir"
(umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
	-subj "/CN=Embeddable Tray CI test signing/O=Embeddable Tray (test)" \
	-addext "keyUsage=critical,digitalSignature" \
	-addext "extendedKeyUsage=codeSigning" \
	-addext "basicConstraints=critical,CA:FALSE" \
	-keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null)
printf 'SIGN_CERT=%q\nSIGN_KEY=%q\nSIGN_CA=%q\n' "$dir/cert.pem" "$dir/key.pem" "$dir/cert.pem"
