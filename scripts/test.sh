#!/usr/bin/env bash
# Builds and runs the whole test suite three ways: plain with -Werror, under AddressSanitizer +
# UndefinedBehaviorSanitizer, and the concurrency tests under ThreadSanitizer.
# AKL_TEST_MODES="plain asan tsan" (the default) selects which; extra arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
jobs=$(nproc)
modes=${AKL_TEST_MODES:-plain asan tsan}

run_mode() {
    local mode=$1 dir=$2 sanitize=$3 label=$4
    shift 4
    echo "== akl tests: $mode ($dir)"
    cmake -S . -B "$dir" -DAKL_WERROR=ON -DAKL_SANITIZE="$sanitize" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$dir" -j"$jobs" 2>&1 | grep -E "error|warning|akl_dispatcher.so:" || true
    cmake --build "$dir" -j"$jobs" >/dev/null
    local args=(--test-dir "$dir" --output-on-failure -j"$jobs" --timeout 600)
    [[ -n "$label" ]] && args+=(-L "$label")
    ctest "${args[@]}" "$@"
}

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
        *) echo "unknown test mode: $mode" >&2; exit 2 ;;
    esac
done
echo "== akl tests: all modes passed ($modes)"
