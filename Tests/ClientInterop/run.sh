#!/usr/bin/env bash
# Runs the JunctionClient tests that need Crossbar.io (authentication, and every client scenario
# against a second router), installing Crossbar into .venv-crossbar when it is missing.
#
#   SCRATCH       SwiftPM scratch path the tests were built in (default: .build)
#   CROSSBAR_BIN  crossbar binary (default: <repo>/.venv-crossbar/bin/crossbar, installed if missing)
#   PYTHON        interpreter used to create the venv (default python3)
#
# Build first (swift build --build-tests [--scratch-path …]); this script runs with --skip-build.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
SCRATCH="${SCRATCH:-.build}"
VENV="$REPO/.venv-crossbar"
# The same pins as Tests/Interop/run.sh, so both scripts share one venv.
CB_REQS=(crossbar==26.10.1 'numpy<2')

say() { printf 'client-interop: %s\n' "$*" >&2; }

if [[ -z "${CROSSBAR_BIN:-}" ]]; then
    if [[ ! -x "$VENV/bin/crossbar" ]]; then
        say "installing ${CB_REQS[*]} into $VENV"
        rm -rf "$VENV"
        "$PYTHON" -m venv "$VENV"
        PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/python" -m pip install --quiet --no-input "${CB_REQS[@]}" </dev/null
        PYVER="$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
        # Marker in the format Tests/Interop/run.sh checks, so it does not reinstall.
        "$PYTHON" -c 'import hashlib,sys; print(hashlib.sha256(open("/dev/null","rb").read()+sys.argv[1].encode()).hexdigest())' \
            "$PYVER ${CB_REQS[*]}" >"$VENV/.interop-requirements.sha256"
    fi
    CROSSBAR_BIN="$VENV/bin/crossbar"
fi
[[ -x "$CROSSBAR_BIN" ]] || { say "ERROR: $CROSSBAR_BIN is not executable"; exit 2; }
export CROSSBAR_BIN
say "crossbar: $CROSSBAR_BIN"

cd "$REPO"
swift test --scratch-path "$SCRATCH" --skip-build --filter 'JunctionClientTests.CrossbarLiveTests' "$@"
