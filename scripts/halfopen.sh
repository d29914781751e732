#!/usr/bin/env bash
# Half-open TCP check (needs root and iptables; not part of scripts/test.sh): a RawSocket client
# joins, then iptables drops every packet of its connection in both directions, so the router
# never sees a FIN or RST, exactly as when a peer's machine vanishes. The router must close the
# connection by dead-peer detection within ping_interval + ping_timeout (+ one interval).
# usage: scripts/halfopen.sh [JUNCTION_BIN]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-${JUNCTION_BIN:-}}
if [ -z "$BIN" ]; then swift build --product junction; BIN=$(swift build --show-bin-path)/junction; fi
command -v iptables >/dev/null || { echo "halfopen: needs iptables (apt-get install iptables)"; exit 2; }
DIR=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$DIR/junction.yaml" <<YAML
router: {event_loops: 1, log_level: warning}
realms:
  - name: realm1
    roles: [{name: anonymous, permissions: [{uri: "", match: prefix, allow: [call, register, publish, subscribe]}]}]
transports:
  - {type: rawsocket, host: 127.0.0.1, port: $PORT, ping_interval: 2, ping_timeout: 2}
YAML
"$BIN" serve --config "$DIR/junction.yaml" 2>"$DIR/router.log" &
ROUTER=$!
trap 'kill $ROUTER 2>/dev/null || true; rm -rf "$DIR"' EXIT
sleep 1.5
python3 - "$ROUTER" "$PORT" <<'PY'
import json, os, socket, struct, subprocess, sys, time
pid, port = sys.argv[1], int(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port))
s.sendall(bytes([0x7F, 0xF1, 0, 0]))
assert s.recv(4)[0] == 0x7F
hello = json.dumps([1, "realm1", {"roles": {"caller": {}}}]).encode()
s.sendall(struct.pack("!I", len(hello)) + hello)
assert json.loads(s.recv(4096)[4:])[0] == 2, "no WELCOME"
client_port = s.getsockname()[1]
fds = lambda: len(os.listdir(f"/proc/{pid}/fd"))
before = fds()
rules = [["INPUT", "-i", "lo", "-p", "tcp", "--sport", str(client_port), "-j", "DROP"],
         ["INPUT", "-i", "lo", "-p", "tcp", "--dport", str(client_port), "-j", "DROP"]]
for rule in rules:
    subprocess.run(["iptables", "-A"] + rule, check=True)
start = time.monotonic()
try:
    while fds() >= before and time.monotonic() - start < 20:
        time.sleep(0.1)
    took = time.monotonic() - start
finally:
    for rule in rules:
        subprocess.run(["iptables", "-D"] + rule, check=True)
ok = fds() < before and took <= 2 * 2 + 2 + 1
print(f"halfopen: router closed the vanished peer after {took:.1f} s (limit 6 s): {'PASS' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
PY
