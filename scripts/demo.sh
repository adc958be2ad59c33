#!/usr/bin/env bash
# The main job: build akl, then run the vector-add example end to end on the simulated device
# (bootstrap the runtime SO, launch init and exec over 8 AICPU blocks, check every element).
# AKL_SIM_ARCH=aarch64 runs it on an aarch64 simulated device (every device-side object aarch64,
# under qemu-user); the output names the device's architecture.
# Usage: [AKL_SIM_ARCH=aarch64] scripts/demo.sh [vector-add options, e.g. --n 4096 --blocks 4 --json]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
build=${AKL_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
echo "== akl: vector_add on the simulated device (AKL_RUNTIME=${AKL_RUNTIME:-auto}," \
    "device architecture ${AKL_SIM_ARCH:-$(uname -m)})"
exec "$build/bin/akl-vector-add" "$@"
