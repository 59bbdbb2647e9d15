#!/usr/bin/env bash
# The benchmark suite: wirechat side by side with its peers, in one run.
#
#   bench/run.sh [--quick] [--rounds N] [--build-dir DIR] [--only base|deflate|scale]
#
# Servers run pinned to core 0, the load (bench's own wirechat-loadgen, or
# wrk) on core 1. Each scenario runs every server in turn, on a fresh
# process, and the whole set is repeated --rounds times, so that a
# disturbance on the machine hits all servers alike; medians are printed,
# with ratios wirechat / peer. --quick: tiny sizes, one round, asserts
# nothing about speed but fails if anything in the suite fails. A peer that
# is not installed (scripts/setup.sh bench) is skipped with a note.
# Three sections, each with its own table: base (every scenario, compression
# off as it is by default), deflate (permessage-deflate on and off,
# wirechat --deflate against Node's ws set up the same way) and scale
# (100,000 idle WebSockets at once, wirechat alone); --only picks one.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

quick=0
rounds=3
build=build-bench
sections="base deflate scale"
usage="usage: bench/run.sh [--quick] [--rounds N] [--build-dir DIR] [--only base|deflate|scale]"
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --rounds) rounds=$2; shift ;;
        --build-dir) build=$2; shift ;;
        --only)
            case "${2:-}" in base|deflate|scale) sections=$2 ;; *) echo "$usage" >&2; exit 2 ;; esac
            shift ;;
        *) echo "$usage" >&2; exit 2 ;;
    esac
    shift
done
run_base=0 run_deflate=0 run_scale=0
[[ " $sections " == *" base "* ]] && run_base=1
[[ " $sections " == *" deflate "* ]] && run_deflate=1
[[ " $sections " == *" scale "* ]] && run_scale=1
# The compression section's message: 1 KiB of JSON-like chat text, which
# permessage-deflate shrinks to about 40 % (wirechat-loadgen --json).
deflate_size=1024

if [ $quick = 1 ]; then
    rounds=1 conns=4 warmup=0.1 duration=0.3 idle_conns=200 bcast_clients=50 bcast_rounds=2
    bcast_rate=10 bcast_duration=1 wrk_seconds=1 wrk_conns=4 scale_conns=400 scale_servers=2
else
    conns=100 warmup=0.5 duration=4 idle_conns=10000 bcast_clients=10000 bcast_rounds=5
    bcast_rate=20 bcast_duration=3 wrk_seconds=5 wrk_conns=50 scale_conns=100000 scale_servers=6
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
have_nginx=0
if command -v nginx >/dev/null && command -v wrk >/dev/null; then have_nginx=1
else echo "bench: static GET SKIPPED (nginx or wrk not installed: scripts/setup.sh bench)"; fi

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
cleanup() {
    for pid in $server_pid "${scale_pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
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
        listen 127.0.0.1:$1;
        root $root/web;
        index index.html;
    }
}
CONF
    echo "$work/nginx/nginx.conf"
}

# start_server NAME: a fresh server on core 0; sets server_pid and port.
# With server_deflate=1, wirechat and Node ws start with permessage-deflate on.
server_deflate=0
start_server() {
    port=$(free_port)
    local conf=""
    [ "$1" = nginx ] && conf=$(nginx_conf "$port")
    local deflate=()
    [ $server_deflate = 1 ] && deflate=(--deflate)
    # exec: the background job becomes the server, so $! is its PID.
    case "$1" in
        wirechat) exec $on_server_core "$build/wirechat" --host 127.0.0.1 --port "$port" --web web "${deflate[@]}" ;;
        lws) exec $on_server_core "$build/bench/lws-echo" "$port" ;;
        node) exec $on_server_core node bench/peers/node-ws/echo.js "$port" "${deflate[@]}" ;;
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

# record SCENARIO SERVER RESULT-LINE KEY...: append each KEY's value to its file.
record() {
    local scenario=$1 server=$2 line=$3
    shift 3
    for key in "$@"; do
        value=$(printf '%s\n' "$line" | tr ' ' '\n' | sed -n "s/^$key=//p")
        echo "$value" >> "$work/$scenario.$server.$key"
    done
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

static_run() {  # SERVER: wrk against GET / and the server's CPU per request
    start_server "$1"
    local before after out requests
    before=$(cpu_ticks "$server_pid")
    out=$($on_load_core wrk -t1 -c"$wrk_conns" -d"${wrk_seconds}s" "http://127.0.0.1:$port/")
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
    line="RESULT scenario=static requests=$requests"
    line="$line req_per_s=$(awk -v r="$requests" -v s="$wrk_seconds" 'BEGIN { printf "%.0f", r / s }')"
    line="$line server_cpu_us_per_req=$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v r="$requests" \
        'BEGIN { printf "%.4g", t * 1e6 / hz / r }')"
    echo "  $1: $line"
    record static "$1" "$line" server_cpu_us_per_req req_per_s
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
rss_kib_of() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
scale_run() {
    port=$(free_port)
    local servers=() loads=() i pid
    for i in $(seq "$scale_servers"); do
        $on_server_core "$build/wirechat" --host 127.0.0.1 --port "$port" --web web --reuse-port \
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
    # Every loadgen prints its result (all its connections opened and echoed
    # once) and then holds; one that exits instead has failed.
    local done_count=0 deadline=$((SECONDS + 180))
    while [ "$done_count" -lt "$scale_servers" ]; do
        [ "$SECONDS" -lt "$deadline" ] || { echo "bench: scale: the loadgens took over 180 s" >&2; exit 1; }
        done_count=0
        for i in $(seq "$scale_servers"); do
            if grep -q '^RESULT' "$work/scale-load-$i.out"; then done_count=$((done_count + 1))
            elif ! kill -0 "${loads[$((i - 1))]}" 2>/dev/null; then
                echo "bench: scale: loadgen $i failed:" >&2
                cat "$work/scale-load-$i.out" >&2
                exit 1
            fi
        done
        sleep 0.2
    done
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

echo "bench: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD), $rounds round(s)$([ $quick = 1 ] && echo ', quick')"
echo "bench: load average: $(cut -d' ' -f1-3 /proc/loadavg)"
deflate_peers=""
[[ " $peers " == *" node "* ]] && deflate_peers=node  # libwebsockets' peer has no compression set up
for round in $(seq "$rounds"); do
    echo "round $round"
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
        record idle "$server" "$(cat "$work/last")" bytes_per_idle_conn handshakes_per_s
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
if [ $run_scale = 1 ]; then
    echo "scale: $scale_conns idle WebSockets at once"
    scale_run
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
[ $quick = 1 ] && echo "bench: quick run complete (speed is not judged in --quick)"
echo "bench: load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
