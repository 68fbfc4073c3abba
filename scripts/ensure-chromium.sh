#!/bin/sh
# Makes sure Debian's Chromium is installed at /usr/bin/chromium for the browser tests
# (test/ui/). As root it installs the package; otherwise it says what to run and fails.
set -eu
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  echo "securechat: installing chromium for the browser tests (apt-get)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y chromium
  if [ -x "$CHROMIUM" ]; then
    exit 0
  fi
  echo "securechat: apt-get finished but $CHROMIUM is still missing" >&2
  exit 1
fi
echo "securechat: the browser tests need Chromium at $CHROMIUM; install it with:" >&2
echo "  sudo apt-get update && sudo apt-get install -y chromium" >&2
exit 1
