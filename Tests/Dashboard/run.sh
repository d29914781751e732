#!/usr/bin/env bash
# Runs the dashboard's end-to-end test (Tests/Dashboard) in a real headless Chromium against a
# live Junction, with the Python venv of Tests/Interop (<repo>/.venv, same requirements file).
#
#   JUNCTION_BIN           router binary (default: <repo>/.build/debug/junction)
#   CHROMIUM               browser (default: chromium; Debian's package is installed if missing)
#   DASHBOARD_PAGE_ORIGIN  python (default: a static server over the page's files) | junction
#   DASHBOARD_SCREENSHOT   also save the page's screenshot there (e.g. docs/dashboard.png)
#   DASHBOARD_TIMEOUT      seconds for the whole run (default 300)
#
# Extra arguments are passed to pytest. Chromium and Junction are stopped at the end, whatever happens.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
REQS="$REPO/Tests/Interop/requirements.txt"

say() { printf 'dashboard: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 2; }

# The same venv and marker as Tests/Interop/run.sh, so the two never reinstall each other's.
# hash_of and ensure_venv: the venv creation every Python suite shares (same venv, same marker).
# shellcheck source=../python-venv.sh
source "$REPO/Tests/python-venv.sh"

command -v "$PYTHON" >/dev/null || die "$PYTHON not found"
PYVER="$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"

CHROMIUM="${CHROMIUM:-chromium}"
if ! command -v "$CHROMIUM" >/dev/null 2>&1; then
    say "installing Debian's chromium"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    export DEBIAN_FRONTEND=noninteractive
    # With its recommended packages (fonts), unlike apt_install.
    $sudo apt-get install -y chromium >/dev/null \
        || { $sudo apt-get update >/dev/null && $sudo apt-get install -y chromium >/dev/null; } \
        || die "could not install chromium"
fi
export CHROMIUM="$(command -v "$CHROMIUM")"

resolve_junction_bin
if [[ -n "${DASHBOARD_SCREENSHOT:-}" ]]; then
    export DASHBOARD_SCREENSHOT="$(cd "$(dirname "$DASHBOARD_SCREENSHOT")" && pwd)/$(basename "$DASHBOARD_SCREENSHOT")"
fi

ensure_venv "$REPO/.venv" "$(hash_of "$REQS" "$PYVER")" -r "$REQS"

# Whatever the test started and did not stop (a kill -9 of pytest, say) is stopped here, by id.
export DASHBOARD_PIDFILE="$(mktemp)"
cleanup() {
    while read -r pid; do
        kill -KILL -- "-$pid" 2>/dev/null || true
    done <"$DASHBOARD_PIDFILE"
    rm -f "$DASHBOARD_PIDFILE"
}
trap cleanup EXIT

set +e
(cd "$HERE" && timeout --kill-after=15 "${DASHBOARD_TIMEOUT:-300}" "$REPO/.venv/bin/python" -m pytest -q \
    --timeout=120 --timeout-method=signal -rfEX "$@" </dev/null)
rc=$?
set -e
[[ $rc -eq 124 ]] && say "ERROR: the run took longer than ${DASHBOARD_TIMEOUT:-300} s"
[[ $rc -eq 5 ]] && { say "ERROR: pytest collected no tests"; exit 1; }
exit $rc
