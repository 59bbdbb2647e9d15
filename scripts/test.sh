#!/bin/sh
# Install what is missing, then build and run every test: unit and
# integration tests (Release, then again under AddressSanitizer and
# UndefinedBehaviorSanitizer), the whole tree built again with clang 14 and
# its unit tests run, every libFuzzer target briefly, interop with
# python3-websockets, the browser test in headless Chromium, and a quick
# pass of the benchmark suite (proves it runs; judges no speed).
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc)
# The integration tests mostly wait (a second of deferred accept, idle and
# handshake timers, Redis going away and back): 22 s of CPU in 111 s at
# -j2. Three per core keep the cores busy.
test_jobs=$((jobs * 3))
step() { printf '\n=== %s\n' "$*"; }

step "setup"
scripts/setup.sh test

step "build and test (Release)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$test_jobs"

step "build and test under ASan + UBSan"
cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DWIRECHAT_SANITIZE=ON >/dev/null
cmake --build build-sanitize -j"$jobs"
ctest --test-dir build-sanitize --output-on-failure -j"$test_jobs"

step "build with clang 14 (the whole tree, libstdc++) and run its unit tests"
CC=clang-14 CXX=clang++-14 cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-clang -j"$jobs"
ctest --test-dir build-clang --output-on-failure -j"$jobs" -L '^unit$'

step "fuzz: every libFuzzer target for 10 s, then replay its seed corpus (fuzz/README.md)"
mkdir -p build-fuzz
for target in $(fuzz/run.sh --list); do
    log=build-fuzz/$target.log
    if ! fuzz/run.sh "$target" 10 >"$log" 2>&1 ||
       ! fuzz/run.sh --replay "$target" "fuzz/corpus/$target" >>"$log" 2>&1; then
        tail -n 40 "$log"
        echo "fuzz: $target failed; the input is in build-fuzz/artifacts/$target/" >&2
        exit 1
    fi
    printf '%-18s %s\n' "$target" "$(grep -E '^#[0-9]+' "$log" | tail -n 1)"
done

step "browser test (playwright-core + Debian chromium; one server, two sharing Redis, signed identities, the wire inspector, accessibility: axe-core audit, keyboard; the page over https)"
(cd tests/browser && npm ci --no-audit --no-fund --silent)
node tests/browser/chat.test.mjs build/wirechat web
node tests/browser/cluster.test.mjs build/wirechat web
node tests/browser/auth.test.mjs build/wirechat web
node tests/browser/wire.test.mjs build/wirechat web
node tests/browser/a11y.test.mjs build/wirechat web
node tests/browser/tls.test.mjs build/wirechat web

step "benchmark suite, quick (proves it runs; judges no speed)"
bench/run.sh --quick --build-dir build

step "all tests passed"
