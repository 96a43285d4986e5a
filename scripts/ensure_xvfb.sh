#!/bin/sh
# Install Debian's Xvfb (and xwd from x11-apps, for the window test's screenshot) when missing
# and we may (root with apt-get). Without them the window tests skip themselves with a reason;
# nothing else depends on them.
command -v Xvfb >/dev/null 2>&1 && command -v xwd >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing xvfb and x11-apps for the window tests (apt-get)..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xvfb xauth x11-apps) \
        >/dev/null 2>&1 || echo "could not install xvfb; window tests will be skipped" >&2
else
    echo "Xvfb or xwd not found and cannot install them (not root); window tests will be skipped" >&2
fi
exit 0
