#!/usr/bin/env bash
# The main job: build akl, then run the vector-add example end to end on the simulated device
# (bootstrap the runtime SO, launch init and exec over 8 AICPU blocks, check every element).
# AKL_SIM_ARCH=aarch64 runs it on an aarch64 simulated device (every device-side object aarch64,
# under qemu-user); the output names the device's architecture.
# The build shows one progress line per target built; its full output is printed only when it
# fails.
# Usage: [AKL_SIM_ARCH=aarch64] scripts/demo.sh [vector-add options, e.g. --n 4096 --blocks 4 --json]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
build=${AKL_BUILD_DIR:-build}

# "[ 42%] Built target akl" (make) or "[12/140] Linking C shared library lib/libakl.so" (ninja)
# becomes "  [ 42%] akl" / "  [12/140] lib/libakl.so", as soon as it is printed.
demo_progress() {
    sed -un -e 's/^\(\[ *[0-9]*%\]\) Built target \(.*\)$/  \1 \2/p' \
        -e 's/^\(\[[0-9]*\/[0-9]*\]\) Linking [A-Za-z ]* \([^ ]*\)$/  \1 \2/p'
}

echo "== akl: configuring $build"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
echo "== akl: building $build ($(nproc) jobs)"
log=$(mktemp)
set +e
cmake --build "$build" -j"$(nproc)" 2>&1 | tee "$log" | demo_progress
status=${PIPESTATUS[0]}
set -e
if ((status != 0)); then
    cat "$log" >&2
    rm -f "$log"
    echo "akl: the build failed (cmake --build $build exited $status)" >&2
    exit "$status"
fi
rm -f "$log"
echo "== akl: vector_add on the simulated device (AKL_RUNTIME=${AKL_RUNTIME:-auto}," \
    "device architecture ${AKL_SIM_ARCH:-$(uname -m)})"
exec "$build/bin/akl-vector-add" "$@"
