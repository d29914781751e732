#!/usr/bin/env bash
# Runs the MQTT interoperability suite (Tests/MQTTInterop) against a broker.
#
#   MQTT_BROKER       junction (default) | mosquitto  -- mosquitto only checks the tests themselves
#   JUNCTION_BIN      router binary (default: <repo>/.build/debug/junction)
#   MOSQUITTO_BIN     broker binary for MQTT_BROKER=mosquitto (default: mosquitto on PATH or /usr/sbin)
#   MQTT_TIMEOUT      per-test timeout in seconds (default 60)
#   PYTHON            interpreter used to create the venv (default python3)
#
# Installs the Debian packages mosquitto and mosquitto-clients when missing (mosquitto_pub and
# mosquitto_sub are used against either broker), and paho-mqtt and autobahn into <repo>/.venv
# (the requirements are Tests/Interop/requirements.txt, shared with the WAMP suite).
# Extra arguments are passed to pytest (e.g. -k retained, -x, -vv).
# Exit status: pytest's, except that "no tests collected" (5) is a failure too.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
BROKER_KIND="${MQTT_BROKER:-junction}"
TIMEOUT="${MQTT_TIMEOUT:-60}"
REQS="$REPO/Tests/Interop/requirements.txt"

say() { printf 'mqtt-interop: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 2; }

# hash_of and ensure_venv: the venv creation every Python suite shares (same venv, same marker).
# shellcheck source=../python-venv.sh
source "$REPO/Tests/python-venv.sh"

# mosquitto_pub/mosquitto_sub (and, for MQTT_BROKER=mosquitto, the broker) from Debian.
ensure_mosquitto() {
    local missing=()
    command -v mosquitto_pub >/dev/null && command -v mosquitto_sub >/dev/null || missing+=(mosquitto-clients)
    if [[ "$BROKER_KIND" == mosquitto && -z "${MOSQUITTO_BIN:-}" ]]; then
        command -v mosquitto >/dev/null || [[ -x /usr/sbin/mosquitto ]] || missing+=(mosquitto)
    fi
    [[ ${#missing[@]} -eq 0 ]] || apt_install "${missing[@]}"
}

command -v "$PYTHON" >/dev/null || die "$PYTHON not found"
PYVER="$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"

case "$BROKER_KIND" in
junction)
    resolve_junction_bin
    ensure_mosquitto
    say "broker: junction ($JUNCTION_BIN)"
    ;;
mosquitto)
    ensure_mosquitto
    if [[ -z "${MOSQUITTO_BIN:-}" ]]; then
        MOSQUITTO_BIN="$(command -v mosquitto || echo /usr/sbin/mosquitto)"
    fi
    export MOSQUITTO_BIN
    say "broker: mosquitto ($MOSQUITTO_BIN, $("$MOSQUITTO_BIN" -h 2>&1 | head -1))"
    ;;
*)
    die "MQTT_BROKER must be 'junction' or 'mosquitto' (got '$BROKER_KIND')"
    ;;
esac
export MQTT_BROKER="$BROKER_KIND"

ensure_venv "$REPO/.venv" "$(hash_of "$REQS" "$PYVER")" -r "$REQS"

# Run the whole suite unless paths were given (e.g. Tests/MQTTInterop/test_qos.py::test_qos_levels).
targets=("$HERE")
for arg in "$@"; do
    if [[ "$arg" != -* && -e "${arg%%::*}" ]]; then targets=(); break; fi
done

set +e
"$REPO/.venv/bin/python" -m pytest "${targets[@]}" -c "$HERE/pytest.ini" --rootdir "$HERE" -q \
    --timeout="$TIMEOUT" --timeout-method=signal -rfEXs "$@" </dev/null
rc=$?
set -e
if [[ $rc -eq 5 ]]; then
    say "ERROR: pytest collected no tests"
    exit 1
fi
exit $rc
