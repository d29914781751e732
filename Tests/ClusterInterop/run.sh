#!/usr/bin/env bash
# Runs the cluster suite (Tests/ClusterInterop): one redis-server and three `junction serve` nodes
# on free loopback ports, driven by autobahn-python clients on different nodes. Builds nothing.
#
#   JUNCTION_BIN       router binary (default: <repo>/.build/debug/junction)
#   REDIS_SERVER_BIN   redis-server binary (default: redis-server on PATH or /usr/bin)
#   CLUSTER_TIMEOUT    per-test timeout in seconds (default 180)
#   PYTHON             interpreter used to create the venv (default python3)
#
# Installs Debian's redis-server (and redis-tools for redis-cli) when missing, and the
# requirements of Tests/Interop/requirements.txt into <repo>/.venv (shared with the other suites).
# Extra arguments are passed to pytest (e.g. -k order, -x, -vv).
# Exit status: pytest's, except that "no tests collected" (5) is a failure too.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
TIMEOUT="${CLUSTER_TIMEOUT:-180}"
REQS="$REPO/Tests/Interop/requirements.txt"

say() { printf 'cluster-interop: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 2; }
# shellcheck source=../python-venv.sh
source "$REPO/Tests/python-venv.sh"

ensure_redis() {
    local missing=()
    [[ -n "${REDIS_SERVER_BIN:-}" ]] || command -v redis-server >/dev/null || missing+=(redis-server)
    command -v redis-cli >/dev/null || missing+=(redis-tools)
    [[ ${#missing[@]} -eq 0 ]] || apt_install "${missing[@]}"
}

command -v "$PYTHON" >/dev/null || die "$PYTHON not found"

resolve_junction_bin
ensure_redis
say "router: $JUNCTION_BIN; redis: ${REDIS_SERVER_BIN:-$(command -v redis-server)}"

ensure_venv "$REPO/.venv" "$(requirements_key "$REQS")" -r "$REQS"

# Run the whole suite unless paths were given (e.g. Tests/ClusterInterop/test_pubsub.py::test_order).
targets=("$HERE")
for arg in "$@"; do
    if [[ "$arg" != -* && -e "${arg%%::*}" ]]; then targets=(); break; fi
done

set +e
"$REPO/.venv/bin/python" -m pytest "${targets[@]}" -c "$HERE/pytest.ini" --rootdir "$HERE" -q \
    --timeout="$TIMEOUT" --timeout-method=signal -rfEXxs "$@" </dev/null
rc=$?
set -e
if [[ $rc -eq 5 ]]; then
    say "ERROR: pytest collected no tests"
    exit 1
fi
exit $rc
