#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ (address sanitizer on) and runs each one.
#
# usage: scripts/fuzz.sh [TARGET...]        (default: all targets)
#   RUNS=10000000   executions per target (the issue's bar: 10 M)
#   MAX_TIME=7200   upper bound in seconds per target, so a slow target cannot run forever
#   JOBS=2          targets run at once (default: CPU cores)
#
# Corpora start from the WAMP test suite's golden vectors (../shared/wamp-testsuite; FuzzMQTT from
# packets captured from mosquitto, in Fuzz/seeds/make_corpora.py) and grow in
# .build-fuzz/corpus/TARGET. A crash, hang (> 10 s per input), leak or sanitizer report stops that
# target and leaves the input in Fuzz/crashers/TARGET/; turn it into a regression test in the
# normal suites (see docs/hardening.md). Results: .build-fuzz/results.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-10000000}
MAX_TIME=${MAX_TIME:-7200}
JOBS=${JOBS:-$(nproc)}
SCRATCH=$ROOT/.build-fuzz
ALL=(FuzzJSON FuzzMessagePack FuzzCBOR FuzzMessageValidation FuzzRawSocket FuzzWebSocketUpgrade FuzzMQTT
    FuzzRESP FuzzHTTPBridge FuzzMQTTSession FuzzRFC3339 FuzzMQTTRecord FuzzClusterFrames)
TARGETS=("${@:-${ALL[@]}}")
SUITE=${WAMP_TESTSUITE:-$ROOT/../shared/wamp-testsuite}

# Both flags are needed: SwiftPM's `--sanitize=fuzzer` links libFuzzer (and lets it provide `main`)
# but leaves the Swift code without coverage instrumentation, so libFuzzer would mutate blindly
# ("no interesting inputs were found", no `cov:` in its log); `-Xswiftc -sanitize=fuzzer,address`
# instruments every Swift module.
BUILD=(swift build --package-path Fuzz -c release --sanitize=fuzzer --sanitize=address
    -Xswiftc -sanitize=fuzzer,address --scratch-path "$SCRATCH")
echo "== building fuzz targets (release, -sanitize=fuzzer,address)"
# Only the targets asked for: FuzzMQTT alone does not need swift-nio built with sanitizers.
for target in "${TARGETS[@]}"; do "${BUILD[@]}" --product "$target"; done
BIN=$("${BUILD[@]}" --show-bin-path)

if [ -d "$SUITE" ]; then
    python3 Fuzz/seeds/make_corpora.py "$SUITE" "$SCRATCH/seeds"
else
    echo "fuzz: no test suite at $SUITE; starting from empty corpora"
fi

run_target() {
    local target=$1
    local corpus=$SCRATCH/corpus/$target crashers=$ROOT/Fuzz/crashers/$target log=$SCRATCH/$target.log
    mkdir -p "$corpus" "$crashers"
    # The session machine starts from the packet parser's seeds (a CONNECT and what follows).
    local seeds=$target
    [ "$target" = FuzzMQTTSession ] && seeds=FuzzMQTT
    [ -d "$SCRATCH/seeds/$seeds" ] && cp -n "$SCRATCH/seeds/$seeds"/* "$corpus"/ 2>/dev/null || true
    local status=clean
    # Request heads need less room than messages, and long ones only make this target slow.
    local max_len=8192
    [ "$target" = FuzzWebSocketUpgrade ] && max_len=2048
    [ "$target" = FuzzHTTPBridge ] && max_len=2048
    "$BIN/$target" "$corpus" -runs="$RUNS" -max_total_time="$MAX_TIME" -timeout=10 -rss_limit_mb=2048 \
        -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$crashers/" >"$log" 2>&1 || status=FAILED
    grep -q "no interesting inputs were found" "$log" && { echo "$target: not instrumented"; status=FAILED; }
    local execs
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    local secs
    secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' || echo "?")
    echo "$target execs=$execs seconds=$secs result=$status" | tee -a "$SCRATCH/results.txt"
    [ "$status" = clean ] || { tail -n 40 "$log"; return 1; }
}

: >"$SCRATCH/results.txt"
echo "== running ${#TARGETS[@]} target(s), $RUNS runs each (at most ${MAX_TIME}s), $JOBS at a time"
failed=0
pids=()
for target in "${TARGETS[@]}"; do
    run_target "$target" &
    pids+=($!)
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 1; done
done
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
echo "== summary"
cat "$SCRATCH/results.txt"
exit $failed
