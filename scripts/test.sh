#!/usr/bin/env bash
# Builds and runs the whole test suite: plain with -Werror, under AddressSanitizer +
# UndefinedBehaviorSanitizer, the concurrency tests under ThreadSanitizer, and a bounded libFuzzer
# run of every fuzz target (clang). AKL_TEST_MODES="plain asan tsan fuzz" (the default) selects
# which; AKL_FUZZ_SECONDS (default 20) bounds each fuzz target; extra arguments go to ctest.
# The plain mode includes the label aarch64 (the integration tests again on an aarch64 simulated
# device) when the build found an aarch64 compiler and qemu-aarch64.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
jobs=$(nproc)
modes=${AKL_TEST_MODES:-plain asan tsan fuzz}

run_mode() {
    local mode=$1 dir=$2 sanitize=$3 label=$4
    shift 4
    echo "== akl tests: $mode ($dir)"
    cmake -S . -B "$dir" -DAKL_WERROR=ON -DAKL_SANITIZE="$sanitize" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        "${extra_cmake[@]}" >/dev/null
    cmake --build "$dir" -j"$jobs" "${build_targets[@]}" 2>&1 | grep -E "error|warning|akl_dispatcher.so:" || true
    cmake --build "$dir" -j"$jobs" "${build_targets[@]}" >/dev/null
    local args=(--test-dir "$dir" --output-on-failure -j"$jobs" --timeout 600)
    [[ -n "$label" ]] && args+=(-L "$label")
    ctest "${args[@]}" "$@"
}

extra_cmake=()
build_targets=()
for mode in $modes; do
    case $mode in
        plain) run_mode plain build "" "" "$@" ;;
        asan)
            ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
            UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
                run_mode asan build-asan "address,undefined" "" "$@" ;;
        tsan)
            TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1} \
                run_mode tsan build-tsan "thread" "concurrency" "$@" ;;
        fuzz)
            # Everything instrumented for coverage, only the fuzz targets built (they link
            # libFuzzer themselves; the self-contained dispatcher could not link instrumented).
            extra_cmake=(-DCMAKE_C_COMPILER=clang -DAKL_FUZZ=ON
                         -DAKL_FUZZ_SECONDS="${AKL_FUZZ_SECONDS:-20}"
                         -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link)
            build_targets=(--target fuzz-targets)
            run_mode fuzz build-fuzz "address,undefined" "^fuzz$" "$@"
            extra_cmake=()
            build_targets=() ;;
        *) echo "unknown test mode: $mode" >&2; exit 2 ;;
    esac
done
echo "== akl tests: all modes passed ($modes)"
