#!/usr/bin/env bash
# sizes.sh FILE...: a table of the built packages and their sizes, marking any over the
# size goal (PACKAGE_GOAL_MB, default 8 MB per installer). A miss is reported, not fatal:
# it is a goal, and a bigger widget or WebView must not break the build.
set -euo pipefail
goal_mb=${PACKAGE_GOAL_MB:-8}
goal=$((goal_mb * 1024 * 1024))
printf '%-58s %10s  %s\n' "package" "size" "goal < ${goal_mb} MB"
for f in "$@"; do
	if [ ! -f "$f" ]; then
		printf '%-58s %10s  %s\n' "$f" "-" "missing"
		continue
	fi
	size=$(stat -c %s "$f")
	mark=ok
	((size < goal)) || mark=OVER
	printf '%-58s %7.2f MB  %s\n' "$f" "$(awk -v s="$size" 'BEGIN{print s/1048576}')" "$mark"
done
