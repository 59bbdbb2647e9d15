#!/usr/bin/env bash
# Shows that the echo path allocates nothing per message: the server runs
# under heaptrack twice, once echoing for 1 s and once for 3 s (same 100
# connections), and the 3 s run, with some 600,000 more messages, may not
# make more than a handful more calls to allocation functions. A handful:
# vectors that double up to the busiest tick of connection set-up (the 100
# handshakes arrive in bursts of varying size) can end a doubling apart from
# one run to the next, either way; one allocation per message would show as
# hundreds of thousands.
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
handful=16
if [ "${calls[3]}" -le $((calls[1] + handful)) ]; then
    echo "alloc_check: no allocation per message (${calls[1]} and ${calls[3]} calls, all from startup and connection setup)"
else
    echo "alloc_check: FAILED: allocations grow with the number of messages (${calls[1]} vs ${calls[3]})" >&2
    exit 1
fi
