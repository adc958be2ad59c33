#!/usr/bin/env bash
# The main job: build akl, then run the vector-add example end to end on the simulated device
# (bootstrap the runtime SO, launch init and exec over 8 AICPU blocks, check every element).
# Usage: scripts/demo.sh [vector-add options, e.g. --n 4096 --blocks 4 --json]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
build=${AKL_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
echo "== akl: vector_add on the simulated device (AKL_RUNTIME=${AKL_RUNTIME:-auto})"
exec "$build/bin/akl-vector-add" "$@"
