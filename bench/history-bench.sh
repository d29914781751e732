#!/usr/bin/env bash
# Publish rate with event history on, per storage mode (issue 16): memory, sqlite + sync: interval,
# sqlite + sync: always; fan-out 1 -> 100 with junction-bench, then the time to recover 10 000
# missed events (bench/history_recovery.py). One run each, figures on standard output.
#
#   bench/history-bench.sh              release build in .build-bench-release (builds it first,
#                                       the same scratch path as bench/compare-mqtt.sh)
#   bench/history-bench.sh --skip-build the release binaries already built there
#   bench/history-bench.sh --debug      the debug binaries in .build/debug (no build; figures are
#                                       only comparable with each other)
#   DURATION=8 WARMUP=2 RECOVER=10000   measurement seconds, warm-up seconds, events to recover
#
# Everything listens on 127.0.0.1 with ports found free at run time; stores go to a temporary
# directory that is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CONFIG=release
SKIP_BUILD=0
for arg in "$@"; do
    case "$arg" in
        --debug) CONFIG=debug ;;
        --skip-build) SKIP_BUILD=1 ;;
        *) echo "unknown option: $arg" >&2; exit 2 ;;
    esac
done
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-2}
RECOVER=${RECOVER:-10000}
PYTHON=${PYTHON:-python3}
if [[ -x "$ROOT/.venv/bin/python" ]]; then PYTHON="$ROOT/.venv/bin/python"; fi

if [[ $CONFIG == release ]]; then
    BIN="$ROOT/.build-bench-release/release"
    if [[ $SKIP_BUILD == 0 ]]; then
        swift build -c release --scratch-path .build-bench-release --product junction
        swift build -c release --scratch-path .build-bench-release --product junction-bench
    fi
else
    BIN="$ROOT/.build/debug"
fi
# The router on CPU 0, the load generator and the recovering client on CPU 1 (as bench/compare.sh).
PIN_ROUTER=(); PIN_LOAD=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then PIN_ROUTER=(taskset -c 0); PIN_LOAD=(taskset -c 1); fi
WORK=$(mktemp -d)
ROUTER_PID=""
cleanup() {
    [[ -n "$ROUTER_PID" ]] && kill "$ROUTER_PID" 2>/dev/null && wait "$ROUTER_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_router NAME STORAGE_YAML
start_router() {
    local name=$1 storage=$2 port
    port=$(free_port)
    cat >"$WORK/$name.yaml" <<YAML
router: {event_loops: 1}
realms:
  - name: realm1
    event_history:
      - {uri: bench., match: prefix, limit: 10000}
    roles:
      - name: anonymous
        permissions:
          - {uri: "", match: prefix, allow: [call, register, publish, subscribe]}
transports:
  - {type: rawsocket, host: 127.0.0.1, port: $port}
storage: $storage
YAML
    "${PIN_ROUTER[@]}" "$BIN/junction" serve --config "$WORK/$name.yaml" --log-level warning >"$WORK/$name.log" 2>&1 &
    ROUTER_PID=$!
    for _ in $(seq 100); do
        "$PYTHON" -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
        sleep 0.1
    done
    PORT=$port
}

stop_router() {
    kill "$ROUTER_PID"
    wait "$ROUTER_PID" 2>/dev/null || true
    ROUTER_PID=""
}

echo "== history-bench ($CONFIG build, $(nproc) cores, ${DURATION}s per run, pinned: ${PIN_ROUTER[*]:-no})"
echo "== command: $0 $*"
echo "== machine: $(uname -srm); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); $(free -g | awk '/Mem:/ {print $2}') GiB"
for mode in memory interval always; do
    case $mode in
        memory) storage=memory ;;
        interval) storage="{type: sqlite, path: $WORK/interval.sqlite, sync: interval, interval_ms: 100}" ;;
        always) storage="{type: sqlite, path: $WORK/always.sqlite, sync: always}" ;;
    esac
    start_router "$mode" "$storage"
    for ack in "" "--acknowledge"; do
        "${PIN_LOAD[@]}" "$BIN/junction-bench" pubsub --url "rs://127.0.0.1:$PORT" --serializer msgpack --publishers 1 \
            --subscribers 100 --duration "$DURATION" --warmup "$WARMUP" --router-pid "$ROUTER_PID" \
            $ack --label "$mode${ack:+ ack}" --json "$WORK/$mode$ack.json" >"$WORK/$mode$ack.txt" 2>&1 ||
            { cat "$WORK/$mode$ack.txt"; exit 1; }
        "$PYTHON" - "$WORK/$mode$ack.json" "$mode${ack:+ +ack}" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
metrics = data.get("metrics", {})
shown = "  ".join(f"{k} {v:.0f}" for k, v in sorted(metrics.items()) if "cpu" not in k)
print(f"{sys.argv[2]:>16}: {shown}")
PY
    done
    echo "$mode recovery: $("${PIN_LOAD[@]}" "$PYTHON" bench/history_recovery.py "$PORT" "$RECOVER")"
    stop_router
done
