#!/bin/sh
# `make test` part of `make package`: build the .deb (debug profile, so the
# app build of the tests is reused) and check that it installs the app, its
# menu entry and its icons under the package name `partnerdesk`.
set -eu
target="${CARGO_TARGET_DIR:-target}"
deb=$(ls -t "$target"/debug/bundle/deb/*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || { echo "check-deb: no .deb under $target/debug/bundle/deb" >&2; exit 1; }
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in usr/bin/partnerdesk-app usr/share/applications/Partnerdesk.desktop \
         usr/share/icons/hicolor/128x128/apps/partnerdesk-app.png usr/share/icons/hicolor/32x32/apps/partnerdesk-app.png; do
  echo "$contents" | grep -qx "\.\?/\?$f" || { echo "check-deb: $deb lacks $f" >&2; exit 1; }
done
[ "$(dpkg-deb -f "$deb" Package)" = partnerdesk ] || { echo "check-deb: package name is not partnerdesk" >&2; exit 1; }
dpkg-deb -f "$deb" Depends | grep -q libwebkit2gtk-4.1 || { echo "check-deb: no WebKitGTK dependency" >&2; exit 1; }
echo "check-deb: $deb ok ($(du -h "$deb" | cut -f1))"
