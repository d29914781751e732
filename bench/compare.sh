#!/usr/bin/env bash
# Side-by-side benchmark on this machine: Junction vs Crossbar.io vs a bare SwiftNIO WebSocket
# baseline, driven by junction-bench. See docs/benchmarks.md for the method. The RPC cases also
# run against the baseline in relay mode ("relay": CALL -> INVOCATION to a callee, YIELD -> RESULT).
#
#   bench/compare.sh            full run (3 repetitions, medians; ~25 min after the build)
#   bench/compare.sh --quick    smoke run (1 repetition, short durations; ~4 min after the build)
#   options: --skip-build, --keep-going (do not stop at the first failed generator run)
#
# Each router is pinned to CPU 0 and the generator to CPU 1 (taskset), except for the
# "1 vs 2 event loops" cases, where both are unpinned. Only 127.0.0.1 is used. Results go to
# bench/results/<date>/ (raw JSON per run, summary.md, summary.json, router logs).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

QUICK=0
SKIP_BUILD=0
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=1 ;;
        --skip-build) SKIP_BUILD=1 ;;
        --keep-going) ;;  # default behaviour; accepted for clarity
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "unknown option: $arg" >&2; exit 2 ;;
    esac
done

if [[ $QUICK == 1 ]]; then
    REPS=1; DURATION=2; WARMUP=1; IDLE_SIZES="200 1000"; CONNECT_DURATION=2
else
    REPS=3; DURATION=8; WARMUP=2; IDLE_SIZES="1000 10000"; CONNECT_DURATION=6
fi

HOST=127.0.0.1
J_WS=18180; J_RS=18181
C_WS=18280; C_RS=18281
B_WS=18390; B_RS=18391
ROUTER_CPU=0
GEN_CPU=1
SCRATCH=.build-bench-release
BIN=$SCRATCH/release
SUFFIX=""
[[ $QUICK == 1 ]] && SUFFIX=-quick
OUT=bench/results/$(date +%Y%m%d-%H%M%S)$SUFFIX
WORK=$OUT/work
mkdir -p "$OUT/raw" "$WORK"
STARTED=$(date +%s)

log() { printf '[%4ss] %s\n' "$(( $(date +%s) - STARTED ))" "$*" | tee -a "$OUT/compare.log"; }

# ---------------------------------------------------------------- processes and cleanup

ROUTER_PIDS=()      # every router process we started (crossbar: controller and worker)
CURRENT=""          # name of the running router
MEASURE_PID=""      # the process whose RSS the idle scenario measures

stop_routers() {
    local pid
    for pid in "${ROUTER_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for _ in $(seq 1 50); do
        local alive=0
        for pid in "${ROUTER_PIDS[@]}"; do
            kill -0 "$pid" 2>/dev/null && alive=1
        done
        [[ $alive == 0 ]] && break
        sleep 0.2
    done
    for pid in "${ROUTER_PIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
    done
    ROUTER_PIDS=()
    CURRENT=""
    MEASURE_PID=""
}
trap 'stop_routers' EXIT
trap 'log "interrupted"; exit 130' INT TERM

# Raise the open-file limit for routers and generator (10 000 idle sessions).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

port_free() { ! (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

wait_ports() {  # wait_ports PID SECONDS PORT...
    local pid=$1 limit=$2; shift 2
    local deadline=$(( $(date +%s) + limit ))
    while (( $(date +%s) < deadline )); do
        kill -0 "$pid" 2>/dev/null || return 1
        local ok=1 port
        for port in "$@"; do
            (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null || ok=0
        done
        [[ $ok == 1 ]] && return 0
        sleep 0.2
    done
    return 1
}

# start_junction LOOPS CPUS ("" = unpinned)
start_junction() {
    local loops=$1 cpus=$2
    stop_routers
    [[ -x $BIN/junction ]] || { log "junction binary missing; skipping Junction"; return 1; }
    cat > "$WORK/junction.yaml" <<EOF
router:
  event_loops: $loops
limits:
  # The idle and connect scenarios open thousands of sessions at once; the default pre-session
  # cap (1000 connections not yet joined) would refuse some of them.
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
    port: $J_WS
    path: /ws
  - type: rawsocket
    host: $HOST
    port: $J_RS
EOF
    local pin=()
    [[ -n $cpus ]] && pin=(taskset -c "$cpus")
    "${pin[@]}" "$BIN/junction" serve --config "$WORK/junction.yaml" --event-loops "$loops" --log-level warning \
        >> "$OUT/junction.log" 2>&1 &
    local pid=$!
    ROUTER_PIDS=("$pid")
    if ! wait_ports "$pid" 20 $J_WS $J_RS; then
        log "Junction did not start (see $OUT/junction.log)"
        stop_routers
        return 1
    fi
    CURRENT=junction
    MEASURE_PID=$pid
}

crossbar_config() {
    cat <<EOF
{
  "version": 2,
  "controller": {},
  "workers": [
    {
      "type": "router",
      "realms": [
        {
          "name": "realm1",
          "roles": [
            {
              "name": "anonymous",
              "permissions": [
                {
                  "uri": "", "match": "prefix",
                  "allow": {"call": true, "register": true, "publish": true, "subscribe": true},
                  "disclose": {"caller": false, "publisher": false},
                  "cache": true
                }
              ]
            }
          ]
        }
      ],
      "transports": [
        {
          "type": "web",
          "endpoint": {"type": "tcp", "interface": "$HOST", "port": $C_WS, "backlog": 4096},
          "paths": {
            "ws": {
              "type": "websocket",
              "serializers": ["json", "msgpack", "cbor"],
              "options": {"max_message_size": 16777216, "enable_webstatus": false}
            }
          }
        },
        {
          "type": "rawsocket",
          "endpoint": {"type": "tcp", "interface": "$HOST", "port": $C_RS, "backlog": 4096},
          "serializers": ["json", "msgpack", "cbor"],
          "options": {"max_message_size": 16777216}
        }
      ]
    }
  ]
}
EOF
}

# start_crossbar CPUS: one controller and ONE router worker, both pinned to CPUS.
start_crossbar() {
    local cpus=$1
    stop_routers
    mkdir -p "$WORK/cb/.crossbar"
    crossbar_config > "$WORK/cb/.crossbar/config.json"
    rm -f "$WORK/cb/.crossbar/node.pid"
    (cd "$WORK/cb" && exec taskset -c "$cpus" "$ROOT/.venv-crossbar/bin/crossbar" start \
        --cbdir "$ROOT/$WORK/cb/.crossbar" --loglevel warn >> "$ROOT/$OUT/crossbar.log" 2>&1) &
    local controller=$!
    ROUTER_PIDS=("$controller")
    if ! wait_ports "$controller" 90 $C_WS $C_RS; then
        log "Crossbar did not start (see $OUT/crossbar.log)"
        stop_routers
        return 1
    fi
    local worker=""
    for _ in $(seq 1 50); do
        worker=$(ps --ppid "$controller" -o pid=,args= | awk '/RouterController|router/ {print $1; exit}')
        [[ -n $worker ]] && break
        sleep 0.2
    done
    if [[ -z $worker ]]; then
        log "WARNING: Crossbar router worker not found; measuring the controller process instead"
        worker=$controller
    fi
    ROUTER_PIDS=("$worker" "$controller")
    CURRENT=crossbar
    MEASURE_PID=$worker  # the router worker alone holds the sessions
}

# start_baseline CPUS [RPC]: RPC "echo" (default; router name "baseline") answers a CALL at once,
# "relay" (router name "relay") forwards it to a callee like a router. Same ports either way.
start_baseline() {
    local cpus=$1 rpc=${2:-echo}
    local name=baseline mode=()
    # Echo mode passes no --rpc, so --skip-build still works with a binary older than the option.
    [[ $rpc == relay ]] && { name=relay; mode=(--rpc relay); }
    stop_routers
    taskset -c "$cpus" "$BIN/junction-bench" baseline-server --host $HOST --port $B_WS --rawsocket-port $B_RS \
        "${mode[@]}" >> "$OUT/$name.log" 2>&1 &
    local pid=$!
    ROUTER_PIDS=("$pid")
    if ! wait_ports "$pid" 10 $B_WS $B_RS; then
        log "$name server did not start (see $OUT/$name.log)"
        stop_routers
        return 1
    fi
    CURRENT=$name
    MEASURE_PID=$pid
}

start_router() {  # start_router NAME
    case "$1" in
        junction) start_junction 1 $ROUTER_CPU ;;
        crossbar) start_crossbar $ROUTER_CPU ;;
        baseline) start_baseline $ROUTER_CPU ;;
        relay) start_baseline $ROUTER_CPU relay ;;
    esac
}

ws_url() {
    case "$1" in
        junction*) echo "ws://$HOST:$J_WS/ws" ;;
        crossbar) echo "ws://$HOST:$C_WS/ws" ;;
        baseline|relay) echo "ws://$HOST:$B_WS/ws" ;;
    esac
}
rs_url() {
    case "$1" in
        junction*) echo "rs://$HOST:$J_RS" ;;
        crossbar) echo "rs://$HOST:$C_RS" ;;
        baseline|relay) echo "rs://$HOST:$B_RS" ;;
    esac
}

# ---------------------------------------------------------------- running the generator

FAILURES=0

# bench CASE LABEL PIN REP SCENARIO ARGS...   (PIN: taskset CPU list, "" = unpinned)
bench() {
    local case=$1 label=$2 pin=$3 rep=$4; shift 4
    local json="$OUT/raw/$case.$label.$rep.json"
    local limit=$(( ${DURATION%.*} + ${WARMUP%.*} + 120 ))
    local prefix=(timeout --signal=INT --kill-after=10 "$limit")
    [[ -n $pin ]] && prefix+=(taskset -c "$pin")
    if ! "${prefix[@]}" "$BIN/junction-bench" "$@" --label "$label" --json "$json" \
        >> "$OUT/generator.log" 2>&1; then
        log "FAILED: $case on $label (rep $rep); see $OUT/generator.log"
        FAILURES=$((FAILURES + 1))
        rm -f "$json"
        return 1
    fi
    python3 bench/summarize.py --brief "$json" | tee -a "$OUT/compare.log"
    local pids=("${ROUTER_PIDS[@]}")
    for pid in "${pids[@]}"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            log "router $label died during $case; restarting it"
            start_router "$label" || true
            return 1
        fi
    done
}

# scenario CASE ROUTERS SCENARIO ARGS...   (ROUTERS: space-separated; {url}/{rs} substituted)
# With FRESH=1, the router is restarted before every repetition.
scenario() {
    local case=$1 routers=$2; shift 2
    local router rep
    for router in $routers; do
        [[ $router == "$CURRENT" ]] || start_router "$router" || continue
        for rep in $(seq 1 "$REPS"); do
            if [[ ${FRESH:-0} == 1 ]]; then start_router "$router" || break; fi
            local args=() a
            for a in "$@"; do
                a=${a//\{ws\}/$(ws_url "$router")}
                a=${a//\{rs\}/$(rs_url "$router")}
                args+=("$a")
            done
            [[ -n $MEASURE_PID ]] && args+=(--router-pid "$MEASURE_PID")
            log "$case on $router (rep $rep/$REPS)"
            bench "$case" "$router" "$GEN_CPU" "$rep" "${args[@]}" || true
        done
    done
}

median_of() { python3 bench/summarize.py "$OUT" --metric "$1" "$2" "$3"; }

# ---------------------------------------------------------------- build and install

if [[ $SKIP_BUILD == 0 ]]; then
    log "building release binaries in $SCRATCH (the first build takes 10+ minutes)"
    swift build -c release --scratch-path "$SCRATCH" --product junction-bench 2>&1 | tail -3
    if ! swift build -c release --scratch-path "$SCRATCH" --product junction > "$OUT/junction-build.log" 2>&1; then
        log "Junction did not build (see $OUT/junction-build.log); continuing without it"
        rm -f "$BIN/junction"
    fi
fi
[[ -x $BIN/junction-bench ]] || { echo "missing $BIN/junction-bench" >&2; exit 1; }

if [[ ! -x .venv-crossbar/bin/crossbar ]]; then
    log "installing Crossbar into .venv-crossbar"
    python3 -m venv .venv-crossbar
    .venv-crossbar/bin/pip install --quiet crossbar 'numpy<2'
fi

for port in $J_WS $J_RS $C_WS $C_RS $B_WS $B_RS; do
    port_free "$port" || { echo "port $port on $HOST is in use; stop whatever listens there" >&2; exit 1; }
done

# Other work on the machine skews every figure: wait (bounded) for a quiet moment, and record it.
load1() { cut -d' ' -f1 /proc/loadavg; }
for _ in $(seq 1 24); do
    awk -v l="$(load1)" 'BEGIN { exit !(l < 0.8) }' && break
    log "load average $(load1): waiting for the machine to quiet down (max 2 min)"
    sleep 5
done
awk -v l="$(load1)" 'BEGIN { exit !(l >= 0.8) }' && log "WARNING: load average $(load1) at start; figures may be skewed"

COMMON=(--duration "$DURATION" --warmup "$WARMUP")
ALL="junction crossbar baseline"
PAIR="junction crossbar"
{
    echo "date: $(date -Is)"
    echo "uname: $(uname -a)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
    echo "cores: $(nproc)"
    echo "reps: $REPS duration: $DURATION warmup: $WARMUP quick: $QUICK"
    echo "crossbar: $(.venv-crossbar/bin/pip show crossbar 2>/dev/null | awk '/^Version/ {print $2}')"
    echo "git: $(git rev-parse --short HEAD 2>/dev/null) $(git status --porcelain 2>/dev/null | wc -l) changed files"
    echo "loadavg at start: $(cat /proc/loadavg)"
} > "$OUT/environment.txt"

# ---------------------------------------------------------------- scenarios (pinned)

RPC=(rpc --callers 10 --callees 1 --window 10 --payload 128 "${COMMON[@]}")
for router in $ALL; do
    start_router "$router" || continue
    scenario rpc-ws-json "$router" "${RPC[@]}" --url '{ws}' --serializer json
    scenario rpc-rs-msgpack "$router" "${RPC[@]}" --url '{rs}' --serializer msgpack
    for fanout in 1 10 100 1000; do
        scenario "pubsub-1x$fanout" "$router" pubsub --publishers 1 --subscribers $fanout --payload 128 \
            --window 64 "${COMMON[@]}" --url '{ws}' --serializer json
    done
    scenario connect-ws "$router" connect --concurrency 16 --duration "$CONNECT_DURATION" --warmup 1 \
        --url '{ws}' --serializer json
done

# The baseline in relay mode, RPC only: the same 4 frames per call as a router (the other
# scenarios make no CALLs, so relay and echo mode would measure the same thing there).
if start_router relay; then
    scenario rpc-ws-json relay "${RPC[@]}" --url '{ws}' --serializer json
    scenario rpc-rs-msgpack relay "${RPC[@]}" --url '{rs}' --serializer msgpack
fi

# Open-loop latency at 50 % of each router's measured maximum (same absolute rate for everyone).
# A router offered more than it can take is still working off the backlog long after the
# generator left, so every repetition gets a fresh router.
for reference in junction crossbar; do
    max=$(median_of rpc-ws-json "$reference" calls_per_s)
    [[ -n $max && $max != 0 ]] || { log "no $reference maximum; skipping rpc-open-${reference}50"; continue; }
    rate=$(( max / 2 ))
    log "open loop at $rate calls/s (50% of $reference's $max)"
    for router in $ALL relay; do
        start_router "$router" || continue
        FRESH=1 scenario "rpc-open-${reference}50" "$router" rpc --callers 10 --callees 1 --payload 128 \
            --rate "$rate" "${COMMON[@]}" --url '{ws}' --serializer json
    done
done

# Where Junction's p99 stays within 1 ms: open loop at 10 % and 25 % of its maximum too (Crossbar
# cannot take these rates at all, so it is left out).
max=$(median_of rpc-ws-json junction calls_per_s)
if [[ -n $max && $max != 0 ]]; then
    for pct in 10 25; do
        rate=$(( max * pct / 100 ))
        log "open loop at $rate calls/s ($pct% of junction's $max)"
        for router in junction baseline relay; do
            start_router "$router" || continue
            FRESH=1 scenario "rpc-open-junction$pct" "$router" rpc --callers 10 --callees 1 --payload 128 \
                --rate "$rate" "${COMMON[@]}" --url '{ws}' --serializer json
        done
    done
fi

# Idle sessions: a fresh router per repetition, so earlier runs do not inflate the RSS.
for size in $IDLE_SIZES; do
    for router in $ALL; do
        for rep in $(seq 1 "$REPS"); do
            start_router "$router" || break
            sleep 1
            log "idle-$size on $router (rep $rep/$REPS)"
            bench "idle-$size" "$router" "$GEN_CPU" "$rep" idle --sessions "$size" --router-pid "$MEASURE_PID" \
                --url "$(ws_url "$router")" --serializer json --concurrency 100 || true
        done
    done
done

# ---------------------------------------------------------------- Junction: 1 vs 2 event loops

if [[ -x $BIN/junction ]]; then
    for loops in 1 2; do
        label=junction-1loop
        [[ $loops == 2 ]] && label=junction-2loops
        start_junction "$loops" "" || continue
        CURRENT=$label
        for rep in $(seq 1 "$REPS"); do
            log "loops-rpc-many on $label (rep $rep/$REPS)"
            bench loops-rpc-many "$label" "" "$rep" rpc --callers 50 --callees 10 --window 10 --payload 128 \
                "${COMMON[@]}" --url "$(ws_url junction)" --serializer json --router-pid "$MEASURE_PID" || true
            log "loops-pubsub-1x1000 on $label (rep $rep/$REPS)"
            bench loops-pubsub-1x1000 "$label" "" "$rep" pubsub --publishers 1 --subscribers 1000 --payload 128 \
                --window 64 "${COMMON[@]}" --url "$(ws_url junction)" --serializer json --router-pid "$MEASURE_PID" \
                || true
        done
    done
fi
stop_routers

# ---------------------------------------------------------------- summary

echo "loadavg at end: $(cat /proc/loadavg)" >> "$OUT/environment.txt"
log "done in $(( $(date +%s) - STARTED )) s with $FAILURES failed run(s); results in $OUT"
python3 bench/summarize.py "$OUT" | tee "$OUT/table.txt"
