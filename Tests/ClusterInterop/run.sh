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
    [[ ${#missing[@]} -eq 0 ]] && return 0
    command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install them"
    say "installing ${missing[*]} with apt-get"
    local sudo=()
    [[ $(id -u) -ne 0 ]] && sudo=(sudo -n)
    if ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" \
        </dev/null >/dev/null; then
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -q </dev/null >/dev/null || true
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" \
            </dev/null >/dev/null || die "apt-get install ${missing[*]} failed"
    fi
}

command -v "$PYTHON" >/dev/null || die "$PYTHON not found"

JUNCTION_BIN="${JUNCTION_BIN:-$REPO/.build/debug/junction}"
[[ -f "$JUNCTION_BIN" ]] || die "router binary $JUNCTION_BIN does not exist (build it with 'swift build', or set JUNCTION_BIN)"
[[ -x "$JUNCTION_BIN" ]] || die "router binary $JUNCTION_BIN is not executable"
JUNCTION_BIN="$(cd "$(dirname "$JUNCTION_BIN")" && pwd)/$(basename "$JUNCTION_BIN")"
export JUNCTION_BIN
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
