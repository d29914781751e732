# Shared by the Python suites' run.sh scripts (source it; it defines functions only).
#
#   ensure_venv DIR KEY PIP_ARGS...   creates the venv DIR if it is missing or unusable, and
#                                     (re)installs PIP_ARGS into it unless its marker file already
#                                     holds KEY (a hash of the requirements and the Python version)
#   requirements_key FILE             the KEY for FILE and the interpreter $PYTHON
#   apt_install PKG...                installs Debian packages (sudo -n when not root; apt-get update
#                                     and one retry when the first install fails)
#   resolve_junction_bin              checks $JUNCTION_BIN (default <repo>/.build/debug/junction),
#                                     makes it absolute and exports it (expects REPO)
#
# Expects PYTHON (the interpreter that creates venvs) and the functions say and die.
# Every suite uses the same marker name, so suites sharing <repo>/.venv never reinstall for each other.

hash_of() {
    "$PYTHON" -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()+sys.argv[2].encode()).hexdigest())' "$1" "$2"
}

requirements_key() {
    hash_of "$1" "$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
}

ensure_venv() {
    local dir="$1" key="$2"; shift 2
    local marker="$dir/.interop-requirements.sha256"
    if [[ -f "$marker" && "$(cat "$marker")" == "$key" ]] && "$dir/bin/python" -c "" 2>/dev/null; then
        return 0
    fi
    if ! "$dir/bin/python" -c "" 2>/dev/null; then
        say "creating venv $dir"
        rm -rf "$dir"
        "$PYTHON" -m venv "$dir" || die "could not create a venv with $PYTHON (apt-get install python3-venv?)"
    fi
    say "installing into $dir: $*"
    rm -f "$marker"
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 "$dir/bin/python" -m pip install --quiet "$@" </dev/null \
        || die "pip install into $dir failed"
    echo "$key" >"$marker"
}

apt_install() {
    command -v apt-get >/dev/null || die "missing $* and no apt-get to install them"
    say "installing $* with apt-get"
    local sudo=()
    [[ $(id -u) -ne 0 ]] && sudo=(sudo -n)
    if ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "$@" \
        </dev/null >/dev/null; then
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -q </dev/null >/dev/null || true
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "$@" \
            </dev/null >/dev/null || die "apt-get install $* failed"
    fi
}

resolve_junction_bin() {
    JUNCTION_BIN="${JUNCTION_BIN:-$REPO/.build/debug/junction}"
    [[ -f "$JUNCTION_BIN" ]] || die "router binary $JUNCTION_BIN does not exist (build it with 'swift build', or set JUNCTION_BIN)"
    [[ -x "$JUNCTION_BIN" ]] || die "router binary $JUNCTION_BIN is not executable"
    JUNCTION_BIN="$(cd "$(dirname "$JUNCTION_BIN")" && pwd)/$(basename "$JUNCTION_BIN")"
    export JUNCTION_BIN
}
