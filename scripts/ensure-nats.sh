#!/bin/sh
# Makes sure Debian's nats-server (2.9.x, with JetStream) is installed for the relay tests
# (test/relay/). As root it installs the package; otherwise it says what to run and fails.
# The tests start and stop their own nats-server by PID; this script never starts one.
set -eu
for p in /usr/sbin/nats-server /usr/bin/nats-server /usr/local/bin/nats-server; do
  if [ -x "$p" ]; then
    exit 0
  fi
done
if [ "$(id -u)" -eq 0 ]; then
  echo "securechat: installing nats-server for the relay tests (apt-get)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y nats-server
  if [ -x /usr/sbin/nats-server ] || [ -x /usr/bin/nats-server ]; then
    exit 0
  fi
  echo "securechat: apt-get finished but nats-server is still missing" >&2
  exit 1
fi
echo "securechat: the relay tests need nats-server; install it with:" >&2
echo "  sudo apt-get update && sudo apt-get install -y nats-server" >&2
exit 1
