#!/bin/sh
# Build a libFuzzer target (with clang, under ASan + UBSan) and run it.
#
#   fuzz/run.sh TARGET SECONDS [libFuzzer flags...]   fuzz for SECONDS, print final stats
#   fuzz/run.sh --replay TARGET FILE|DIR...           run saved inputs once (crash files,
#                                                     corpora); exit status 0 iff none fails
#   fuzz/run.sh --list                                the targets
#
# Environment: FUZZ_BUILD_DIR (default build-fuzz), CC/CXX (default clang-14).
# New inputs go to $FUZZ_BUILD_DIR/corpus/TARGET (the seeds in
# fuzz/corpus/TARGET are only read); crashes to $FUZZ_BUILD_DIR/artifacts/TARGET/.
set -eu
cd "$(dirname "$0")/.."
targets="fuzz_http_request fuzz_ws_frames fuzz_handshake fuzz_utf8 fuzz_envelope fuzz_connection fuzz_token fuzz_tls"
build=${FUZZ_BUILD_DIR:-build-fuzz}

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

build_target() {
    case " $targets " in *" $1 "*) ;; *) echo "run.sh: unknown target '$1' (try --list)" >&2; exit 2 ;; esac
    if [ ! -f "$build/CMakeCache.txt" ]; then
        CC=${CC:-clang-14} CXX=${CXX:-clang++-14} cmake -S . -B "$build" \
            -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWIRECHAT_FUZZ=ON -DWIRECHAT_TESTS=OFF >/dev/null
    fi
    cmake --build "$build" -j2 --target "$1" >/dev/null
}

[ $# -ge 1 ] || usage
case "$1" in
--list)
    for t in $targets; do echo "$t"; done
    ;;
--replay)
    [ $# -ge 3 ] || usage
    target=$2; shift 2
    build_target "$target"
    # Directories are expanded so that each input runs once, none is mutated.
    for input in "$@"; do
        if [ -d "$input" ]; then find "$input" -type f; else echo "$input"; fi
    done | xargs -r -d '\n' "$build/fuzz/$target" -runs=1
    ;;
-*)
    usage
    ;;
*)
    [ $# -ge 2 ] || usage
    target=$1; seconds=$2; shift 2
    build_target "$target"
    mkdir -p "$build/corpus/$target" "$build/artifacts/$target"
    dict=""
    [ -f "fuzz/$target.dict" ] && dict="-dict=fuzz/$target.dict"
    # -timeout: a single input taking 10 s is a hang, and a bug.
    "$build/fuzz/$target" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
        -rss_limit_mb=2048 -artifact_prefix="$build/artifacts/$target/" $dict "$@" \
        "$build/corpus/$target" "fuzz/corpus/$target"
    ;;
esac
