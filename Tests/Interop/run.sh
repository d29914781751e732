#!/usr/bin/env bash
# Runs the WAMP interoperability suite (Tests/Interop) against a router binary.
#
#   JUNCTION_BIN      router binary (default: <repo>/.build/debug/junction)
#   INTEROP_ROUTER    junction (default) | crossbar  -- crossbar only checks the tests themselves
#   INTEROP_TIMEOUT   per-test timeout in seconds (default 120)
#   PYTHON            interpreter used to create the venvs (default python3)
#
# Extra arguments are passed to pytest (e.g. -k websocket, -x, -vv).
# Exit status: pytest's, except that "no tests collected" (5) is a failure too.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
ROUTER_KIND="${INTEROP_ROUTER:-junction}"
TIMEOUT="${INTEROP_TIMEOUT:-120}"

say() { printf 'interop: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 2; }

# hash_of and ensure_venv: the venv creation every Python suite shares (same venv, same marker).
# shellcheck source=../python-venv.sh
source "$REPO/Tests/python-venv.sh"

command -v "$PYTHON" >/dev/null || die "$PYTHON not found"
PYVER="$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"

REQS="$HERE/requirements.txt"

case "$ROUTER_KIND" in
junction)
    resolve_junction_bin
    say "router: $JUNCTION_BIN"
    ;;
crossbar)
    # Crossbar is only a reference router for checking the tests; it gets its own venv.
    ensure_venv "$REPO/.venv-crossbar" "$(hash_of /dev/null "$PYVER crossbar==26.10.1 numpy<2")" crossbar==26.10.1 'numpy<2'
    export CROSSBAR_BIN="${CROSSBAR_BIN:-$REPO/.venv-crossbar/bin/crossbar}"
    say "router: crossbar ($CROSSBAR_BIN)"
    ;;
*)
    die "INTEROP_ROUTER must be 'junction' or 'crossbar' (got '$ROUTER_KIND')"
    ;;
esac
export INTEROP_ROUTER="$ROUTER_KIND"

ensure_venv "$REPO/.venv" "$(hash_of "$REQS" "$PYVER")" -r "$REQS"

# Run the whole suite unless paths were given (e.g. Tests/Interop/test_rpc.py::test_call_args_kwargs).
targets=("$HERE")
for arg in "$@"; do
    if [[ "$arg" != -* && -e "${arg%%::*}" ]]; then targets=(); break; fi
done

set +e
"$REPO/.venv/bin/python" -m pytest "${targets[@]}" -q \
    --timeout="$TIMEOUT" --timeout-method=signal -rfEX "$@" </dev/null
rc=$?
set -e
if [[ $rc -eq 5 ]]; then
    say "ERROR: pytest collected no tests"
    exit 1
fi
exit $rc
