#!/bin/sh
# Install (from Debian 12 packages) whatever wirechat needs that is missing.
#   scripts/setup.sh         what building and running the server needs
#   scripts/setup.sh test    that, plus what the full test run needs
set -eu

packages="cmake make g++ pkg-config libssl-dev zlib1g-dev libboost-json1.81-dev"
if [ "${1:-}" = test ]; then
    # catch2: unit tests; clang + compiler-rt: libFuzzer targets;
    # python3-websockets: an independent WebSocket client for interop tests;
    # chromium: the browser test of the chat page.
    packages="$packages catch2 clang-14 libclang-rt-14-dev python3 python3-websockets chromium"
fi

missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages:$missing (run as root, or install them)" >&2
    exit 1
fi
echo "setup: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
