#!/usr/bin/env bash
# Runs every Junction test on a fresh machine: builds, runs the Swift unit and end-to-end tests,
# then the autobahn-python interoperability suite (which creates its own venv in .venv).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== redis-server for the Redis client's interop tests (Debian package, installed once)"
if ! command -v redis-server >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y redis-server || { $sudo apt-get update && $sudo apt-get install -y redis-server; }
fi

echo "== promtool for the /metrics scrape test (Debian package prometheus, installed once)"
if ! command -v promtool >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y prometheus || { $sudo apt-get update && $sudo apt-get install -y prometheus; }
fi

echo "== the embedded dashboard files are up to date (scripts/embed-dashboard.py)"
scripts/embed-dashboard.py --check

echo "== mosquitto and mosquitto-clients for the MQTT scenarios' and interop suite's tests (Debian packages)"
if ! command -v mosquitto_pub >/dev/null 2>&1 || ! [ -x /usr/sbin/mosquitto ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y mosquitto mosquitto-clients \
        || { $sudo apt-get update && $sudo apt-get install -y mosquitto mosquitto-clients; }
fi

echo "== swift build (debug, with tests)"
swift build --build-tests

echo "== imports are declared dependencies (SwiftPM does not check this on Linux)"
scripts/check-imports.py

echo "== swift test"
# The Crossbar-backed client tests run in their own step below, which installs Crossbar first.
# One test at a time: several suites drive blocking code (subprocesses read to their end, the load
# generator's scenarios, redis-server start-up polls), and on a 2-core machine two such tests at
# once can hold the whole cooperative thread pool, starving every timing-sensitive test (seen:
# slow-consumer tests stalled for 10 minutes). Serial, the suite takes under 2 minutes here.
swift test --skip-build --skip CrossbarLiveTests --no-parallel 2>&1 | tee .build/swift-test.log
swift_summary=$(grep -E "Test run with [0-9]+ tests" .build/swift-test.log | tail -1 || true)

echo "== client library against Crossbar"
Tests/ClientInterop/run.sh

echo "== interop (autobahn-python)"
JUNCTION_BIN="$PWD/.build/debug/junction" Tests/Interop/run.sh

echo "== dashboard in headless Chromium (installs Debian's chromium if missing)"
JUNCTION_BIN="$PWD/.build/debug/junction" Tests/Dashboard/run.sh

echo "== HTTP bridge against Crossbar's (the same tests; Junction's extras xfail there)"
INTEROP_ROUTER=crossbar Tests/Interop/run.sh Tests/Interop/test_http_bridge.py

echo "== MQTT interop (paho-mqtt, mosquitto_pub/mosquitto_sub): the suite checked against mosquitto"
MQTT_BROKER=mosquitto Tests/MQTTInterop/run.sh

echo "== MQTT interop against Junction"
MQTT_BROKER=junction JUNCTION_BIN="$PWD/.build/debug/junction" Tests/MQTTInterop/run.sh

echo "== cluster: three junction nodes and one redis-server, autobahn clients on different nodes"
JUNCTION_BIN="$PWD/.build/debug/junction" Tests/ClusterInterop/run.sh

echo "== micro-benchmark allocation thresholds (Benchmarks/)"
# Allocation counts per operation are deterministic for a toolchain: a change is a finding.
(cd Benchmarks && swift package benchmark thresholds check --metric mallocCountTotal)

echo "== summary"
echo "swift: ${swift_summary:-see above}"
