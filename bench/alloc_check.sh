#!/usr/bin/env bash
# Shows that the echo path allocates nothing per message: the server runs
# under heaptrack twice, once echoing for 1 s and once for 3 s (same 100
# connections), and the number of calls to allocation functions must be the
# same in both runs, whatever the number of messages.
#
#   bench/alloc_check.sh [--build-dir DIR]     (needs heaptrack: scripts/setup.sh bench)
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-bench
[ "${1:-}" = --build-dir ] && build=$2
work=$(mktemp -d /tmp/wirechat-alloc.XXXXXX)
trap 'rm -rf "$work"' EXIT
cmake --build "$build" -j2 --target wirechat wirechat-loadgen >/dev/null

declare -A calls
for seconds in 1 3; do
    port=$((20000 + RANDOM % 10000))
    heaptrack -o "$work/run$seconds" "$build/wirechat" --host 127.0.0.1 --port "$port" --web web \
        >"$work/heaptrack$seconds.log" 2>&1 &
    tracer=$!
    for _ in $(seq 100); do [ -n "$(ss -Htln "sport = :$port")" ] && break; sleep 0.1; done
    line=$("$build/bench/wirechat-loadgen" echo --port "$port" --connections 100 --size 32 \
        --warmup 0.2 --duration "$seconds" | grep '^RESULT')
    kill "$(pgrep -P "$tracer" -x wirechat)"  # heaptrack runs the server as its child
    wait "$tracer" || true
    calls[$seconds]=$(heaptrack_print "$work"/run$seconds.* 2>/dev/null |
        sed -n 's/^calls to allocation functions: \([0-9]*\).*/\1/p')
    echo "echo for ${seconds}s: $line"
    echo "  server calls to allocation functions: ${calls[$seconds]}"
done
if [ "${calls[1]}" = "${calls[3]}" ]; then
    echo "alloc_check: no allocation per message (the same ${calls[1]} calls, all from startup and connection setup)"
else
    echo "alloc_check: FAILED: allocations grow with the number of messages (${calls[1]} vs ${calls[3]})" >&2
    exit 1
fi
