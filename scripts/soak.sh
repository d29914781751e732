#!/usr/bin/env bash
# Bounded soak test on loopback: a router under many short sessions (mixed RPC and pub/sub, over
# WebSocket and RawSocket) whose clients say GOODBYE, drop the connection, vanish with calls
# pending, or go silent. Afterwards every connection must be closed (router's /proc/PID/fd back
# to its idle count), the meta API (if present) must report no sessions, RSS must be within 10 %
# of its value after warm-up, and the router's log must hold no errors the test did not provoke.
#
# usage: scripts/soak.sh [--quick]        (--quick: 60 s instead of 10 minutes)
#   DURATION=600 WARMUP=60 WORKERS=40 CONFIG=debug|release  JUNCTION_BIN=path (skip the build)
# Needs only swift and python3 (standard library). Results: reports/soak/ (result.json, router.log).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-600}
WARMUP=${WARMUP:-60}
WORKERS=${WORKERS:-40}
CONFIG=${CONFIG:-debug}
if [ "${1:-}" = "--quick" ]; then DURATION=60; WARMUP=15; fi
OUT=reports/soak
mkdir -p "$OUT"

if [ -n "${JUNCTION_BIN:-}" ]; then
    BIN=$JUNCTION_BIN
else
    echo "== soak: building junction ($CONFIG)"
    swift build -c "$CONFIG" --product junction
    BIN=$(swift build -c "$CONFIG" --show-bin-path)/junction
fi

read -r WS_PORT RS_PORT < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')
cat >"$OUT/junction.yaml" <<YAML
router:
  event_loops: 2
  log_level: warning
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
    host: 127.0.0.1
    port: $WS_PORT
    path: /ws
    ping_interval: 2
    ping_timeout: 2
  - type: rawsocket
    host: 127.0.0.1
    port: $RS_PORT
    ping_interval: 2
    ping_timeout: 2
YAML
"$BIN" check --config "$OUT/junction.yaml"
"$BIN" serve --config "$OUT/junction.yaml" 2>"$OUT/router.log" &
ROUTER=$!
trap 'kill $ROUTER 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $RS_PORT), 0.2).close()" 2>/dev/null && break
    sleep 0.1
done
sleep 0.5  # the probe's own connection must be closed before the idle descriptors are counted

echo "== soak: ${DURATION}s of load (after ${WARMUP}s warm-up), $WORKERS workers, router pid $ROUTER"
status=0
python3 scripts/soak_client.py --ws-port "$WS_PORT" --rs-port "$RS_PORT" --pid "$ROUTER" \
    --duration "$DURATION" --warmup "$WARMUP" --workers "$WORKERS" | tee "$OUT/result.txt" || status=$?

kill -0 $ROUTER 2>/dev/null || { echo "soak: FAIL: the router died"; status=1; }
kill -TERM $ROUTER; wait $ROUTER || true
trap - EXIT

echo "== soak: router log (warnings and errors by kind)"
python3 - "$OUT/router.log" <<'PY' || status=1
import collections, re, sys
# Provoked by the test: silent clients closed by dead-peer detection, clients that reset the
# connection or vanish mid-write. Anything else at warning or above is unexpected.
expected = ("peer_unresponsive", "Connection reset by peer", "Broken pipe", "ioOnClosedChannel",
            "connection reset", "outputClosed", "EOF")
kinds, unexpected = collections.Counter(), 0
for line in open(sys.argv[1], errors="replace"):
    if not re.search(r"\b(warning|error|critical)\b", line):
        continue
    kind = re.sub(r"\d+", "N", re.sub(r"peer=\S+", "", line.split(":", 3)[-1].strip()))[:160]
    kinds[kind] += 1
    if not any(marker in line for marker in expected):
        unexpected += 1
for kind, n in kinds.most_common(20):
    print(f"{n:8d}  {kind}")
print(f"soak: {sum(kinds.values())} log lines at warning or above, {unexpected} not provoked by the test")
sys.exit(1 if unexpected else 0)
PY
[ $status -eq 0 ] && echo "soak: PASS" || echo "soak: FAIL"
exit $status
