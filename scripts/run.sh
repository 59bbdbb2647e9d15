#!/bin/sh
# Install what is missing, build (Release), and start the chat on :3000.
# Extra arguments go to the server (see build/wirechat --help).
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DWIRECHAT_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target wirechat
exec build/wirechat "$@"
