#!/usr/bin/env bash
# Builds and runs the whole test suite: plain with -Werror, under AddressSanitizer +
# UndefinedBehaviorSanitizer, the concurrency tests under ThreadSanitizer, and a bounded libFuzzer
# run of every fuzz target (clang). AKL_TEST_MODES="plain asan tsan fuzz" (the default) selects
# which; AKL_FUZZ_SECONDS (default 20) bounds each fuzz target; extra arguments go to ctest.
# The plain mode includes the label aarch64 (the integration tests again on an aarch64 simulated
# device) when the build found an aarch64 compiler and qemu-aarch64.
# Each mode must leave nothing behind: what its tests add to the build tree's test roots, to the
# $TMPDIR they are given, or as akl* to /tmp or /dev/shm, and do not remove, fails the run, listed
# (AKL_TEST_LEAK_CHECK=0 turns the check off).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
jobs=$(nproc)
modes=${AKL_TEST_MODES:-plain asan tsan fuzz}

# What the tests may leave things in, one path a line, sorted: everything in the test roots and
# in the $TMPDIR given to ctest (a directory of its own), and in /tmp and /dev/shm the names that
# start with "akl" (every test's scratch name there does; other jobs' files on a shared machine
# do not, and must not fail the run).
leak_snapshot() {
    local dir=$1 place
    for place in "$dir/test-roots" "$dir/test-tmp"; do
        if [[ -d $place ]]; then find "$place" -mindepth 1 -maxdepth 1 2>/dev/null || true; fi
    done
    for place in /tmp /dev/shm; do
        if [[ -d $place ]]; then
            find "$place" -mindepth 1 -maxdepth 1 -name 'akl*' -user "$(id -u)" 2>/dev/null || true
        fi
    done
}

# Runs ctest with its arguments and TMPDIR=<dir>/test-tmp, then fails if the tests left an entry
# behind (listing them) or failed.
ctest_without_leftovers() {
    local dir tmp
    dir=$(cd "$1" && pwd) # absolute: the tests run in directories of their own
    tmp=$dir/test-tmp
    shift
    rm -rf "$tmp"
    mkdir -p "$tmp"
    if [[ ${AKL_TEST_LEAK_CHECK:-1} == 0 ]]; then
        TMPDIR=$tmp ctest "$@"
        return
    fi
    local before status=0 left
    before=$(leak_snapshot "$dir" | sort)
    TMPDIR=$tmp ctest "$@" || status=$?
    left=$(comm -13 <(echo "$before") <(leak_snapshot "$dir" | sort))
    if [[ -n $left ]]; then
        echo "== akl tests: the tests left these behind:" >&2
        echo "$left" >&2
        return 1
    fi
    rmdir "$tmp"
    return $status
}

run_mode() {
    local mode=$1 dir=$2 sanitize=$3 label=$4
    shift 4
    echo "== akl tests: $mode ($dir)"
    cmake -S . -B "$dir" -DAKL_WERROR=ON -DAKL_SANITIZE="$sanitize" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        "${extra_cmake[@]}" >/dev/null
    cmake --build "$dir" -j"$jobs" "${build_targets[@]}" 2>&1 | grep -E "error|warning|akl_dispatcher.so:|akl_collector.so:" || true
    cmake --build "$dir" -j"$jobs" "${build_targets[@]}" >/dev/null
    local args=(--test-dir "$dir" --output-on-failure -j"$jobs" --timeout 600)
    [[ -n "$label" ]] && args+=(-L "$label")
    ctest_without_leftovers "$dir" "${args[@]}" "$@"
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
