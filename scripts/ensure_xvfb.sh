#!/bin/sh
# Install Debian's Xvfb for the window tests when it is missing and we may (root with apt-get).
# Without it the window tests skip themselves with a reason; nothing else depends on it.
command -v Xvfb >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing xvfb for the window tests (apt-get)..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xvfb xauth) >/dev/null 2>&1 \
        || echo "could not install xvfb; window tests will be skipped" >&2
else
    echo "Xvfb not found and cannot install it (not root); window tests will be skipped" >&2
fi
exit 0
