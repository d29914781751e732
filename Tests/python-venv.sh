# Shared by the Python suites' run.sh scripts (source it; it defines functions only).
#
#   ensure_venv DIR KEY PIP_ARGS...   creates the venv DIR if it is missing or unusable, and
#                                     (re)installs PIP_ARGS into it unless its marker file already
#                                     holds KEY (a hash of the requirements and the Python version)
#   requirements_key FILE             the KEY for FILE and the interpreter $PYTHON
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
