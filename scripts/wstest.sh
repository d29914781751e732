#!/usr/bin/env bash
# Runs Autobahn|Testsuite (RFC 6455 conformance, cases 1-7, 9, 10) against `junction ws-echo`,
# an echo server on exactly the WebSocket code the WAMP listener uses, and summarizes the verdicts.
#
# usage: scripts/wstest.sh [--quick]     (--quick skips case 9, the large/slow messages)
#   WSTEST_TIMEOUT=1500   bound for the whole run, seconds (wstest has no per-case timeout)
#   CONFIG=debug|release  how junction is built (default debug; release is faster in case 9)
#   JUNCTION_BIN=path      use this binary instead of building one
# Installs the suite into .venv-wstest on first use (Python 2.7, ~1 min). Reports: reports/wstest/.
# Exits non-zero on any FAILED verdict, an unclean close verdict, a case slower than 60 s or a
# run cut short by the timeout.
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-debug}
WSTEST_TIMEOUT=${WSTEST_TIMEOUT:-1500}
OUT=reports/wstest
CASES='"1.*","2.*","3.*","4.*","5.*","6.*","7.*","9.*","10.*"'
[ "${1:-}" = "--quick" ] && CASES='"1.*","2.*","3.*","4.*","5.*","6.*","7.*","10.*"'

echo "== wstest: installing Autobahn|Testsuite (.venv-wstest)"
SETUP=${WSTEST_SETUP:-../shared/tools/wstest-setup.sh}
[ -x .venv-wstest/bin/wstest ] || "$SETUP" .venv-wstest

if [ -n "${JUNCTION_BIN:-}" ]; then
    BIN=$JUNCTION_BIN
else
    echo "== wstest: building junction ($CONFIG)"
    swift build -c "$CONFIG" --product junction
    BIN=$(swift build -c "$CONFIG" --show-bin-path)/junction
fi

mkdir -p "$OUT"
rm -rf "${OUT:?}"/*
"$BIN" ws-echo --port 0 >"$OUT/echo.log" 2>&1 &
ECHO_PID=$!
trap 'kill $ECHO_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    grep -q "listening on" "$OUT/echo.log" && break
    sleep 0.1
done
URL=$(grep -o 'ws://[^ ]*' "$OUT/echo.log" | head -1)
[ -n "$URL" ] || { echo "ws-echo did not start"; cat "$OUT/echo.log"; exit 1; }
echo "== wstest: echo server at $URL"

cat >"$OUT/spec.json" <<JSON
{"options": {"failByDrop": false}, "outdir": ".",
 "servers": [{"agent": "junction", "url": "$URL"}],
 "cases": [$CASES], "exclude-cases": [], "exclude-agent-cases": {}}
JSON
status=0
(cd "$OUT" && timeout "$WSTEST_TIMEOUT" ../../.venv-wstest/bin/wstest -m fuzzingclient -s spec.json \
    >wstest.log 2>&1) || status=$?
[ $status -eq 124 ] && echo "wstest: run cut short after ${WSTEST_TIMEOUT}s"
kill -0 $ECHO_PID 2>/dev/null || { echo "wstest: the echo server died"; status=1; }

python3 - "$OUT/index.json" "$status" <<'PY'
import collections, json, sys
index, status = sys.argv[1], int(sys.argv[2])
try:
    results = json.load(open(index))["junction"]
except (OSError, ValueError, KeyError) as error:
    sys.exit(f"wstest: no results ({error})")
def key(case):
    return [int(part) for part in case.split(".")]
verdicts = collections.Counter(r["behavior"] for r in results.values())
close = collections.Counter(r["behaviorClose"] for r in results.values())
slow = [c for c, r in results.items() if r.get("duration", 0) > 60000]
bad = sorted((c for c, r in results.items() if r["behavior"] not in ("OK", "NON-STRICT", "INFORMATIONAL")
              or r["behaviorClose"] not in ("OK", "INFORMATIONAL")), key=key)
print(f"wstest: {len(results)} cases: " + ", ".join(f"{v} {n}" for v, n in sorted(verdicts.items())))
print("wstest: close behaviour: " + ", ".join(f"{v} {n}" for v, n in sorted(close.items())))
longest = max(results.items(), key=lambda item: item[1].get("duration", 0))
print(f"wstest: longest case {longest[0]}: {longest[1].get('duration', 0)} ms")
for case in bad:
    r = results[case]
    print(f"  {case}: {r['behavior']} / close {r['behaviorClose']} ({r.get('reportfile')})")
for case in slow:
    print(f"  {case}: took {results[case]['duration']} ms")
sys.exit(1 if bad or slow or status != 0 else 0)
PY
