#!/usr/bin/env bash
# MQTT benchmark on this machine: Junction's MQTT listener vs mosquitto, in the same run, driven by
# junction-bench's MQTT scenarios (QoS 0 and QoS 1 publish 1 -> 1 and 1 -> 100 with latency
# percentiles, QoS 1 open loop at equal load, connect storm, memory per idle connection).
#
#   bench/compare-mqtt.sh            full run (3 repetitions, medians; ~6 min after the build)
#   bench/compare-mqtt.sh --quick    1 repetition, short durations (~1 min)
#   bench/compare-mqtt.sh --smoke    1 repetition, 1 s per scenario: checks that everything runs
#   options: --skip-build            use the binaries already in .build-bench-release/release
#            --bin DIR               use junction-bench (and junction) from DIR, build nothing
#   environment: JUNCTION_BIN        the junction binary (default: the one next to junction-bench);
#                                    Junction is skipped when it has no MQTT listener
#                MOSQUITTO_BIN       default: mosquitto on PATH or /usr/sbin/mosquitto (apt-get
#                                    install mosquitto when missing)
#                MOSQUITTO_TCP_NODELAY  true (default) | false: mosquitto's set_tcp_nodelay
#
# Each broker is pinned to CPU 0 and the generator to CPU 1 (taskset), as bench/compare.sh does.
# Only 127.0.0.1 and free ports found at run time are used. Results go to
# bench/results/mqtt-<date>/ (raw JSON per run, summary.md, summary.json, broker logs).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

MODE=full
SKIP_BUILD=0
BIN=.build-bench-release/release
for ((i = 1; i <= $#; i++)); do
    arg=${!i}
    case "$arg" in
        --quick) MODE=quick ;;
        --smoke) MODE=smoke ;;
        --skip-build) SKIP_BUILD=1 ;;
        --bin) i=$((i + 1)); BIN=${!i}; SKIP_BUILD=1 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "unknown option: $arg" >&2; exit 2 ;;
    esac
done

case $MODE in
    full) REPS=3; DURATION=8; WARMUP=2; IDLE=2000; CONNECT_DURATION=6 ;;
    quick) REPS=1; DURATION=3; WARMUP=1; IDLE=1000; CONNECT_DURATION=3 ;;
    smoke) REPS=1; DURATION=1; WARMUP=0.5; IDLE=200; CONNECT_DURATION=1 ;;
esac

HOST=127.0.0.1
BROKER_CPU=0
GEN_CPU=1
[[ $(nproc) -ge 2 ]] || { BROKER_CPU=""; GEN_CPU=""; }
# Both brokers get the same in-flight window: mosquitto's max_inflight_messages, Junction's
# receive_maximum (QoS 1 publications un-acknowledged per client, announced in 5.0 CONNACK).
INFLIGHT=100
OUT=bench/results/mqtt-$(date +%Y%m%d-%H%M%S)-$MODE
WORK=$OUT/work
mkdir -p "$OUT/raw" "$WORK"
STARTED=$(date +%s)

log() { printf '[%4ss] %s\n' "$(( $(date +%s) - STARTED ))" "$*" | tee -a "$OUT/compare.log"; }

# ---------------------------------------------------------------- binaries

if [[ $SKIP_BUILD == 0 ]]; then
    log "building release binaries in .build-bench-release (the first build takes 10+ minutes)"
    swift build -c release --scratch-path .build-bench-release --product junction-bench 2>&1 | tail -3
    swift build -c release --scratch-path .build-bench-release --product junction > "$OUT/junction-build.log" 2>&1 \
        || log "Junction did not build (see $OUT/junction-build.log); continuing without it"
fi
GEN=$BIN/junction-bench
[[ -x $GEN ]] || { echo "missing $GEN (build it, or pass --bin DIR)" >&2; exit 1; }
JUNCTION=${JUNCTION_BIN:-$BIN/junction}

MOSQUITTO=${MOSQUITTO_BIN:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}
if [[ ! -x $MOSQUITTO ]]; then
    log "installing mosquitto with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mosquitto </dev/null >/dev/null \
        || { DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null >/dev/null;
             DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mosquitto </dev/null >/dev/null; }
    MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# ---------------------------------------------------------------- brokers

BROKER_PID=""
CURRENT=""
PORT=""

stop_broker() {
    if [[ -n $BROKER_PID ]]; then
        kill -TERM "$BROKER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$BROKER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$BROKER_PID" 2>/dev/null || true
        wait "$BROKER_PID" 2>/dev/null || true
    fi
    BROKER_PID=""
    CURRENT=""
}
trap 'stop_broker' EXIT
trap 'log "interrupted"; exit 130' INT TERM
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

wait_port() {  # wait_port PID SECONDS PORT
    local deadline=$(( $(date +%s) + $2 ))
    while (( $(date +%s) < deadline )); do
        kill -0 "$1" 2>/dev/null || return 1
        (exec 3<>"/dev/tcp/$HOST/$3") 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

pin() { [[ -n $1 ]] && echo "taskset -c $1"; }

# set_tcp_nodelay: Junction's sockets have TCP_NODELAY; mosquitto's default leaves Nagle on, which
# caps its QoS 0 1 -> 1 rate at a few thousand messages/s (40 ms delayed ACKs) but lets it coalesce
# fan-out writes. MOSQUITTO_TCP_NODELAY=false measures mosquitto's default instead.
mosquitto_config() {
    cat <<EOF2
per_listener_settings false
allow_anonymous true
persistence false
log_dest stderr
log_type error
log_type warning
max_inflight_messages $INFLIGHT
max_queued_messages 10000
set_tcp_nodelay ${MOSQUITTO_TCP_NODELAY:-true}
listener $1 $HOST
EOF2
}

# The MQTT listener as issue #13 describes it; keep in step with Tests/MQTTInterop/broker_config.py.
junction_config() {
    cat <<EOF2
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
  - type: mqtt
    realm: realm1
    host: $HOST
    port: $1
    limits:
      receive_maximum: $INFLIGHT
EOF2
}

junction_has_mqtt() {
    [[ -x $JUNCTION ]] || return 1
    junction_config 1883 > "$WORK/junction-check.yaml"
    "$JUNCTION" check --config "$WORK/junction-check.yaml" >/dev/null 2>&1
}

start_broker() {  # start_broker NAME
    stop_broker
    PORT=$(free_port)
    local cmd
    case $1 in
        mosquitto)
            mosquitto_config "$PORT" > "$WORK/mosquitto.conf"
            # shellcheck disable=SC2046
            $(pin "$BROKER_CPU") "$MOSQUITTO" -c "$WORK/mosquitto.conf" >> "$OUT/mosquitto.log" 2>&1 &
            ;;
        junction)
            junction_config "$PORT" > "$WORK/junction.yaml"
            # shellcheck disable=SC2046
            $(pin "$BROKER_CPU") "$JUNCTION" serve --config "$WORK/junction.yaml" --log-level warning \
                >> "$OUT/junction.log" 2>&1 &
            ;;
    esac
    BROKER_PID=$!
    if ! wait_port "$BROKER_PID" 20 "$PORT"; then
        log "$1 did not start (see $OUT/$1.log)"
        stop_broker
        return 1
    fi
    CURRENT=$1
}

# ---------------------------------------------------------------- running the generator

FAILURES=0

bench() {  # bench CASE BROKER REP SCENARIO ARGS...
    local case=$1 broker=$2 rep=$3; shift 3
    local json="$OUT/raw/$case.$broker.$rep.json"
    local limit=$(( ${DURATION%.*} + ${WARMUP%.*} + 120 ))
    # shellcheck disable=SC2046
    if ! timeout --signal=INT --kill-after=10 "$limit" $(pin "$GEN_CPU") "$GEN" "$@" --url "mqtt://$HOST:$PORT" \
        --router-pid "$BROKER_PID" --label "$broker" --json "$json" >> "$OUT/generator.log" 2>&1; then
        log "FAILED: $case on $broker (rep $rep); see $OUT/generator.log"
        FAILURES=$((FAILURES + 1))
        rm -f "$json"
        return 1
    fi
    python3 bench/summarize-mqtt.py --brief "$json" | tee -a "$OUT/compare.log"
    if ! kill -0 "$BROKER_PID" 2>/dev/null; then
        log "$broker died during $case; restarting it"
        start_broker "$broker" || true
        return 1
    fi
}

BROKERS="mosquitto"
if junction_has_mqtt; then
    BROKERS="mosquitto junction"
else
    log "Junction ($JUNCTION) is missing or has no MQTT listener: measuring mosquitto only"
fi

{
    echo "date: $(date -Is)"
    echo "uname: $(uname -a)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "cores: $(nproc)  pinning: broker cpu ${BROKER_CPU:-none}, generator cpu ${GEN_CPU:-none}"
    echo "mode: $MODE  reps: $REPS  duration: ${DURATION}s  warmup: ${WARMUP}s  idle connections: $IDLE"
    echo "mosquitto: $("$MOSQUITTO" -h 2>&1 | head -1), set_tcp_nodelay ${MOSQUITTO_TCP_NODELAY:-true}"
    echo "junction: $([[ $BROKERS == *junction* ]] && echo "$JUNCTION" || echo "not measured")"
    echo "generator: $GEN"
    echo "command: bench/compare-mqtt.sh $*"
    echo "git: $(git rev-parse --short HEAD 2>/dev/null) $(git status --porcelain 2>/dev/null | wc -l) changed files"
    echo "loadavg at start: $(cat /proc/loadavg)"
} > "$OUT/environment.txt"
cat "$OUT/environment.txt"

COMMON=(--duration "$DURATION" --warmup "$WARMUP")
PUBSUB=(mqtt-pubsub --publishers 1 --payload 128 --window 64 "${COMMON[@]}")

# ---------------------------------------------------------------- closed loop: throughput

for broker in $BROKERS; do
    start_broker "$broker" || continue
    for rep in $(seq 1 "$REPS"); do
        for qos in 0 1; do
            for fanout in 1 100; do
                log "mqtt-q$qos-1x$fanout on $broker (rep $rep/$REPS)"
                bench "mqtt-q$qos-1x$fanout" "$broker" "$rep" "${PUBSUB[@]}" --qos "$qos" --subscribers "$fanout" \
                    || true
            done
        done
        log "mqtt-connect on $broker (rep $rep/$REPS)"
        bench mqtt-connect "$broker" "$rep" mqtt-connect --concurrency 16 --duration "$CONNECT_DURATION" \
            --warmup 0.5 || true
    done
done

# ---------------------------------------------------------------- open loop: latency at equal load

max=$(python3 bench/summarize-mqtt.py "$OUT" --metric mqtt-q1-1x1 mosquitto deliveries_per_s)
if [[ -n $max && $max != 0 ]]; then
    rate=$(( max / 2 ))
    log "open loop: QoS 1, 1 -> 1 at $rate msg/s (50% of mosquitto's $max)"
    for broker in $BROKERS; do
        for rep in $(seq 1 "$REPS"); do
            start_broker "$broker" || break  # fresh broker: no backlog from an earlier run
            bench mqtt-q1-open50 "$broker" "$rep" "${PUBSUB[@]}" --qos 1 --subscribers 1 --rate "$rate" || true
        done
    done
else
    log "no mosquitto QoS 1 maximum; skipping the open-loop case"
fi

# ---------------------------------------------------------------- memory per idle connection

for broker in $BROKERS; do
    for rep in $(seq 1 "$REPS"); do
        start_broker "$broker" || break
        sleep 1
        log "mqtt-idle ($IDLE connections) on $broker (rep $rep/$REPS)"
        bench mqtt-idle "$broker" "$rep" mqtt-idle --connections "$IDLE" --concurrency 100 || true
    done
done
stop_broker

echo "loadavg at end: $(cat /proc/loadavg)" >> "$OUT/environment.txt"
log "done in $(( $(date +%s) - STARTED )) s with $FAILURES failed run(s); results in $OUT"
echo
cat "$OUT/environment.txt"
echo
python3 bench/summarize-mqtt.py "$OUT" | tee "$OUT/table.txt"
[[ $FAILURES == 0 ]]
