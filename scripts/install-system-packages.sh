#!/usr/bin/env bash
# Installs the Debian 12 packages that the clerk desk and its tests need.
#
#   scripts/install-system-packages.sh            everything: the app, the tests, the services
#   scripts/install-system-packages.sh --runtime  only what the app needs to run
#
# Idempotent and fast on a rerun: when every package is already installed and the SANE `test`
# backend is enabled, it does nothing and needs no root. Otherwise it needs root; run as another
# user it re-executes itself through sudo. `apt-get update` is skipped when this script ran it
# less than an hour ago.
set -euo pipefail

# What the app needs to run.
RUNTIME_PACKAGES=(
    # Python for the virtual environment (a machine may bring its own python3 >= 3.11 instead).
    python3 python3-venv
    # Qt 6 (PySide6 wheels from PyPI) on the offscreen platform ...
    libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3
    libxkbcommon0
    # ... and in a real window (xcb): what libqxcb.so and its GL integrations link against.
    libx11-6 libx11-xcb1 libxcb1 libxcb-glx0 libxcb-randr0 libxcb-render0 libxcb-shape0
    libxcb-shm0 libxcb-sync1 libxcb-xfixes0 libxcb-util1 libxcb-icccm4 libxcb-keysyms1
    libxcb-cursor0 libxcb-image0 libxcb-render-util0 libxcb-xkb1 libxkbcommon-x11-0
    # Qt's printing through CUPS (the cups print-support plugin).
    libcups2
    # Fonts: Tinos (metric-compatible with Times New Roman) and a UI fallback.
    fonts-croscore fonts-dejavu-core
    # Scanners through SANE (the `test` backend stands in for a scanner in tests).
    libsane1 sane-utils
    # OCR with the Vietnamese model.
    tesseract-ocr tesseract-ocr-vie
    # USB tokens through PKCS#11.
    opensc
)

# What the tests add: real services and independent checkers.
TEST_PACKAGES=(
    postgresql    # the server database
    softhsm2      # a real PKCS#11 token
    poppler-utils # pdfsig, pdftotext, pdftoppm
    libnss3-tools # certutil: an NSS trust store for pdfsig in the signing tests
    qpdf          # qpdf --check
    xvfb xauth    # a real X display for screenshots (xvfb-run)
    # The installers (installer/, tests/installer): a bare Debian root for the .deb; makensis,
    # Authenticode checks and Wine for the Windows installer (Wine's DLLs are also the real PE
    # files the token driver tests read).
    debootstrap nsis osslsigncode unzip wine wine64
)

APT_STAMP=/var/lib/apt/clerk-desk-apt-update.stamp
SANE_DLL_CONF=/etc/sane.d/dll.conf

usage() {
    sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

mode=all
for arg in "$@"; do
    case "$arg" in
        --runtime) mode=runtime ;;
        -h | --help) usage; exit 0 ;;
        *) echo "install-system-packages.sh: unknown argument: $arg" >&2; usage >&2; exit 2 ;;
    esac
done

packages=("${RUNTIME_PACKAGES[@]}")
if [[ $mode == all ]]; then
    packages+=("${TEST_PACKAGES[@]}")
fi

missing_packages() {
    local p status
    for p in "${packages[@]}"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
        [[ $status == installed ]] || printf '%s\n' "$p"
    done
}

sane_test_enabled() {
    [[ -f $SANE_DLL_CONF ]] && grep -Eq '^[[:space:]]*test[[:space:]]*$' "$SANE_DLL_CONF"
}

mapfile -t missing < <(missing_packages)
if ((${#missing[@]} == 0)) && sane_test_enabled; then
    echo "System packages: all ${#packages[@]} present ($mode)."
    exit 0
fi

if ((EUID != 0)); then
    self=$(readlink -f "${BASH_SOURCE[0]}")
    if command -v sudo >/dev/null 2>&1; then
        echo "System packages missing (${missing[*]:-none}); asking sudo to install them." >&2
        exec sudo -- bash "$self" "$@"
    fi
    echo "Some system packages are missing: ${missing[*]:-none}" >&2
    echo "Run this as root:  bash $self $*" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
APT=(apt-get -q -o DPkg::Lock::Timeout=600)
log=$(mktemp /tmp/clerk-apt.XXXXXX.log)
trap 'rm -f "$log"' EXIT

apt_update() {
    echo "apt-get update ..."
    if ! "${APT[@]}" update >"$log" 2>&1; then
        cat "$log" >&2
        echo "apt-get update failed." >&2
        exit 1
    fi
    touch "$APT_STAMP"
}

apt_install() {
    "${APT[@]}" install -y --no-install-recommends "${missing[@]}" >"$log" 2>&1
}

if ((${#missing[@]} > 0)); then
    start=$SECONDS
    updated=no
    if [[ -z $(find "$APT_STAMP" -mmin -60 2>/dev/null) ]]; then
        apt_update
        updated=yes
    fi
    echo "Installing ${#missing[@]} Debian packages: ${missing[*]}"
    if ! apt_install; then
        if [[ $updated == no ]]; then
            # The package lists may be stale even though the stamp is fresh: refresh once.
            apt_update
            apt_install || { cat "$log" >&2; echo "apt-get install failed." >&2; exit 1; }
        else
            cat "$log" >&2
            echo "apt-get install failed." >&2
            exit 1
        fi
    fi
    mapfile -t still_missing < <(missing_packages)
    if ((${#still_missing[@]} > 0)); then
        cat "$log" >&2
        echo "Still not installed after apt-get: ${still_missing[*]}" >&2
        exit 1
    fi
    echo "Installed in $((SECONDS - start)) s."
fi

# The SANE `test` backend (a virtual scanner with a 10-page feeder) stands in for a scanner.
if ! sane_test_enabled; then
    if [[ ! -f $SANE_DLL_CONF ]]; then
        echo "$SANE_DLL_CONF is missing although libsane1 is installed." >&2
        exit 1
    fi
    if grep -Eq '^[[:space:]]*#[[:space:]]*test[[:space:]]*$' "$SANE_DLL_CONF"; then
        sed -i -E 's/^[[:space:]]*#[[:space:]]*test[[:space:]]*$/test/' "$SANE_DLL_CONF"
    else
        printf 'test\n' >>"$SANE_DLL_CONF"
    fi
    echo "Enabled the SANE test backend in $SANE_DLL_CONF."
fi

echo "System packages: all ${#packages[@]} present ($mode)."
