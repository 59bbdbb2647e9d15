#!/usr/bin/env bash
# build.sh UWS_SRC OUT_BINARY: builds uws_peer.cpp against a uWebSockets
# checkout with uSockets inside (git clone --recursive
# https://github.com/uNetworking/uWebSockets), without TLS or zlib, on
# uSockets' default event loop (epoll on Linux). Objects go to a temp dir.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 UWS_SRC OUT_BINARY" >&2; exit 2; }
src=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$src/src/App.h" ] || [ ! -f "$src/uSockets/src/libusockets.h" ]; then
    echo "build.sh: $src is not a uWebSockets checkout with uSockets inside" >&2
    echo "  (want src/App.h and uSockets/src/libusockets.h: git clone --recursive, or git submodule update --init)" >&2
    exit 1
fi
cc=${CC:-cc} cxx=${CXX:-g++}
objects=$(mktemp -d)
trap 'rm -rf "$objects"' EXIT

flags=(-O2 -DNDEBUG -DLIBUS_NO_SSL -pthread)
libs=()
# Without UWS_NO_ZLIB (older versions) the library needs zlib even if compression is off.
if grep -q UWS_NO_ZLIB "$src/src/App.h"; then flags+=(-DUWS_NO_ZLIB); else libs+=(-lz); fi

for c in "$src"/uSockets/src/*.c "$src"/uSockets/src/eventing/*.c "$src"/uSockets/src/crypto/*.c; do
    "$cc" "${flags[@]}" -std=c11 -I"$src/uSockets/src" -c "$c" -o "$objects/$(basename "$c" .c).o"
done
"$cxx" "${flags[@]}" -std=c++20 -I"$src/src" -I"$src/uSockets/src" \
    "$here/uws_peer.cpp" "$objects"/*.o "${libs[@]}" -o "$out"
