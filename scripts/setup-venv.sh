#!/usr/bin/env bash
# Creates the project's virtual environment (.venv) and installs the project into it, editable,
# with its GUI and development extras: pip install -e '.[gui,dev]'.
#
#   scripts/setup-venv.sh            create or update .venv (skips pip when nothing changed)
#   scripts/setup-venv.sh --force    reinstall even if nothing changed
#
# Environment: PYTHON (the interpreter to build the venv from, default: python3, then
# python3.13/3.12/3.11), CLERK_VENV (the venv's folder, default: .venv at the repo root).
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"
venv=${CLERK_VENV:-$root/.venv}

force=no
for arg in "$@"; do
    case "$arg" in
        --force) force=yes ;;
        -h | --help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "setup-venv.sh: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

python_ok() { # is "$1" a Python >= 3.11 with venv?
    "$1" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1
}

find_python() {
    local candidate
    for candidate in ${PYTHON:-} python3 python3.13 python3.12 python3.11; do
        if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

if [[ -x $venv/bin/python ]] && ! python_ok "$venv/bin/python"; then
    echo "setup-venv: $venv is broken or older than Python 3.11; recreating it." >&2
    rm -rf "$venv"
fi

if [[ ! -x $venv/bin/python ]]; then
    if ! python=$(find_python); then
        echo "setup-venv: no Python >= 3.11 with the venv module found (set PYTHON=...)." >&2
        echo "On Debian: apt-get install python3 python3-venv" >&2
        exit 1
    fi
    echo "setup-venv: creating $venv with $python ($("$python" -V 2>&1))"
    "$python" -m venv "$venv"
    force=yes
fi

pip=("$venv/bin/python" -m pip --disable-pip-version-check --no-input -q)

# Skip pip when the venv was already set up from this very pyproject.toml.
stamp=$venv/.clerk-desk-installed
want=$( { cat pyproject.toml; "$venv/bin/python" -VV; } | sha256sum | cut -d' ' -f1)
if [[ $force == no && -f $stamp && $(cat "$stamp") == "$want" ]] \
    && "$venv/bin/python" -m pip show -q clerk-desk >/dev/null 2>&1; then
    echo "setup-venv: $venv is up to date."
    exit 0
fi

# pip's warnings about this machine's own pip configuration (extra local indexes that may not
# exist) are noise; everything else reaches stderr.
quiet_pip() {
    "${pip[@]}" "$@" 2> >(grep -v -E "^WARNING: Location 'file:///[^']*' is ignored" >&2 || true)
}

echo "setup-venv: installing the project into $venv (pip install -e '.[gui,dev]') ..."
rm -f "$stamp"
quiet_pip install --upgrade pip
quiet_pip install -e '.[gui,dev]'
printf '%s\n' "$want" >"$stamp"
echo "setup-venv: done ($("$venv/bin/python" -V 2>&1))."
