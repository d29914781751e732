#!/usr/bin/env bash
# Router CPU time per operation at a fixed open-loop rate: a steadier figure than calls/s for
# comparing two builds on a shared machine, where maximum throughput swings by ±30 % between runs
# (CPU time per operation moves far less: it does not depend on how long the router waits).
#
#   bench/cost.sh [JUNCTION_BIN [LABEL]]        (default: .build-bench-release/release/junction)
#
# Each scenario runs 3 times against a fresh router pinned to CPU 0 (generator on CPU 1) at a rate
# well below saturation; the router's CPU time over the measurement window (from /proc, via
# junction-bench --router-pid) divided by the operations completed is the cost of one operation.
# Prints the median of the 3. Loopback only, about 2 minutes.
#
# Operations: an RPC call (CALL in, INVOCATION out, YIELD in, RESULT out) over WebSocket/JSON and
# RawSocket/MessagePack, and one publication to 100 WebSocket/JSON subscribers (PUBLISH in,
# 100 EVENTs out).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
JUNCTION="${1:-$REPO/.build-bench-release/release/junction}"
LABEL="${2:-$(basename "$(dirname "$(dirname "$JUNCTION")")")}"
BENCH="${BENCH_BIN:-$REPO/.build-bench-release/release/junction-bench}"
[[ -x $JUNCTION && -x $BENCH ]] || {
    echo "build first: swift build -c release --scratch-path .build-bench-release --product junction (and --product junction-bench)" >&2
    exit 2
}

WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
PORT_WS=18580
PORT_RS=18581
cat > "$WORK/junction.yaml" <<EOF
router: {event_loops: 1}
limits: {max_pending_sessions: 100000}
realms:
  - name: realm1
    roles: [{name: anonymous, permissions: [{uri: "", match: prefix, allow: [call, register, publish, subscribe]}]}]
transports:
  - {type: websocket, host: 127.0.0.1, port: $PORT_WS, path: /ws}
  - {type: rawsocket, host: 127.0.0.1, port: $PORT_RS}
EOF

# once SCENARIO-ARGS... : router CPU microseconds per operation for one run.
once() {
    taskset -c 0 "$JUNCTION" serve --config "$WORK/junction.yaml" --log-level error > "$WORK/router.log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 100); do
        (exec 3<>/dev/tcp/127.0.0.1/$PORT_RS) 2>/dev/null && break
        sleep 0.1
    done
    taskset -c 1 "$BENCH" "$@" --duration 8 --warmup 2 --router-pid "$pid" --json "$WORK/run.json" > "$WORK/gen.log" 2>&1 || {
        cat "$WORK/gen.log" >&2
        kill $pid
        return 1
    }
    kill $pid
    wait $pid 2>/dev/null || true
    python3 - "$WORK/run.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["metrics"]
ops = m.get("calls_completed") or m.get("published_total")
print(m["router_cpu_pct"] / 100 * m["window_s"] * 1e6 / ops)
PY
}

cost() {
    local name=$1; shift
    local runs=()
    for _ in 1 2 3; do runs+=("$(once "$@")"); done
    python3 - "$LABEL" "$name" "${runs[@]}" <<'PY'
import statistics, sys
label, name, runs = sys.argv[1], sys.argv[2], [float(x) for x in sys.argv[3:]]
print(f"{label:<20} {name:<26} {statistics.median(runs):8.2f} µs router CPU/op   (runs: {', '.join(f'{r:.2f}' for r in runs)})")
PY
}

echo "# $(date -u +%FT%TZ) $(uname -m), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); router: $JUNCTION"
cost "rpc ws/json" rpc --url ws://127.0.0.1:$PORT_WS/ws --serializer json --callers 10 --callees 1 --payload 128 --rate 20000
cost "rpc rawsocket/msgpack" rpc --url rs://127.0.0.1:$PORT_RS --serializer msgpack --callers 10 --callees 1 --payload 128 --rate 20000
cost "publish 1->100 ws/json" pubsub --url ws://127.0.0.1:$PORT_WS/ws --serializer json --publishers 1 --subscribers 100 --payload 128 --rate 2000
