#!/usr/bin/env bash
# Makes sure the Debian packages akl needs are installed: installs the missing ones when run as
# root, otherwise prints the one command to run and fails. Sourced or run by demo.sh, test.sh and
# .ci/run; `scripts/deps.sh --print` only prints the list.
set -euo pipefail

AKL_DEPS=(build-essential cmake pkg-config libcmocka-dev libxxhash-dev libelf-dev libjson-c-dev
          clang gnuplot-nox valgrind openmpi-bin python3 python3-pytest
          python3-numpy)
# The aarch64 (AICPU) device side: the cross compiler and its C library, and qemu-user to run the
# simulated aarch64 device (AKL_SIM_ARCH=aarch64). An arm64 host builds it natively.
if [[ "$(dpkg --print-architecture 2>/dev/null)" != arm64 ]]; then
    AKL_DEPS+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)
fi

if [[ "${1:-}" == "--print" ]]; then
    echo "${AKL_DEPS[*]}"
    exit 0
fi

missing=()
for pkg in "${AKL_DEPS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
if ((${#missing[@]} == 0)); then
    exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
    echo "akl: missing Debian packages: ${missing[*]}" >&2
    echo "akl: install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
echo "akl: installing missing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
