#!/bin/sh
# After install/upgrade: refresh the caches menus and file managers read, so the app,
# its icon and its tel:/callto: handler show up without a re-login. Each tool is optional
# (minimal systems lack them), and a failed cache update must not fail the install.
set -e
if command -v update-desktop-database >/dev/null 2>&1; then
	update-desktop-database -q /usr/share/applications || true
fi
# Only refresh an icon cache that exists: creating one would leave a file behind on removal,
# and without a cache GTK scans the directories anyway.
if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f /usr/share/icons/hicolor/icon-theme.cache ]; then
	gtk-update-icon-cache -q -t -f /usr/share/icons/hicolor || true
fi
if command -v mandb >/dev/null 2>&1; then
	mandb -q /usr/share/man >/dev/null 2>&1 || true
fi
exit 0
