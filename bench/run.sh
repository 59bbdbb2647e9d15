#!/usr/bin/env bash
# The benchmark suite: wirechat side by side with its peers, in one run.
#
#   bench/run.sh [--quick] [--rounds N] [--build-dir DIR] [--only base|deflate|scale|cluster|tls|fanout]
#
# Servers run pinned to core 0, the load (bench's own wirechat-loadgen, or
# wrk) on core 1. Each scenario runs every server in turn, on a fresh
# process, and the whole set is repeated --rounds times, so that a
# disturbance on the machine hits all servers alike; medians are printed,
# with ratios wirechat / peer. --quick: tiny sizes, one round, asserts
# nothing about speed but fails if anything in the suite fails. A peer that
# is not installed (scripts/setup.sh bench) is skipped with a note.
# Six sections, each with its own table: base (every scenario, compression
# off as it is by default), deflate (permessage-deflate on and off,
# wirechat --deflate against Node's ws set up the same way), scale
# (100,000 idle WebSockets at once, wirechat alone) and cluster (the chat
# shared through Redis: a broadcast to 10,000 clients on one node in memory,
# on two wirechat nodes and on two Socket.IO nodes with its Redis adapter,
# then 100,000 idle chat clients on six nodes of one chat), tls (full and
# resumed handshakes with openssl s_time, and static GET over https with
# wrk, against nginx with the same certificate) and fanout (one publisher,
# 1,000 and 10,000 subscribers of one room or topic: wirechat's chat against
# Node's ws, Socket.IO 4 and uWebSockets' pub/sub); --only picks one.
# The uWebSockets peers: uWebSockets.js from npm (bench/peers/uwsjs; full
# runs only, skipped where its binaries do not load) and the C++ library,
# built from a checkout that UWS_SRC points to (bench/peers/uws; full runs
# only, skipped without UWS_SRC); both join the base section's echo and idle.
# The cluster section starts a redis-server of its own (Debian's, never the
# system's service) on a free loopback port, in a directory under the run's
# temporary directory, persistence off, and stops it at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# Every client of the benchmarks comes from 127.0.0.1: wirechat's per-address
# limits (64 connections, 10 handshakes a second) are off, as the peers have
# none.
no_address_limits=(--max-connections-per-ip 0 --handshake-rate 0)

quick=0
rounds=3
build=build-bench
sections="base deflate scale cluster tls fanout"
usage="usage: bench/run.sh [--quick] [--rounds N] [--build-dir DIR] [--only base|deflate|scale|cluster|tls|fanout]"
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --rounds) rounds=$2; shift ;;
        --build-dir) build=$2; shift ;;
        --only)
            case "${2:-}" in base|deflate|scale|cluster|tls|fanout) sections=$2 ;; *) echo "$usage" >&2; exit 2 ;; esac
            shift ;;
        *) echo "$usage" >&2; exit 2 ;;
    esac
    shift
done
run_base=0 run_deflate=0 run_scale=0 run_cluster=0 run_tls=0 run_fanout=0
[[ " $sections " == *" base "* ]] && run_base=1
[[ " $sections " == *" deflate "* ]] && run_deflate=1
[[ " $sections " == *" scale "* ]] && run_scale=1
[[ " $sections " == *" cluster "* ]] && run_cluster=1
[[ " $sections " == *" tls "* ]] && run_tls=1
[[ " $sections " == *" fanout "* ]] && run_fanout=1
# The compression section's message: 1 KiB of JSON-like chat text, which
# permessage-deflate shrinks to about 40 % (wirechat-loadgen --json).
deflate_size=1024

if [ $quick = 1 ]; then
    rounds=1 conns=4 warmup=0.1 duration=0.3 idle_conns=200 bcast_clients=50 bcast_rounds=2 tls_seconds=1
    bcast_rate=10 bcast_duration=1 wrk_seconds=1 wrk_conns=4 scale_conns=400 scale_servers=2
    cluster_clients=60 cluster_rounds=3 cluster_rate=10 cluster_duration=1
    cluster_idle_conns=600 cluster_idle_nodes=3 cluster_idle_rooms=6
    fanout_clients="20 50" fanout_rates="50 20" fanout_duration=0.5 fanout_timed=2
else
    conns=100 warmup=0.5 duration=4 idle_conns=10000 bcast_clients=10000 bcast_rounds=5
    bcast_rate=20 bcast_duration=3 wrk_seconds=5 wrk_conns=50 scale_conns=100000 scale_servers=6 tls_seconds=4
    # The cluster section's broadcast: 20 messages timed one at a time, then
    # 60 messages/s for 3 s offered to every row (600,000 deliveries/s, from
    # 12 senders: about what one loadgen core can check, and more than
    # Socket.IO delivers here; the table's CPU shares say which side was
    # the limit).
    cluster_clients=10000 cluster_rounds=20 cluster_rate=60 cluster_duration=3
    # 100,000 idle chat clients on 6 nodes of one chat, spread over rooms
    # (see bench/README.md, "cluster", for why and how many).
    cluster_idle_conns=100000 cluster_idle_nodes=6 cluster_idle_rooms=24
    # The fan-out section: one publisher, N subscribers, the same deliveries
    # offered at each N (200 msg/s x 1,000 = 20 msg/s x 10,000 = 200,000
    # deliveries/s) for 3 s, after a few messages timed one at a time.
    fanout_clients="1000 10000" fanout_rates="200 20" fanout_duration=3 fanout_timed=5
fi

# Idle connections and broadcast need ~10,000 descriptors on each side.
ulimit -n "$(ulimit -Hn)"

# ---- build and peers --------------------------------------------------------

if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DWIRECHAT_TESTS=OFF >/dev/null
fi
if ! grep -q 'CMAKE_BUILD_TYPE:STRING=Release' "$build/CMakeCache.txt"; then
    echo "bench: note: $build is not a Release build; the figures mean little" >&2
fi
cmake --build "$build" -j2 --target wirechat wirechat-loadgen >/dev/null
cmake --build "$build" -j2 --target lws-echo >/dev/null 2>&1 || true
loadgen=$build/bench/wirechat-loadgen

peers=""
if [ -x "$build/bench/lws-echo" ]; then peers="$peers lws"
else echo "bench: libwebsockets peer SKIPPED (libwebsockets-dev not installed: scripts/setup.sh bench)"; fi
if command -v node >/dev/null && command -v npm >/dev/null; then
    (cd bench/peers/node-ws && npm ci --no-audit --no-fund --silent)
    peers="$peers node"
else echo "bench: Node ws peer SKIPPED (node/npm not installed)"; fi
# The cluster section: Debian's redis-server (scripts/setup.sh bench), and
# Socket.IO with its Redis adapter from npm (bench/peers/socketio, versions
# locked in its package-lock.json); the fan-out section: Socket.IO alone.
have_redis=0 have_socketio=0
if [ $run_cluster = 1 ]; then
    if [ -x /usr/bin/redis-server ] && command -v redis-cli >/dev/null; then have_redis=1
    else echo "bench: cluster section SKIPPED (redis-server not installed: scripts/setup.sh bench)"; fi
fi
# npm_install DIR: npm ci there, which empties node_modules first (some 6 s
# here for Socket.IO), only when the lock file changed since the last install.
npm_install() {
    [ "$1/node_modules/.package-lock.json" -nt "$1/package-lock.json" ] ||
        (cd "$1" && npm ci --no-audit --no-fund --silent)
}
if [ $have_redis = 1 ] || [ $run_fanout = 1 ]; then
    if command -v node >/dev/null && command -v npm >/dev/null; then
        if npm_install bench/peers/socketio; then have_socketio=1
        else echo "bench: Socket.IO peer SKIPPED (npm ci in bench/peers/socketio failed)"; fi
    else echo "bench: Socket.IO peer SKIPPED (node/npm not installed)"; fi
fi
# The uWebSockets peers, in full runs of the base and fan-out sections.
# uWebSockets.js: the @btc-vision/uwebsockets.js repackage from npm
# (bench/peers/uwsjs, 114 MB installed); it ships binaries built against a
# newer glibc than some systems have (Debian 12: 2.36, it wants 2.38), so a
# probe loads it first. The C++ library: built from the checkout UWS_SRC
# points to (uWebSockets with uSockets inside) by bench/peers/uws/build.sh.
have_uwsjs=0 have_uws=0
if [ $quick = 1 ]; then
    [ $run_base = 1 ] || [ $run_fanout = 1 ] && echo "bench: uWebSockets peers not in --quick"
elif [ $run_base = 1 ] || [ $run_fanout = 1 ]; then
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        echo "bench: uWebSockets.js peer SKIPPED (node/npm not installed)"
    elif ! npm_install bench/peers/uwsjs; then
        echo "bench: uWebSockets.js peer SKIPPED (npm ci in bench/peers/uwsjs failed)"
    elif probe=$(cd bench/peers/uwsjs && node -e 'require("@btc-vision/uwebsockets.js")' 2>&1); then
        have_uwsjs=1
    else
        why=$(grep -o "GLIBC_[0-9.]*' not found" <<<"$probe" | head -1)
        [ -n "$why" ] && why="its binaries need ${why%%\'*}, this system's glibc is $(ldd --version | sed -n '1s/.* //p')"
        [ -n "$why" ] || why=$(grep -v '^\s*$' <<<"$probe" | tail -1 | cut -c1-160)
        echo "bench: uWebSockets.js peer SKIPPED (it does not load: $why)"
    fi
    if [ -z "${UWS_SRC:-}" ]; then
        echo "bench: uWebSockets (C++) peer SKIPPED (UWS_SRC not set: a uWebSockets checkout with uSockets inside)"
    elif [ -x "$build/bench/uws-peer" ] && [ "$build/bench/uws-peer" -nt bench/peers/uws/uws_peer.cpp ] &&
        [ "$build/bench/uws-peer" -nt bench/peers/uws/build.sh ]; then
        have_uws=1
    elif bash bench/peers/uws/build.sh "$UWS_SRC" "$build/bench/uws-peer" >"$build/uws-peer-build.log" 2>&1; then
        have_uws=1
    else
        echo "bench: uWebSockets (C++) peer SKIPPED (bench/peers/uws/build.sh $UWS_SRC failed: see $build/uws-peer-build.log)"
    fi
fi
# The TLS section's echo has the peers that serve wss:// (the uWebSockets
# peers are built and set up without TLS).
tls_echo_peers=$peers
[ $have_uwsjs = 1 ] && peers="$peers uwsjs"
[ $have_uws = 1 ] && peers="$peers uws"
have_nginx=0
if command -v nginx >/dev/null && command -v wrk >/dev/null; then have_nginx=1
else echo "bench: static GET SKIPPED (nginx or wrk not installed: scripts/setup.sh bench)"; fi
if [ $run_tls = 1 ] && ! command -v openssl >/dev/null; then
    run_tls=0
    echo "bench: tls section SKIPPED (openssl not installed: scripts/setup.sh test)"
fi

if [ "$(nproc)" -ge 2 ]; then
    on_server_core="taskset -c 0"
    on_load_core="taskset -c 1"
else
    on_server_core="" on_load_core=""
    echo "bench: note: one core only, server and load share it"
fi

work=$(mktemp -d /tmp/wirechat-bench.XXXXXX)
server_pid=""
scale_pids=()  # the scale section's servers and loadgens, while it runs
node_pids=()   # the cluster section's nodes and loadgens, while they run
redis_pid=""   # the cluster section's redis-server
cleanup() {
    for pid in $server_pid "${scale_pids[@]}" "${node_pids[@]}" $redis_pid; do
        kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

# ---- servers ----------------------------------------------------------------

free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 10000))  # below the ephemeral range
        [ -z "$(ss -Htan "sport = :$port")" ] && { echo $port; return; }
    done
}

nginx_conf() {  # PORT -> config file serving web/ like wirechat does
    mkdir -p "$work/nginx"
    cat > "$work/nginx/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
    include /etc/nginx/mime.types;
    access_log off;
    sendfile on;
    keepalive_requests 1000000;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    server {
        listen 127.0.0.1:$1$([ $server_tls = 1 ] && echo " ssl");
        root $root/web;
        index index.html;
$([ $server_tls = 1 ] && nginx_tls)
    }
}
CONF
    echo "$work/nginx/nginx.conf"
}

# nginx's TLS, set up as wirechat's defaults are (src/tls/server_context.h):
# 1.2 and 1.3, ECDHE with AEAD, the server's order, tickets and a cache.
nginx_tls() {
    cat <<CONF
        ssl_certificate $work/tls/cert.pem;
        ssl_certificate_key $work/tls/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;
        ssl_prefer_server_ciphers on;
        ssl_ecdh_curve X25519:prime256v1:secp384r1;
        ssl_session_tickets on;
        ssl_session_cache shared:tls:10m;
CONF
}

# start_server NAME: a fresh server on core 0; sets server_pid and port.
# With server_deflate=1, wirechat and Node ws start with permessage-deflate on;
# with server_tls=1, every server serves TLS with the run's certificate;
# with server_fanout=1, each serves the fan-out section's room or topic
# instead of an echo: wirechat's chat without its rate limit (the
# publisher is one chat client), ws's loop over wss.clients, Socket.IO's
# io.to(room).emit, uWebSockets' pub/sub (app.publish).
server_deflate=0
server_tls=0
server_fanout=0
start_server() {
    port=$(free_port)
    local conf=""
    [ "$1" = nginx ] && conf=$(nginx_conf "$port")
    local deflate=()
    [ $server_deflate = 1 ] && deflate=(--deflate)
    local tls=() lws_tls=() node_tls=()
    if [ $server_tls = 1 ]; then
        tls=(--tls-cert "$work/tls/cert.pem" --tls-key "$work/tls/key.pem")
        lws_tls=("$work/tls/cert.pem" "$work/tls/key.pem")
        node_tls=(--tls "${lws_tls[@]}")
    fi
    local chat=() node_js=echo.js uws_mode=echo
    [ $server_fanout = 1 ] && chat=(--chat-rate 0) node_js=fanout.js uws_mode=fanout
    # exec: the background job becomes the server, so $! is its PID.
    case "$1" in
        wirechat) exec $on_server_core "$build/wirechat" --host 127.0.0.1 --port "$port" --web web "${no_address_limits[@]}" \
            "${deflate[@]}" "${tls[@]}" "${chat[@]}" ;;
        lws) exec $on_server_core "$build/bench/lws-echo" "$port" "${lws_tls[@]}" ;;
        node) exec $on_server_core node "bench/peers/node-ws/$node_js" "$port" "${deflate[@]}" "${node_tls[@]}" ;;
        socketio) exec $on_server_core node bench/peers/socketio/chat.js "$port" ;;
        uwsjs) exec $on_server_core node "bench/peers/uwsjs/$node_js" "$port" ;;
        uws) exec $on_server_core "$build/bench/uws-peer" "$port" "$uws_mode" ;;
        nginx) exec $on_server_core nginx -e "$work/nginx/error.log" -c "$conf" ;;
    esac >"$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do
        [ -n "$(ss -Htln "sport = :$port")" ] && return
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "bench: $1 did not start:" >&2
    cat "$work/server.log" >&2
    exit 1
}

stop_server() {
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

# ---- measurements -----------------------------------------------------------

# record SCENARIO SERVER RESULT-LINE KEY...: append each KEY's value to its
# file (a KEY the line does not have is left out: its median shows "-").
record() {
    local scenario=$1 server=$2 line=$3
    shift 3
    for key in "$@"; do
        value=$(printf '%s\n' "$line" | tr ' ' '\n' | sed -n "s/^$key=//p")
        [ -n "$value" ] && echo "$value" >> "$work/$scenario.$server.$key"
    done
    return 0
}

loadgen_run() {  # SERVER SCENARIO-NAME LOADGEN-ARGS...: one run, on a fresh server
    local server=$1 scenario=$2
    shift 2
    start_server "$server"
    local line
    line=$($on_load_core "$loadgen" "$@" --port "$port" --server-pid "$server_pid" | grep '^RESULT')
    stop_server
    echo "  $server: $line"
    echo "$line"  > "$work/last"
}

echo_run() {  # SERVER SCENARIO LOADGEN-ARGS...
    local server=$1 scenario=$2
    shift 2
    loadgen_run "$server" "$scenario" echo --connections "$conns" --warmup "$warmup" --duration "$duration" "$@"
    record "$scenario" "$server" "$(cat "$work/last")" server_cpu_us_per_msg server_user_us_per_msg \
        msgs_per_s p50_us p99_us wire_bytes_per_echo
}

# deflate_runs SERVER on|off: the compression section's runs for one server.
# Both modes send the same JSON-like text; "on" starts the server with
# --deflate and has the loadgen offer permessage-deflate (and fail if it is
# refused). The idle figure after the echo is the one compression changes:
# every connection has then inflated and compressed one message.
deflate_runs() {
    local server=$1 mode=$2 offer=()
    if [ "$mode" = on ]; then
        offer=(--deflate)
        server_deflate=1
    fi
    echo_run "$server" "json_$mode" --size "$deflate_size" --json "${offer[@]}"
    loadgen_run "$server" idle idle --connections "$idle_conns" --size "$deflate_size" --json "${offer[@]}"
    record "idle_json_$mode" "$server" "$(cat "$work/last")" bytes_per_idle_conn bytes_per_conn_after_echo
    server_deflate=0
}

cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }

static_run() {  # SERVER [SCENARIO]: wrk against GET / and the server's CPU per request
    local scenario=${2:-static} scheme=http
    [ $server_tls = 1 ] && scheme=https
    start_server "$1"
    local before after out requests
    before=$(cpu_ticks "$server_pid")
    out=$($on_load_core wrk -t1 -c"$wrk_conns" -d"${wrk_seconds}s" "$scheme://127.0.0.1:$port/")
    after=$(cpu_ticks "$server_pid")
    stop_server
    if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
        echo "bench: wrk against $1 saw errors:" >&2
        echo "$out" >&2
        exit 1
    fi
    requests=$(awk '/requests in/ { print $1 }' <<<"$out")
    [ "${requests:-0}" -gt 0 ] || { echo "bench: wrk made no request to $1" >&2; exit 1; }
    local line
    line="RESULT scenario=$scenario requests=$requests"
    line="$line req_per_s=$(awk -v r="$requests" -v s="$wrk_seconds" 'BEGIN { printf "%.0f", r / s }')"
    line="$line server_cpu_us_per_req=$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v r="$requests" \
        'BEGIN { printf "%.4g", t * 1e6 / hz / r }')"
    echo "  $1: $line"
    record "$scenario" "$1" "$line" server_cpu_us_per_req req_per_s
}

# handshake_run SERVER new|reuse: openssl s_time makes connections for
# $tls_seconds, each a TLS handshake (full, or resuming the first one's
# session) and a GET of the page; the server's CPU per connection.
handshake_run() {
    local server=$1 mode=$2 before after out count seconds
    server_tls=1
    start_server "$server"
    before=$(cpu_ticks "$server_pid")
    out=$($on_load_core openssl s_time -connect "127.0.0.1:$port" "-$mode" -time "$tls_seconds" -www / 2>&1)
    after=$(cpu_ticks "$server_pid")
    stop_server
    server_tls=0
    # "554 connections in 3 real seconds, 4153 bytes read per connection"
    read -r count seconds < <(sed -n 's/^\([0-9]*\) connections in \([0-9]*\) real seconds.*/\1 \2/p' <<<"$out")
    [ "${count:-0}" -gt 0 ] || { echo "bench: s_time -$mode against $server made no connection:" >&2; echo "$out" >&2; exit 1; }
    local line="RESULT scenario=handshake_$mode connections=$count"
    line="$line conns_per_s=$(awk -v c="$count" -v s="$seconds" 'BEGIN { printf "%.0f", c / (s > 0 ? s : 1) }')"
    line="$line server_cpu_us_per_conn=$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v c="$count" \
        'BEGIN { printf "%.4g", t * 1e6 / hz / c }')"
    echo "  $server: $line"
    record "handshake_$mode" "$server" "$line" server_cpu_us_per_conn conns_per_s
}

# scale_run: $scale_conns idle WebSockets held at once, once per run (it
# shows capacity; there is no peer to interleave with). One process cannot
# hold 100,000 here: the hard descriptor limit is 20,000 per process, and
# raising it needs CAP_SYS_RESOURCE, which this machine does not grant. So
# $scale_servers wirechat processes share one port (--reuse-port: the kernel
# spreads the connections among them), all pinned to core 0 as one server
# would be, and as many loadgens open their shares at once from 127.0.0.1-8
# on core 1, each echoing once on every connection, then holding them open
# while the servers' memory and sockets are counted.
sockets_of() { find "/proc/$1/fd" -lname 'socket:*' 2>/dev/null | wc -l; }
# await_holding_loadgens SECTION SECONDS PID...: idle loadgens (PID i writes
# $work/SECTION-load-i.out) each print their result once all their
# connections are open and then hold them; one that exits instead has
# failed, and so has the run if they take over SECONDS.
await_holding_loadgens() {
    local section=$1 seconds=$2 i
    shift 2
    local pids=("$@") done_count=0 deadline=$((SECONDS + seconds))
    while [ "$done_count" -lt "${#pids[@]}" ]; do
        [ "$SECONDS" -lt "$deadline" ] || { echo "bench: $section: the loadgens took over $seconds s" >&2; exit 1; }
        done_count=0
        for i in $(seq "${#pids[@]}"); do
            if grep -q '^RESULT' "$work/$section-load-$i.out"; then done_count=$((done_count + 1))
            elif ! kill -0 "${pids[$((i - 1))]}" 2>/dev/null; then
                echo "bench: $section: loadgen $i failed:" >&2
                cat "$work/$section-load-$i.out" >&2
                exit 1
            fi
        done
        sleep 0.2
    done
}
rss_kib_of() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
scale_run() {
    port=$(free_port)
    local servers=() loads=() i pid
    for i in $(seq "$scale_servers"); do
        $on_server_core "$build/wirechat" --host 127.0.0.1 --port "$port" --web web "${no_address_limits[@]}" --reuse-port \
            >"$work/scale-server-$i.log" 2>&1 &
        servers+=($!)
        scale_pids+=($!)
    done
    for _ in $(seq 100); do
        [ "$(ss -Htln "sport = :$port" | wc -l)" -ge "$scale_servers" ] && break
        sleep 0.1
    done
    [ "$(ss -Htln "sport = :$port" | wc -l)" -ge "$scale_servers" ] || { echo "bench: scale: servers did not start" >&2; exit 1; }
    local rss_before=0 sockets_before=()
    for pid in "${servers[@]}"; do
        rss_before=$((rss_before + $(rss_kib_of "$pid")))
        sockets_before+=("$(sockets_of "$pid")")
    done
    local share=$((scale_conns / scale_servers))
    for i in $(seq "$scale_servers"); do
        local n=$share
        [ "$i" = "$scale_servers" ] && n=$((scale_conns - share * (scale_servers - 1)))
        $on_load_core "$loadgen" idle --port "$port" --connections "$n" --sources 8 --hold 600 \
            >"$work/scale-load-$i.out" 2>&1 &
        loads+=($!)
        scale_pids+=($!)
    done
    await_holding_loadgens scale 180 "${loads[@]}"
    local rss_after=0 held=0 least="" most=0 count
    for i in $(seq "$scale_servers"); do
        pid=${servers[$((i - 1))]}
        kill -0 "$pid" 2>/dev/null || { echo "bench: scale: server $i exited:" >&2; cat "$work/scale-server-$i.log" >&2; exit 1; }
        rss_after=$((rss_after + $(rss_kib_of "$pid")))
        count=$(($(sockets_of "$pid") - ${sockets_before[$((i - 1))]}))
        held=$((held + count))
        [ -z "$least" ] || [ "$count" -lt "$least" ] && least=$count
        [ "$count" -gt "$most" ] && most=$count
    done
    for pid in "${loads[@]}" "${servers[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    scale_pids=()
    [ "$held" -eq "$scale_conns" ] || { echo "bench: scale: the servers held $held connections, not $scale_conns" >&2; exit 1; }
    # The loadgens opened their shares at the same time: the aggregate rate
    # is all connections over the longest opening.
    local rate
    rate=$(cat "$work"/scale-load-*.out | sed -n 's/^RESULT.* connections=\([0-9]*\) handshakes_per_s=\([0-9.]*\).*/\1 \2/p' |
        awk -v total="$scale_conns" '{ t = $1 / $2; if (t > longest) longest = t } END { printf "%.0f", total / longest }')
    local line="RESULT scenario=scale connections=$held processes=$scale_servers least=$least most=$most"
    line="$line bytes_per_conn=$(awk -v a="$rss_after" -v b="$rss_before" -v n="$held" 'BEGIN { printf "%.1f", (a - b) * 1024 / n }')"
    line="$line rss_total_mib=$(awk -v a="$rss_after" 'BEGIN { printf "%.1f", a / 1024 }') handshakes_per_s=$rate"
    echo "  wirechat: $line"
    echo "$line" > "$work/scale.result"
}

# ---- the fan-out section -------------------------------------------------------

fanout_keys="delivered_per_s server_cpu_us_per_delivery steady_all_delivered_p50_us steady_all_delivered_p99_us
    loadgen_cpu_share loadgen_cpu_us_per_delivery server_cpu_share wire_bytes_per_delivery all_delivered_us"

# fanout_run SERVER N RATE: one publisher (the loadgen's first client) and
# N subscribers of one room or topic (the publisher among them), on a fresh
# server: $fanout_timed messages timed one at a time, then RATE messages/s
# for $fanout_duration s; every subscriber must get every message exactly
# once (the loadgen fails the run otherwise). A server slower than the
# offered rate shows it in fewer deliveries/s and longer times: the loadgen
# waits for its backlog to drain (at most 120 s).
fanout_run() {
    local server=$1 n=$2 rate=$3 protocol=raw
    case "$server" in
        wirechat) protocol=wirechat ;;
        socketio) protocol=socketio ;;
    esac
    server_fanout=1
    loadgen_run "$server" fanout broadcast --protocol "$protocol" --senders 1 --connections "$n" \
        --rounds "$fanout_timed" --rate "$rate" --duration "$fanout_duration"
    server_fanout=0
    # shellcheck disable=SC2086
    record "fanout$n" "$server" "$(cat "$work/last")" $fanout_keys
}

# ---- the cluster section -------------------------------------------------------

# redis_start: Debian's redis-server (never the system's service) on a free
# loopback port, its directory under $work, persistence off (no snapshots,
# no append-only file), on core 0 with the servers. Sets redis_pid.
redis_port=""
rcli() { redis-cli -h 127.0.0.1 -p "$redis_port" "$@"; }
redis_start() {
    redis_port=$(free_port)
    mkdir -p "$work/redis"
    $on_server_core /usr/bin/redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work/redis" \
        --save "" --appendonly no --daemonize no --logfile "$work/redis/redis.log" &
    redis_pid=$!
    for _ in $(seq 100); do
        [ "$(rcli ping 2>/dev/null)" = PONG ] && return
        kill -0 "$redis_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "bench: redis-server did not start:" >&2
    cat "$work/redis/redis.log" >&2
    exit 1
}
redis_stop() {
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
    redis_pid=""
}
redis_info() { rcli info "$1" | tr -d '\r' | sed -n "s/^$2:\([^ ]*\)$/\1/p"; }

# chat_ready PORT: whether the wirechat there takes chat clients: with
# --redis it answers upgrades with 503 until its store is reached. A query
# that is not well-formed is refused with 400 only by a server that would
# take the upgrade (as tests/integration's wait_until_chat_ready asks).
chat_ready() {
    local fd reply=""
    { exec {fd}<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
    printf 'GET /?%%zz HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n' >&"$fd"
    read -r -t 2 reply <&"$fd" || true
    exec {fd}>&-
    [[ "$reply" == "HTTP/1.1 400"* ]]
}

# cluster_start ROW: the row's server processes, all on core 0 (as the
# other sections' servers, with redis-server beside them), each on a port
# of its own; the loadgen splits the clients evenly over the ports. Sets
# node_pids and node_ports.
#   mem1:   one wirechat, no --redis (the memory engine)
#   redis2: two wirechat --redis, one chat
#   sio2:   two Socket.IO processes with @socket.io/redis-adapter
cluster_start() {
    local row=$1 count=2 i port
    [ "$row" = mem1 ] && count=1
    node_pids=() node_ports=()
    for i in $(seq $count); do
        port=$(free_port)
        while [[ " ${node_ports[*]} " == *" $port "* ]]; do port=$(free_port); done
        case "$row" in
            mem1) exec $on_server_core "$build/wirechat" --host 127.0.0.1 --port "$port" --web web "${no_address_limits[@]}" ;;
            redis2) exec $on_server_core "$build/wirechat" --host 127.0.0.1 --port "$port" --web web "${no_address_limits[@]}" \
                --redis "redis://127.0.0.1:$redis_port" ;;
            sio2) exec $on_server_core node bench/peers/socketio/chat.js "$port" "redis://127.0.0.1:$redis_port" ;;
        esac >"$work/node-$i.log" 2>&1 &
        node_pids+=($!)
        node_ports+=("$port")
    done
    for i in $(seq $count); do
        local ready=0
        for _ in $(seq 150); do
            if [ -n "$(ss -Htln "sport = :${node_ports[$((i - 1))]}")" ]; then
                if [ "$row" != redis2 ] || chat_ready "${node_ports[$((i - 1))]}"; then ready=1; break; fi
            fi
            kill -0 "${node_pids[$((i - 1))]}" 2>/dev/null || break
            sleep 0.1
        done
        [ $ready = 1 ] && continue
        echo "bench: cluster: $row node $i did not start:" >&2
        cat "$work/node-$i.log" >&2
        exit 1
    done
}

# cluster_stop: the nodes (SIGTERM: wirechat nodes say goodbye to Redis),
# then everything they left in Redis.
cluster_stop() {
    local pid
    for pid in "${node_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${node_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    node_pids=()
    rcli flushall >/dev/null
}

cluster_keys="delivered_per_s server_cpu_us_per_delivery redis_cpu_us_per_delivery total_cpu_us_per_delivery
    p50_us p99_us all_delivered_us all_delivered_p99_us steady_all_delivered_p50_us steady_all_delivered_p99_us
    loadgen_cpu_share server_cpu_share redis_cpu_share"

# cluster_bcast_run ROW: the broadcast scenario against a fresh set of the
# row's nodes: $cluster_clients clients split evenly over the nodes, every
# one in the lobby (Socket.IO: one room), $cluster_rounds messages timed
# one at a time, then $cluster_rate messages/s for $cluster_duration s from
# senders on every node; every client must get every message exactly once.
# The server's CPU is that of all the row's nodes; redis-server's is read
# apart (--redis-pid) and added in total_cpu_us_per_delivery.
cluster_bcast_run() {
    local row=$1 args=() line
    cluster_start "$row"
    [ "$row" = mem1 ] || args+=(--redis-pid "$redis_pid")
    [ "$row" = sio2 ] && args+=(--protocol socketio)
    line=$($on_load_core "$loadgen" broadcast --port "$(IFS=,; echo "${node_ports[*]}")" \
        --server-pid "$(IFS=,; echo "${node_pids[*]}")" "${args[@]}" --connections "$cluster_clients" \
        --rounds "$cluster_rounds" --rate "$cluster_rate" --duration "$cluster_duration" | grep '^RESULT')
    cluster_stop
    if grep -q "redis_lost" "$work"/node-*.log; then
        echo "bench: cluster: a $row node lost Redis during the run:" >&2
        grep -h "redis:" "$work"/node-*.log >&2
        exit 1
    fi
    echo "  $row: $line"
    # shellcheck disable=SC2086
    record cluster "$row" "$line" $cluster_keys
}

# cluster_idle_run: $cluster_idle_conns idle chat clients held at once by
# $cluster_idle_nodes wirechat nodes of one chat (one Redis), once per run.
# As in the scale section, the nodes share one port (--reuse-port: the
# kernel spreads the connections) because one process may not hold more
# than 20,000 descriptors here, and as many loadgens open their shares at
# once from 127.0.0.1-8. Every client is a chat client: it counts once it
# has its welcome. The clients are spread over $cluster_idle_rooms rooms
# (?room=r<k>; 0: all in the lobby), each loadgen filling its own rooms one
# after the other (bench/README.md says why). Then each node's RSS growth
# per connection it holds, and what Redis holds (INFO's used_memory).
# The nodes ping silent clients only after 10 minutes (--ping-interval):
# with the default 30 s, and 10 s to answer, clients welcomed early were
# dropped during the arrival of the others here, six nodes and Redis
# sharing core 0 (bench/README.md, "The chat through Redis").
cluster_idle_run() {
    port=$(free_port)
    local nodes=() loads=() i pid n=$cluster_idle_nodes
    for i in $(seq "$n"); do
        $on_server_core "$build/wirechat" --host 127.0.0.1 --port "$port" --web web "${no_address_limits[@]}" --reuse-port \
            --redis "redis://127.0.0.1:$redis_port" --ping-interval 600000 \
            >"$work/cluster-node-$i.log" 2>&1 &
        nodes+=($!)
        node_pids+=($!)
    done
    # Every node listening and registered in Redis (its entry in the chat's
    # set of nodes), then the port taking chat clients 20 times in a row.
    local ready=0 streak=0
    for _ in $(seq 150); do
        if [ "$(ss -Htln "sport = :$port" | wc -l)" -ge "$n" ] && [ "$(rcli zcard wirechat:nodes)" -ge "$n" ]; then
            if chat_ready "$port"; then streak=$((streak + 1)); else streak=0; sleep 0.1; fi
            [ $streak -ge 20 ] && { ready=1; break; }
            continue
        fi
        sleep 0.1
    done
    [ $ready = 1 ] || { echo "bench: cluster: the $n nodes did not start:" >&2; cat "$work"/cluster-node-*.log >&2; exit 1; }
    # The probes' clients gone, and the nodes' Redis connections idle for
    # long enough (2 s) that Redis gave back their query buffers, which
    # used_memory counts.
    sleep 3
    local rss_before=() sockets_before=() used_before
    used_before=$(redis_info memory used_memory)
    for pid in "${nodes[@]}"; do
        rss_before+=("$(rss_kib_of "$pid")")
        sockets_before+=("$(sockets_of "$pid")")
    done
    local share=$((cluster_idle_conns / n)) rooms_args=()
    for i in $(seq "$n"); do
        local count=$share
        [ "$i" = "$n" ] && count=$((cluster_idle_conns - share * (n - 1)))
        [ "$cluster_idle_rooms" -gt 0 ] &&
            rooms_args=(--rooms $((cluster_idle_rooms / n)) --room-offset $(((i - 1) * (cluster_idle_rooms / n))))
        $on_load_core "$loadgen" idle --chat --port "$port" --connections "$count" --sources 8 --hold 900 \
            "${rooms_args[@]}" >"$work/cluster-load-$i.out" 2>&1 &
        loads+=($!)
        node_pids+=($!)
    done
    await_holding_loadgens cluster 420 "${loads[@]}"
    sleep 1  # the last presence and rooms updates out
    local rss_after=0 rss_before_sum=0 held=0 least="" most=0 count per_node=""
    for i in $(seq "$n"); do
        pid=${nodes[$((i - 1))]}
        kill -0 "$pid" 2>/dev/null || { echo "bench: cluster: node $i exited:" >&2; cat "$work/cluster-node-$i.log" >&2; exit 1; }
        local rss; rss=$(rss_kib_of "$pid")
        count=$(($(sockets_of "$pid") - ${sockets_before[$((i - 1))]}))
        rss_after=$((rss_after + rss))
        rss_before_sum=$((rss_before_sum + ${rss_before[$((i - 1))]}))
        held=$((held + count))
        [ -z "$least" ] || [ "$count" -lt "$least" ] && least=$count
        [ "$count" -gt "$most" ] && most=$count
        per_node="$per_node${per_node:+/}$(awk -v a="$rss" -v b="${rss_before[$((i - 1))]}" -v c="$count" \
            'BEGIN { if (c > 0) printf "%.0f", (a - b) * 1024 / c; else printf "-" }')"
    done
    # One chat, whole: every client registered in Redis (its nickname in
    # the chat's hash of nicknames), and no node lost Redis meanwhile (a
    # node that takes Redis for gone registers all its clients again).
    local nicknames used_after dataset keys
    nicknames=$(rcli hlen wirechat:nicks)
    used_after=$(redis_info memory used_memory)
    dataset=$(redis_info memory used_memory_dataset)
    keys=$(rcli dbsize)
    if grep -q "redis_lost" "$work"/cluster-node-*.log || [ "$nicknames" != "$cluster_idle_conns" ]; then
        echo "bench: cluster: Redis holds $nicknames of $cluster_idle_conns clients; the nodes said:" >&2
        grep -h "redis:" "$work"/cluster-node-*.log >&2
        exit 1
    fi
    for pid in "${nodes[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${loads[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${nodes[@]}" "${loads[@]}"; do wait "$pid" 2>/dev/null || true; done
    node_pids=()
    rcli flushall >/dev/null
    [ "$held" -eq "$cluster_idle_conns" ] ||
        { echo "bench: cluster: the nodes held $held connections, not $cluster_idle_conns" >&2; exit 1; }
    local rate received
    rate=$(cat "$work"/cluster-load-*.out | sed -n 's/^RESULT.* connections=\([0-9]*\) handshakes_per_s=\([0-9.]*\).*/\1 \2/p' |
        awk -v total="$cluster_idle_conns" '{ t = $1 / $2; if (t > longest) longest = t } END { printf "%.0f", total / longest }')
    received=$(cat "$work"/cluster-load-*.out | sed -n 's/^RESULT.* connections=\([0-9]*\) .*bytes_received_per_conn=\([0-9.]*\).*/\1 \2/p' |
        awk '{ bytes += $1 * $2; n += $1 } END { printf "%.0f", bytes / n }')
    local line="RESULT scenario=cluster_idle connections=$held nodes=$n rooms=$cluster_idle_rooms least=$least most=$most"
    line="$line bytes_per_conn=$(awk -v a="$rss_after" -v b="$rss_before_sum" -v c="$held" 'BEGIN { printf "%.1f", (a - b) * 1024 / c }')"
    line="$line per_node=$per_node rss_total_mib=$(awk -v a="$rss_after" 'BEGIN { printf "%.1f", a / 1024 }')"
    line="$line redis_used_mib=$(awk -v u="$used_after" 'BEGIN { printf "%.1f", u / 1048576 }')"
    line="$line redis_bytes_per_conn=$(awk -v a="$used_after" -v b="$used_before" -v c="$held" 'BEGIN { printf "%.0f", (a - b) / c }')"
    line="$line redis_dataset_mib=$(awk -v u="$dataset" 'BEGIN { printf "%.1f", u / 1048576 }')"
    line="$line redis_keys=$keys handshakes_per_s=$rate bytes_received_per_conn=$received"
    echo "  wirechat: $line"
    echo "$line" > "$work/cluster_idle.result"
}

echo "bench: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD), $rounds round(s)$([ $quick = 1 ] && echo ', quick')"
echo "bench: load average: $(cut -d' ' -f1-3 /proc/loadavg)"
deflate_peers=""
[[ " $peers " == *" node "* ]] && deflate_peers=node  # libwebsockets' peer has no compression set up
cluster_rows=""
if [ $run_cluster = 1 ] && [ $have_redis = 1 ]; then
    redis_start
    echo "bench: redis-server $(redis_info server redis_version) on 127.0.0.1:$redis_port (persistence off)"
    cluster_rows="mem1 redis2"
    [ $have_socketio = 1 ] && cluster_rows="$cluster_rows sio2"
fi
for round in $(seq "$rounds"); do
    echo "round $round"
    for row in $cluster_rows; do cluster_bcast_run "$row"; done
    if [ $run_deflate = 1 ]; then
        for server in wirechat $deflate_peers; do
            deflate_runs "$server" off
            deflate_runs "$server" on
        done
    fi
    [ $run_base = 1 ] || continue
    for server in wirechat $peers; do
        echo_run "$server" echo32 --size 32
        echo_run "$server" echo16k --size 16384
        echo_run "$server" pipelined --size 32 --inflight 16
        loadgen_run "$server" idle idle --connections "$idle_conns"
        record idle "$server" "$(cat "$work/last")" bytes_per_idle_conn handshakes_per_s \
            server_cpu_us_per_handshake loadgen_cpu_share_opening
    done
    loadgen_run wirechat broadcast broadcast --connections "$bcast_clients" --rounds "$bcast_rounds" \
        --rate "$bcast_rate" --duration "$bcast_duration"
    record broadcast wirechat "$(cat "$work/last")" p50_us p99_us all_delivered_us delivered_per_s \
        server_cpu_us_per_delivery
    if [ $have_nginx = 1 ]; then
        static_run wirechat
        static_run nginx
    fi
done
if [ $run_tls = 1 ]; then
    mkdir -p "$work/tls"
    scripts/dev-cert.sh "$work/tls" >/dev/null
    tls_peers=""
    [ $have_nginx = 1 ] && tls_peers=nginx
    for round in $(seq "$rounds"); do
        echo "tls: round $round"
        server_tls=1
        for server in wirechat $tls_echo_peers; do
            echo_run "$server" wss_echo32 --size 32 --tls
            echo_run "$server" wss_echo16k --size 16384 --tls
        done
        server_tls=0
        for server in wirechat $tls_peers; do
            handshake_run "$server" new
            handshake_run "$server" reuse
            if [ $have_nginx = 1 ]; then
                server_tls=1
                static_run "$server" static_tls
                server_tls=0
            fi
        done
    done
fi
fanout_servers=wirechat
if [ $run_fanout = 1 ]; then
    [[ " $peers " == *" node "* ]] && fanout_servers="$fanout_servers node"
    [ $have_socketio = 1 ] && fanout_servers="$fanout_servers socketio"
    [ $have_uwsjs = 1 ] && fanout_servers="$fanout_servers uwsjs"
    [ $have_uws = 1 ] && fanout_servers="$fanout_servers uws"
    read -ra fanout_ns <<<"$fanout_clients"
    read -ra fanout_rs <<<"$fanout_rates"
    for round in $(seq "$rounds"); do
        for i in "${!fanout_ns[@]}"; do
            echo "fanout: round $round, ${fanout_ns[$i]} subscribers, ${fanout_rs[$i]} msg/s"
            for server in $fanout_servers; do fanout_run "$server" "${fanout_ns[$i]}" "${fanout_rs[$i]}"; done
        done
    done
fi
if [ $run_scale = 1 ]; then
    echo "scale: $scale_conns idle WebSockets at once"
    scale_run
fi
if [ -n "$cluster_rows" ]; then
    echo "cluster: $cluster_idle_conns idle chat clients on $cluster_idle_nodes nodes of one chat"
    cluster_idle_run
    redis_stop
fi

# ---- the table ----------------------------------------------------------------

median() {  # FILE -> median of its lines
    [ -s "$1" ] || { echo "-"; return; }
    sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f\n", a / b }'
}

# row LABEL SCENARIO KEY PEER...: one line per peer (or one with no peer).
row() {
    local label=$1 scenario=$2 key=$3 ours theirs
    shift 3
    ours=$(median "$work/$scenario.wirechat.$key")
    [ $# -gt 0 ] || { echo "| $label | $ours | | | |"; return; }
    for peer in "$@"; do
        theirs=$(median "$work/$scenario.$peer.$key")
        echo "| $label | $ours | $peer | $theirs | $(ratio "$ours" "$theirs") |"
    done
}

# deflate_row LABEL SCENARIO KEY: compression off and on for wirechat and
# Node, each server's on/off ratio, and wirechat / Node with compression on.
deflate_row() {
    local label=$1 scenario=$2 key=$3 w_off w_on n_off n_on
    w_off=$(median "$work/${scenario}_off.wirechat.$key")
    w_on=$(median "$work/${scenario}_on.wirechat.$key")
    n_off=$(median "$work/${scenario}_off.node.$key")
    n_on=$(median "$work/${scenario}_on.node.$key")
    echo "| $label | $w_off | $w_on | $(ratio "$w_on" "$w_off") | $n_off | $n_on | $(ratio "$n_on" "$n_off") | $(ratio "$w_on" "$n_on") |"
}

if [ $run_base = 1 ]; then
    echo "| scenario: figure (median of $rounds) | wirechat | peer | peer's | wirechat / peer |"
    echo "|---|---:|---|---:|---:|"
    for s in "echo32:echo $conns conns x 32 B" "echo16k:echo $conns conns x 16 KiB" \
             "pipelined:echo $conns conns x 32 B, 16 in flight"; do
        id=${s%%:*} label=${s#*:}
        row "$label: server CPU us/msg" "$id" server_cpu_us_per_msg $peers
        row "$label: of which user space" "$id" server_user_us_per_msg $peers
        row "$label: msgs/s" "$id" msgs_per_s $peers
        row "$label: p50 us" "$id" p50_us $peers
        row "$label: p99 us" "$id" p99_us $peers
    done
    row "idle $idle_conns conns: RSS growth bytes/conn" idle bytes_per_idle_conn $peers
    row "idle $idle_conns conns: handshakes/s" idle handshakes_per_s $peers
    row "idle $idle_conns conns: server CPU us/handshake" idle server_cpu_us_per_handshake $peers
    row "idle $idle_conns conns: loadgen's share of its core while opening" idle loadgen_cpu_share_opening $peers
    row "broadcast to $bcast_clients: p50 us" broadcast p50_us
    row "broadcast to $bcast_clients: p99 us" broadcast p99_us
    row "broadcast to $bcast_clients: all delivered us" broadcast all_delivered_us
    row "broadcast $bcast_rate msg/s to $bcast_clients: deliveries/s" broadcast delivered_per_s
    row "broadcast $bcast_rate msg/s to $bcast_clients: server CPU us/delivery" broadcast server_cpu_us_per_delivery
    if [ $have_nginx = 1 ]; then
        row "static GET /: server CPU us/req" static server_cpu_us_per_req nginx
        row "static GET /: req/s" static req_per_s nginx
    fi
fi | tee "$work/table.md"
if [ $run_deflate = 1 ]; then
    echo
    echo "| compression: figure (median of $rounds) | wirechat off | wirechat on | on / off | node off | node on | on / off | wirechat / node, on |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    label="echo $conns conns x $deflate_size B JSON text"
    deflate_row "$label: server CPU us/msg" json server_cpu_us_per_msg
    deflate_row "$label: of which user space" json server_user_us_per_msg
    deflate_row "$label: msgs/s" json msgs_per_s
    deflate_row "$label: p50 us" json p50_us
    deflate_row "$label: p99 us" json p99_us
    deflate_row "$label: bytes on the wire per echo" json wire_bytes_per_echo
    deflate_row "idle $idle_conns conns: RSS growth bytes/conn" idle_json bytes_per_idle_conn
    deflate_row "idle $idle_conns conns, after one $deflate_size B message each: bytes/conn" idle_json \
        bytes_per_conn_after_echo
fi | tee "$work/deflate_table.md"
if [ $run_scale = 1 ]; then
    echo
    field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$work/scale.result"; }
    echo "| scale: $scale_conns idle WebSockets held at once | wirechat |"
    echo "|---|---:|"
    echo "| server processes sharing the port (--reuse-port), all on core 0 | $(field processes) |"
    echo "| connections per process, fewest / most | $(field least) / $(field most) |"
    echo "| RSS growth bytes/conn after one echo each (all processes) | $(field bytes_per_conn) |"
    echo "| RSS of all processes, MiB | $(field rss_total_mib) |"
    echo "| handshakes/s (all loadgens at once) | $(field handshakes_per_s) |"
fi
# cluster_row LABEL KEY: the three rows' medians, and the two ratios.
cluster_row() {
    local mem redis sio
    mem=$(median "$work/cluster.mem1.$2")
    redis=$(median "$work/cluster.redis2.$2")
    sio=$(median "$work/cluster.sio2.$2")
    echo "| $1 | $mem | $redis | $sio | $(ratio "$redis" "$sio") | $(ratio "$redis" "$mem") |"
}
if [ -n "$cluster_rows" ]; then
    echo
    echo "| cluster: broadcast to $cluster_clients clients (median of $rounds) | wirechat 1 node, memory | wirechat 2 nodes, Redis | Socket.IO 2 nodes, Redis | wirechat 2 / Socket.IO 2 | wirechat 2 / wirechat 1 |"
    echo "|---|---:|---:|---:|---:|---:|"
    steady="$cluster_rate msg/s offered for $cluster_duration s"
    cluster_row "$steady: deliveries/s" delivered_per_s
    cluster_row "$steady: server CPU us/delivery, the nodes" server_cpu_us_per_delivery
    cluster_row "$steady: redis-server CPU us/delivery" redis_cpu_us_per_delivery
    cluster_row "$steady: nodes + redis-server CPU us/delivery" total_cpu_us_per_delivery
    cluster_row "$steady: until the last client has a message, p50 us" steady_all_delivered_p50_us
    cluster_row "$steady: until the last client has a message, p99 us" steady_all_delivered_p99_us
    cluster_row "$steady: load generator's CPU, share of its core" loadgen_cpu_share
    cluster_row "$steady: the nodes' CPU, share of core 0" server_cpu_share
    cluster_row "$steady: redis-server's CPU, share of core 0" redis_cpu_share
    single="$cluster_rounds messages one at a time"
    cluster_row "$single: until the last client has it, p50 us" all_delivered_us
    cluster_row "$single: until the last client has it, p99 us" all_delivered_p99_us
    cluster_row "$single: each delivery, p50 us" p50_us
    cluster_row "$single: each delivery, p99 us" p99_us
    echo
    field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$work/cluster_idle.result"; }
    echo "| cluster: $cluster_idle_conns idle chat clients, $cluster_idle_nodes nodes of one chat (one Redis) | wirechat |"
    echo "|---|---:|"
    echo "| nodes sharing the port (--reuse-port), all on core 0 with redis-server | $(field nodes) |"
    echo "| rooms the clients are spread over (?room=), filled one after another | $(field rooms) |"
    echo "| connections per node, fewest / most | $(field least) / $(field most) |"
    echo "| RSS growth bytes/conn, all nodes | $(field bytes_per_conn) |"
    echo "| RSS growth bytes/conn, node by node | $(field per_node) |"
    echo "| RSS of all nodes, MiB | $(field rss_total_mib) |"
    echo "| Redis used_memory, MiB (INFO memory) | $(field redis_used_mib) |"
    echo "| of which the data set (used_memory_dataset), MiB | $(field redis_dataset_mib) |"
    echo "| Redis used_memory growth, bytes/conn | $(field redis_bytes_per_conn) |"
    echo "| Redis keys | $(field redis_keys) |"
    echo "| welcomes/s (all loadgens at once) | $(field handshakes_per_s) |"
    echo "| bytes received per client until all were in (welcome, presence, rooms) | $(field bytes_received_per_conn) |"
fi | tee "$work/cluster_table.md"
# fanout_row LABEL N KEY [ratios]: every server's median (the loadgen's CPU
# share starred when near 1: the loadgen was then the limit), and with
# "ratios", wirechat / each peer.
fanout_row() {
    local label=$1 n=$2 key=$3 ratios=${4:-} ours line server value
    ours=$(median "$work/fanout$n.wirechat.$key")
    line="| $label"
    for server in wirechat node socketio uwsjs uws; do
        value=$(median "$work/fanout$n.$server.$key")
        [ "$key" = loadgen_cpu_share ] && [ "$value" != - ] &&
            awk -v v="$value" 'BEGIN { exit !(v >= 0.9) }' && value="$value *"
        line="$line | $value"
    done
    for server in node socketio uwsjs uws; do
        if [ -n "$ratios" ]; then line="$line | $(ratio "$ours" "$(median "$work/fanout$n.$server.$key")")"
        else line="$line | "; fi
    done
    echo "$line |"
}
if [ $run_fanout = 1 ]; then
    for i in "${!fanout_ns[@]}"; do
        n=${fanout_ns[$i]} rate=${fanout_rs[$i]}
        echo
        echo "| fan-out to $n subscribers, one publisher, $rate msg/s for $fanout_duration s (median of $rounds) | wirechat | node ws | Socket.IO | uWS.js | uWebSockets (C++) | wirechat / node ws | wirechat / Socket.IO | wirechat / uWS.js | wirechat / uWebSockets |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        fanout_row "server CPU us/delivery" "$n" server_cpu_us_per_delivery ratios
        fanout_row "deliveries/s ($((n * rate)) offered)" "$n" delivered_per_s ratios
        fanout_row "until the last subscriber has a message, p50 us" "$n" steady_all_delivered_p50_us ratios
        fanout_row "until the last subscriber has a message, p99 us" "$n" steady_all_delivered_p99_us ratios
        fanout_row "loadgen CPU share (of its core)" "$n" loadgen_cpu_share
        fanout_row "loadgen CPU us/delivery (1 / this: what its core could check)" "$n" loadgen_cpu_us_per_delivery
        fanout_row "server CPU share (of core 0)" "$n" server_cpu_share
        fanout_row "bytes received per delivery (frame and message)" "$n" wire_bytes_per_delivery ratios
        fanout_row "$fanout_timed messages one at a time: until the last has it, p50 us" "$n" all_delivered_us ratios
    done
    echo
    echo "Starred (*): the load generator used nearly all of its core, and may have been the limit."
    skipped=""
    for server in node socketio uwsjs uws; do [[ " $fanout_servers " == *" $server "* ]] || skipped="$skipped $server"; done
    [ -z "$skipped" ] || echo "Not run (\"-\"):$skipped (see the notes at the start)."
fi | tee "$work/fanout_table.md"
if [ $run_tls = 1 ]; then
    echo
    echo "| tls (ECDSA P-256 certificate; median of $rounds) | wirechat | peer | peer's | wirechat / peer |"
    echo "|---|---:|---|---:|---:|"
    for s in "wss_echo32:wss echo $conns conns x 32 B" "wss_echo16k:wss echo $conns conns x 16 KiB"; do
        id=${s%%:*} label=${s#*:}
        row "$label: server CPU us/msg" "$id" server_cpu_us_per_msg $tls_echo_peers
        row "$label: of which user space" "$id" server_user_us_per_msg $tls_echo_peers
        row "$label: msgs/s" "$id" msgs_per_s $tls_echo_peers
        row "$label: p50 us" "$id" p50_us $tls_echo_peers
        row "$label: p99 us" "$id" p99_us $tls_echo_peers
    done
    row "full handshake + GET /: server CPU us/conn" handshake_new server_cpu_us_per_conn $tls_peers
    row "full handshake + GET /: conns/s (one openssl s_time)" handshake_new conns_per_s $tls_peers
    row "resumed handshake + GET /: server CPU us/conn" handshake_reuse server_cpu_us_per_conn $tls_peers
    row "resumed handshake + GET /: conns/s (one openssl s_time)" handshake_reuse conns_per_s $tls_peers
    if [ $have_nginx = 1 ]; then
        row "static GET / over https: server CPU us/req" static_tls server_cpu_us_per_req nginx
        row "static GET / over https: req/s" static_tls req_per_s nginx
    fi
fi | tee "$work/tls_table.md"
[ $quick = 1 ] && echo "bench: quick run complete (speed is not judged in --quick)"
echo "bench: load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
