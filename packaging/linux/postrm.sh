#!/bin/sh
# After removal: drop the app from the desktop and icon caches (see postinst.sh).
# Runs for deb (remove, purge, upgrade, ...) and rpm ($1 = 0 on erase, 1 on upgrade):
# refreshing a cache is harmless in every case, so the argument is not inspected.
set -e
if command -v update-desktop-database >/dev/null 2>&1; then
	update-desktop-database -q /usr/share/applications || true
fi
# Only refresh an icon cache that exists: creating one would leave a file behind on removal,
# and without a cache GTK scans the directories anyway.
if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f /usr/share/icons/hicolor/icon-theme.cache ]; then
	gtk-update-icon-cache -q -t -f /usr/share/icons/hicolor || true
fi
exit 0
