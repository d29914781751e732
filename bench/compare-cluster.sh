#!/usr/bin/env bash
# Cluster overhead on this machine, in one run: the same load against one Junction node and
# against three nodes meeting at one redis-server, driven by junction-bench (docs/cluster-redis.md).
#
#   cross-node RPC   10 callers on node A, 2 callees on nodes B and C (single node: all on one node)
#   1 -> 100 fan-out 1 publisher on node A, 100 subscribers split over nodes B and C
#   Redis cost       Redis CPU time (INFO CPU, before/after) per call and per publication
#
#   bench/compare-cluster.sh                     full run (3 repetitions, medians; release build)
#   bench/compare-cluster.sh --quick             smoke run (1 repetition, 2 s per case)
#   options: --skip-build (use the binaries already in .build-bench-release/release),
#            --bin DIR (use DIR/junction and DIR/junction-bench, e.g. .build/debug, built by you),
#            --serializer json|msgpack|cbor (default msgpack), --only rpc|pubsub
#
# Every router and redis-server is pinned to CPU 0 and the generator to CPU 1 (taskset), so the
# three nodes share the single node's core: the figures compare the same hardware budget. Only
# 127.0.0.1 and free ports are used. Results go to bench/results/<date>-cluster/ (raw JSON per
# run, summary.md, logs). Cross-node RPC needs RPC across nodes in the binary; without it the
# calls end in errors and the summary says so.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
COMMAND_LINE="$0 $*"

QUICK=0
SKIP_BUILD=0
BIN_DIR=""
SERIALIZER=msgpack
ONLY=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) QUICK=1 ;;
        --skip-build) SKIP_BUILD=1 ;;
        --bin) BIN_DIR="$2"; shift ;;
        --serializer) SERIALIZER="$2"; shift ;;
        --only) ONLY="$2"; shift ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
    shift
done

if [[ $QUICK == 1 ]]; then
    REPS=1; DURATION=2; WARMUP=1
else
    REPS=3; DURATION=8; WARMUP=2
fi
HOST=127.0.0.1
ROUTER_CPU=0
GEN_CPU=1
SCRATCH=.build-bench-release
BIN=${BIN_DIR:-$SCRATCH/release}
OUT=bench/results/$(date +%Y%m%d-%H%M%S)-cluster$([[ $QUICK == 1 ]] && echo -quick || true)
WORK=$OUT/work
mkdir -p "$OUT/raw" "$WORK"
STARTED=$(date +%s)

log() { printf '[%4ss] %s\n' "$(( $(date +%s) - STARTED ))" "$*" | tee -a "$OUT/compare.log"; }

PIDS=()
stop_all() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
        local alive=0
        for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [[ $alive == 0 ]] && break
        sleep 0.2
    done
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    PIDS=()
}
trap 'stop_all' EXIT
trap 'log "interrupted"; exit 130' INT TERM
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_port() {  # wait_port PID SECONDS PORT
    local deadline=$(( $(date +%s) + $2 ))
    while (( $(date +%s) < deadline )); do
        kill -0 "$1" 2>/dev/null || return 1
        (exec 3<>"/dev/tcp/$HOST/$3") 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}

# ---------------------------------------------------------------- machine and build

{
    echo "command: $COMMAND_LINE"
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "machine: $(uname -srm); $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
    echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "redis-server: $(redis-server --version 2>/dev/null || echo missing)"
    echo "binaries: $BIN; serializer $SERIALIZER; $REPS repetition(s) of ${DURATION}s after ${WARMUP}s warm-up"
    echo "pinning: routers and redis-server on CPU $ROUTER_CPU, generator on CPU $GEN_CPU"
} | tee "$OUT/machine.txt"

command -v redis-server >/dev/null || { log "redis-server missing (apt-get install redis-server)"; exit 2; }
if [[ -z $BIN_DIR && $SKIP_BUILD == 0 ]]; then
    log "building release binaries in $SCRATCH (the first build takes 10+ minutes)"
    swift build -c release --scratch-path "$SCRATCH" --product junction-bench 2>&1 | tail -3
    swift build -c release --scratch-path "$SCRATCH" --product junction > "$OUT/junction-build.log" 2>&1 \
        || { log "junction build failed (see $OUT/junction-build.log)"; exit 1; }
fi
for binary in junction junction-bench; do
    [[ -x $BIN/$binary ]] || { log "$BIN/$binary missing"; exit 2; }
done

# ---------------------------------------------------------------- redis-server and nodes

REDIS_PORT=""
REDIS_PID=""
start_redis() {
    REDIS_PORT=$(free_port)
    taskset -c $ROUTER_CPU redis-server --port "$REDIS_PORT" --bind $HOST --save '' --appendonly no \
        --protected-mode no --loglevel warning --dir "$WORK" >> "$OUT/redis.log" 2>&1 &
    REDIS_PID=$!
    PIDS+=("$REDIS_PID")
    wait_port "$REDIS_PID" 20 "$REDIS_PORT" || { log "redis-server did not start"; exit 1; }
}

redis_cpu_seconds() {  # user + sys CPU seconds redis-server has used so far
    redis-cli -h $HOST -p "$REDIS_PORT" INFO cpu | tr -d '\r' \
        | awk -F: '/^used_cpu_sys:/{s=$2} /^used_cpu_user:/{u=$2} END{printf "%.6f\n", s+u}'
}

declare -A NODE_PORT NODE_PID
start_node() {  # start_node NAME CLUSTER(0|1)
    local name=$1 clustered=$2 port
    port=$(free_port)
    {
        cat <<EOF
router:
  event_loops: 1
limits:
  max_pending_sessions: 100000
realms:
  - name: realm1
    roles:
      - name: anonymous
        permissions:
          - uri: ""
            match: prefix
            allow: [call, register, publish, subscribe]
transports:
  - type: websocket
    host: $HOST
    port: $port
    paths:
      /ws: {type: wamp}
      /ready: {type: ready}
EOF
        if [[ $clustered == 1 ]]; then
            cat <<EOF
cluster:
  redis: "redis://$HOST:$REDIS_PORT"
  node: $name
  key_prefix: bench
EOF
        fi
    } > "$WORK/$name.yaml"
    taskset -c $ROUTER_CPU "$BIN/junction" serve --config "$WORK/$name.yaml" --log-level warning \
        >> "$OUT/$name.log" 2>&1 &
    NODE_PID[$name]=$!
    NODE_PORT[$name]=$port
    PIDS+=("${NODE_PID[$name]}")
    wait_port "${NODE_PID[$name]}" 30 "$port" || { log "$name did not start (see $OUT/$name.log)"; exit 1; }
}

url() { echo "ws://$HOST:${NODE_PORT[$1]}/ws"; }

wait_cluster_ready() {
    local name
    for name in "$@"; do
        for _ in $(seq 1 300); do
            curl -sf "http://$HOST:${NODE_PORT[$name]}/ready" >/dev/null 2>&1 && break
            sleep 0.1
        done
    done
    # A heartbeat round (1 s) so every node has seen every other.
    sleep 1.5
}

# ---------------------------------------------------------------- runs

bench() {  # bench NAME REP SUBCOMMAND ARGS...
    local name=$1 rep=$2; shift 2
    local json="$OUT/raw/$name-$rep.json"
    log "run $name #$rep"
    taskset -c $GEN_CPU "$BIN/junction-bench" "$@" --serializer "$SERIALIZER" --duration "$DURATION" \
        --warmup "$WARMUP" --label "$name" --json "$json" >> "$OUT/bench.log" 2>&1 \
        || log "  $name #$rep: the generator failed (see $OUT/bench.log)"
}

RPC_ARGS=(rpc --callers 10 --callees 2 --window 10 --payload 128)
PUBSUB_ARGS=(pubsub --publishers 1 --subscribers 100 --window 64 --payload 128)

run_single() {
    log "single node"
    stop_all
    start_node solo 0
    local pid=${NODE_PID[solo]} rep
    for rep in $(seq 1 "$REPS"); do
        [[ $ONLY == pubsub ]] || bench single-rpc "$rep" "${RPC_ARGS[@]}" --url "$(url solo)" --router-pid "$pid"
        [[ $ONLY == rpc ]] || bench single-fanout "$rep" "${PUBSUB_ARGS[@]}" --url "$(url solo)" --router-pid "$pid"
    done
    stop_all
}

run_cluster() {
    log "three nodes and redis-server"
    stop_all
    start_redis
    start_node node-a 1
    start_node node-b 1
    start_node node-c 1
    wait_cluster_ready node-a node-b node-c
    local pids=(--router-pid "${NODE_PID[node-a]}" --router-pid "${NODE_PID[node-b]}"
        --router-pid "${NODE_PID[node-c]}" --router-pid "$REDIS_PID")
    local peers=(--peer-url "$(url node-b)" --peer-url "$(url node-c)") rep before after
    for rep in $(seq 1 "$REPS"); do
        if [[ $ONLY != pubsub ]]; then
            before=$(redis_cpu_seconds)
            bench cluster-rpc "$rep" "${RPC_ARGS[@]}" --url "$(url node-a)" "${peers[@]}" "${pids[@]}"
            after=$(redis_cpu_seconds)
            echo "{\"redis_cpu_s\": $(python3 -c "print($after - $before)")}" > "$OUT/raw/cluster-rpc-$rep.redis.json"
        fi
        if [[ $ONLY != rpc ]]; then
            before=$(redis_cpu_seconds)
            bench cluster-fanout "$rep" "${PUBSUB_ARGS[@]}" --url "$(url node-a)" "${peers[@]}" "${pids[@]}"
            after=$(redis_cpu_seconds)
            echo "{\"redis_cpu_s\": $(python3 -c "print($after - $before)")}" > "$OUT/raw/cluster-fanout-$rep.redis.json"
        fi
    done
    stop_all
}

run_single
run_cluster

# ---------------------------------------------------------------- summary

python3 - "$OUT" "$DURATION" "$WARMUP" <<'EOF' | tee "$OUT/summary.md"
import glob, json, os, statistics, sys

out, duration, warmup = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])

def runs(name):
    found = []
    for path in sorted(glob.glob(f"{out}/raw/{name}-*.json")):
        if path.endswith(".redis.json"):
            continue
        with open(path) as f:
            report = json.load(f)
        redis_path = path[:-5] + ".redis.json"
        if os.path.exists(redis_path):
            with open(redis_path) as f:
                report["redis_cpu_s"] = json.load(f)["redis_cpu_s"]
        found.append(report)
    return found

def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None

def fmt(value, digits=0):
    return "–" if value is None else f"{value:,.{digits}f}"

def row(name, primary, message_rate_key):
    reports = runs(name)
    if not reports:
        return None
    m = lambda key: median([r["metrics"].get(key) for r in reports])
    lat = lambda key: median([(r.get("latency_microseconds") or {}).get(key) for r in reports])
    rate = m(primary)
    errors = m("errors")
    redis = median([r.get("redis_cpu_s") for r in reports])
    # Redis CPU is read before and after the whole generator run (warm-up and measurement, at
    # about the same rate): charge it to the messages of both, estimated from the measured rate.
    message_rate = m(message_rate_key)
    redis_us = None
    if redis is not None and message_rate:
        redis_us = redis * 1e6 / (message_rate * (warmup + duration))
    return dict(name=name, rate=rate, p50=lat("p50"), p99=lat("p99"), errors=errors,
                router_cpu=m("router_cpu_pct"), redis_us=redis_us, runs=len(reports))

def table(title, single, cluster, unit):
    lines = [f"### {title}", "",
             f"| setup | {unit} | p50 µs | p99 µs | errors | router+redis CPU % | Redis CPU µs per message |",
             "|---|---|---|---|---|---|---|"]
    for r in (single, cluster):
        if r is None:
            continue
        lines.append(f"| {r['name']} | {fmt(r['rate'])} | {fmt(r['p50'])} | {fmt(r['p99'])} | {fmt(r['errors'])} "
                     f"| {fmt(r['router_cpu'])} | {fmt(r['redis_us'], 1)} |")
    if single and cluster and single["rate"] and cluster["rate"]:
        lines += ["", f"Cluster throughput: {cluster['rate'] / single['rate'] * 100:.0f}% of one node's "
                      f"({(1 - cluster['rate'] / single['rate']) * 100:.0f}% less)."]
    if cluster and cluster["errors"] and not cluster["rate"]:
        lines += ["", "Every cross-node call failed: this binary has no RPC across nodes."]
    return lines

lines = ["## Junction cluster vs one node", ""]
with open(f"{out}/machine.txt") as f:
    lines += ["```", f.read().rstrip(), "```", ""]
rpc = table("Cross-node RPC (10 callers on A → 2 callees on B and C)", row("single-rpc", "calls_per_s", "calls_per_s"),
            row("cluster-rpc", "calls_per_s", "calls_per_s"), "calls/s")
fan = table("1 → 100 fan-out (publisher on A, subscribers on B and C)",
            row("single-fanout", "deliveries_per_s", "publishes_per_s"),
            row("cluster-fanout", "deliveries_per_s", "publishes_per_s"), "deliveries/s")
lines += rpc + [""] + fan
lines += ["", "Redis CPU per message: redis-server's user+sys CPU (INFO cpu, read before and after each",
          "generator run) divided by the calls / publications of the run, estimated as the measured rate",
          "times warm-up plus measurement. A publication crosses Redis once (one Lua call: XADD and",
          "PUBLISH), whatever the number of subscribers; lost/duplicated/out-of-order are in raw/*.json."]
print("\n".join(lines))
EOF
log "results in $OUT"
