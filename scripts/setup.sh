#!/bin/sh
# Install (from Debian 12 packages) whatever wirechat needs that is missing.
#   scripts/setup.sh         what building and running the server needs
#   scripts/setup.sh test    that, plus what the full test run needs
#   scripts/setup.sh bench   that, plus the benchmark's peers (bench/run.sh)
set -eu

packages="cmake make g++ pkg-config libssl-dev zlib1g-dev libboost-json1.81-dev libhiredis-dev"
# The benchmark's peers and tools: libwebsockets (a C echo server is built
# against it), nginx and wrk (static GET), perf (profiling), heaptrack
# (bench/alloc_check.sh), iproute2 (ss: run.sh finds free ports with it),
# redis-server (the cluster section starts its own, on a free loopback port
# with a temporary directory; never the package's service).
# Node's ws and Socket.IO peers use the node and npm already there for the
# browser test (a nodejs that bundles npm conflicts with Debian's npm
# package, so neither is listed). The test run includes them: it ends with
# bench/run.sh --quick.
bench_packages="libwebsockets-dev nginx wrk linux-perf heaptrack iproute2 redis-server"
if [ "${1:-}" = bench ]; then
    packages="$packages $bench_packages"
fi
if [ "${1:-}" = test ]; then
    # catch2: unit tests; clang: the clang build; clang + compiler-rt: libFuzzer targets;
    # python3-websockets: an independent WebSocket client for interop tests;
    # chromium: the browser test of the chat page; redis-server: the cluster
    # tests start their own, on a free loopback port with a temporary
    # directory (they never use the package's service).
    # prometheus: the admin listener's test checks /metrics with promtool
    # and has a Prometheus of its own scrape a node (never the service).
    packages="$packages catch2 clang-14 libclang-rt-14-dev python3 python3-websockets chromium redis-server"
    packages="$packages prometheus"
    # curl and openssl: the TLS tests' independent clients (curl over https,
    # openssl s_client with old versions); openssl also runs scripts/dev-cert.sh.
    packages="$packages curl openssl"
    packages="$packages $bench_packages"
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
