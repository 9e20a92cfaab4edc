#!/usr/bin/env bash
# check.sh VERSION DEB RPM EXE SETUP MSI: check the built packages (make package-check).
#   deb      dpkg -i on this machine; the installed binary answers --version with VERSION;
#            desktop file, metainfo, man page and hicolor icons are where menus expect
#            them; dpkg --purge leaves no file and no cache entry behind
#   rpm      rpm -qpl lists exactly the expected files, rpm -qpR the GTK/WebKit deps
#   windows  signs copies of the exe, installer and msi with a throwaway certificate and
#            verifies them with osslsigncode; msiinfo lists the msi's tables and files
#   macos    Info.plist check, and bundle.sh's .app layout and .icns
# Everything temporary lives in one temp dir, removed on exit; a half-done deb install
# is purged on exit too. A missing tool or no root skips that part with the reason,
# except in CI (CI=true), where it fails: CI must check everything.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
(($# == 6)) || { echo "usage: check.sh VERSION DEB RPM EXE SETUP MSI" >&2; exit 2; }
version=$1 deb=$2 rpm=$3 exe=$4 setup=$5 msi=$6

tmp=$(mktemp -d)
installed=""
cleanup() {
	if [ -n "$installed" ]; then
		echo "check.sh: purging the test install of embeddable-tray" >&2
		$sudo dpkg --purge embeddable-tray >/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

failures=0
pass() { printf 'ok    %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*" >&2; failures=$((failures + 1)); }
# skip REASON: fine locally, a failure in CI.
skip() {
	if [ "${CI:-}" = true ]; then
		fail "$* (CI=true: nothing may be skipped)"
	else
		printf 'skip  %s\n' "$*"
	fi
}
need() { # need TOOL...: true when all exist, else skip (or fail in CI) naming the first missing
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || { skip "$section: $t not installed"; return 1; }
	done
}
# has PATTERN CMD...: CMD's output matches PATTERN. Output is captured first: with pipefail,
# `cmd | grep -q` fails whenever grep exits early and cmd dies of SIGPIPE.
has() {
	local pattern=$1 out
	shift
	out=$("$@" 2>/dev/null) || true
	grep -q -- "$pattern" <<<"$out"
}
file_ok() { [ -f "$1" ] || { fail "$section: $1 not built (run make package)"; return 1; }; }

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; else sudo=none; fi
fi

icon_sizes=(16 22 24 32 48 64 128 256 512)
expected_files() {
	printf '%s\n' /usr/bin/embeddable-tray \
		/usr/share/applications/embeddable-tray.desktop \
		/usr/share/man/man1/embeddable-tray.1.gz \
		/usr/share/metainfo/io.github.embeddable_tray.EmbeddableTray.metainfo.xml
	local s
	for s in "${icon_sizes[@]}"; do printf '/usr/share/icons/hicolor/%sx%s/apps/embeddable-tray.png\n' "$s" "$s"; done
}
expected_files | sort >"$tmp/expected"

# Where the package puts files, minus the shared caches (checked by content instead).
snapshot() {
	find /usr/bin /usr/share/applications /usr/share/icons/hicolor /usr/share/man/man1 \
		/usr/share/metainfo -xdev ! -name '*.cache' 2>/dev/null | sort
}
caches_mention_app() {
	grep -ls embeddable-tray /usr/share/applications/mimeinfo.cache \
		/usr/share/icons/hicolor/icon-theme.cache 2>/dev/null || true
}

check_deb() {
	section=deb
	file_ok "$deb" || return 0
	need dpkg dpkg-deb desktop-file-validate || return 0
	[ "$sudo" != none ] || { skip "deb: dpkg -i needs root (run as root or with passwordless sudo)"; return 0; }
	# Two suites on one machine would install and purge the same system package at once
	# (dpkg's lock, or "already installed"): the second waits here until the first exits.
	exec 9>"${TMPDIR:-/tmp}/embeddable-tray-check-deb.lock"
	flock 9
	if has "ok installed" dpkg-query -W -f='${Status}' embeddable-tray; then
		fail "deb: embeddable-tray is already installed here; not touching a real install"
		return 0
	fi
	snapshot >"$tmp/before"
	local before_caches
	before_caches=$(caches_mention_app)

	installed=yes
	if ! $sudo dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1; then
		fail "deb: dpkg -i failed (missing runtime deps? apt-get install libgtk-3-0 libwebkit2gtk-4.1-0 libopus0):"
		cat "$tmp/dpkg.log" >&2
		return 0
	fi
	pass "deb: dpkg -i $(basename "$deb")"

	local got
	got=$(/usr/bin/embeddable-tray --version 2>&1 || true)
	if [ "$got" = "embeddable-tray $version" ]; then pass "deb: embeddable-tray --version -> $got"; else fail "deb: --version printed '$got', want 'embeddable-tray $version'"; fi

	dpkg-query -L embeddable-tray | while read -r f; do [ -d "$f" ] || echo "$f"; done | sort >"$tmp/listed"
	if diff -u "$tmp/expected" "$tmp/listed" >"$tmp/diff"; then pass "deb: installs exactly the expected $(wc -l <"$tmp/expected") files"; else fail "deb: installed files differ:"; cat "$tmp/diff" >&2; fi

	local f missing=0
	while read -r f; do [ -f "$f" ] || { fail "deb: $f missing after install"; missing=1; }; done <"$tmp/expected"
	((missing)) || pass "deb: binary, desktop file, metainfo, man page and ${#icon_sizes[@]} hicolor icons in place"
	if desktop-file-validate /usr/share/applications/embeddable-tray.desktop; then pass "deb: installed desktop file validates"; else fail "deb: installed desktop file invalid"; fi
	if command -v update-desktop-database >/dev/null; then
		if grep -q '^x-scheme-handler/tel=.*embeddable-tray.desktop' /usr/share/applications/mimeinfo.cache 2>/dev/null; then
			pass "deb: mimeinfo.cache maps x-scheme-handler/tel to embeddable-tray.desktop"
		else
			fail "deb: mimeinfo.cache has no tel handler entry after install"
		fi
	fi
	if command -v man >/dev/null && man -w embeddable-tray >/dev/null 2>&1; then pass "deb: man embeddable-tray resolves"; fi

	if $sudo dpkg --purge embeddable-tray >"$tmp/dpkg.log" 2>&1; then
		installed=""
		pass "deb: dpkg --purge"
	else
		fail "deb: dpkg --purge failed:"
		cat "$tmp/dpkg.log" >&2
		return 0
	fi
	if has "ok installed" dpkg-query -W -f='${Status}' embeddable-tray; then fail "deb: dpkg still knows the package after purge"; fi
	snapshot >"$tmp/after"
	if diff -u "$tmp/before" "$tmp/after" >"$tmp/diff"; then pass "deb: purge left no files behind"; else fail "deb: files differ after purge:"; cat "$tmp/diff" >&2; fi
	local after_caches
	after_caches=$(caches_mention_app)
	if [ "$after_caches" = "$before_caches" ]; then pass "deb: desktop/icon caches no longer mention the app"; else fail "deb: caches still mention the app: $after_caches"; fi
}

check_rpm() {
	section=rpm
	file_ok "$rpm" || return 0
	need rpm || return 0
	rpm -qpl "$rpm" 2>/dev/null | sort >"$tmp/rpm-files"
	if diff -u "$tmp/expected" "$tmp/rpm-files" >"$tmp/diff"; then pass "rpm: rpm -qpl lists exactly the expected files"; else fail "rpm: file list differs:"; cat "$tmp/diff" >&2; fi
	rpm -qpR "$rpm" 2>/dev/null >"$tmp/rpm-req"
	local dep
	for dep in gtk3 webkit2gtk4.1 opus; do
		if grep -qx "$dep" "$tmp/rpm-req"; then pass "rpm: requires $dep"; else fail "rpm: rpm -qpR lacks $dep"; fi
	done
	local name
	name=$(rpm -qp --qf '%{NAME} %{VERSION} %{ARCH}' "$rpm" 2>/dev/null)
	if [ "$name" = "embeddable-tray $(packaging_version pkg) x86_64" ]; then pass "rpm: $name"; else fail "rpm: name/version/arch is '$name'"; fi
}

packaging_version() { "$here/version.sh" "$1" "$version"; }

check_windows() {
	section=windows
	local f
	for f in "$exe" "$setup" "$msi"; do file_ok "$f" || return 0; done
	need osslsigncode openssl msiinfo || return 0
	local cert
	cert=$("$here/windows/test-cert.sh" "$tmp/cert")
	eval "$cert"
	for f in "$exe" "$setup" "$msi"; do
		cp "$f" "$tmp/"
		local copy
		copy="$tmp/$(basename "$f")"
		if ! SIGN_CERT=$SIGN_CERT SIGN_KEY=$SIGN_KEY SIGN_PFX='' "$here/windows/sign.sh" "$copy" >/dev/null; then
			fail "windows: signing $(basename "$f") failed"
			continue
		fi
		if osslsigncode verify -CAfile "$SIGN_CA" -in "$copy" >"$tmp/verify.log" 2>&1; then
			pass "windows: osslsigncode verify $(basename "$f") (signed with the test certificate)"
		else
			fail "windows: osslsigncode verify $(basename "$f"):"
			cat "$tmp/verify.log" >&2
		fi
	done
	local tables
	tables=$(msiinfo tables "$msi" 2>/dev/null | tr '\n' ' ')
	local t missing=""
	for t in File Component Feature Registry Shortcut Directory; do
		[[ " $tables" == *" $t "* ]] || missing+=" $t"
	done
	if [ -z "$missing" ]; then pass "windows: msiinfo tables: $tables"; else fail "windows: msi lacks tables:$missing (has: $tables)"; fi
	if has 'embeddable-tray.exe' msiinfo export "$msi" File; then pass "windows: msi File table has embeddable-tray.exe"; else fail "windows: msi File table lacks embeddable-tray.exe"; fi
	if has 'URLAssociations.*tel.*EmbeddableTray.URL' msiinfo export "$msi" Registry; then pass "windows: msi registers tel:/callto: (URLAssociations)"; else fail "windows: msi has no URL association"; fi
	if need x86_64-w64-mingw32-objdump; then
		if has 'Subsystem.*(Windows GUI)' x86_64-w64-mingw32-objdump -p "$exe"; then pass "windows: exe is a GUI-subsystem binary (-H windowsgui)"; else fail "windows: exe is not GUI subsystem"; fi
		if has '\.rsrc' x86_64-w64-mingw32-objdump -h "$exe"; then pass "windows: exe carries resources (icon, version, manifest)"; else fail "windows: exe has no .rsrc section"; fi
	fi
}

check_macos() {
	section=macos
	need python3 || return 0
	if "$here/macos/check-plist.sh" >"$tmp/plist.log" 2>&1; then pass "macos: $(tail -1 "$tmp/plist.log" | sed 's/^.*: ok/Info.plist ok/')"; else fail "macos: Info.plist check:"; cat "$tmp/plist.log" >&2; fi
	need png2icns || return 0
	# bundle.sh around a placeholder executable: checks the .app layout and the .icns here;
	# the real macOS binary is built and bundled by .github/workflows/macos.yml.
	printf '#!/bin/sh\necho "embeddable-tray %s"\n' "$version" >"$tmp/fake-bin"
	chmod +x "$tmp/fake-bin"
	if "$here/macos/bundle.sh" "$tmp/fake-bin" "$version" "$tmp/mac" >"$tmp/bundle.log" 2>&1; then
		local app="$tmp/mac/Embeddable Tray.app/Contents"
		if [ -x "$app/MacOS/embeddable-tray" ] && [ -s "$app/Resources/embeddable-tray.icns" ] &&
			"$here/macos/check-plist.sh" "$app/Info.plist" >/dev/null; then
			pass "macos: bundle.sh makes Embeddable Tray.app (executable, Info.plist, $(icns2png -l "$app/Resources/embeddable-tray.icns" 2>/dev/null | grep -c '32-bit icon') icon sizes in the .icns)"
		else
			fail "macos: bundle layout incomplete:"
			find "$tmp/mac" >&2
		fi
	else
		fail "macos: bundle.sh failed:"
		cat "$tmp/bundle.log" >&2
	fi
}

check_deb
check_rpm
check_windows
check_macos

if ((failures)); then
	echo "package-check: $failures failure(s)" >&2
	exit 1
fi
echo "package-check: all passed"
