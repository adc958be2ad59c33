#!/usr/bin/env bash
# Runs a program that opens a simulated device with AKL_SIM_PREINSTALL=readonly where no mount or
# user namespace can be made (a user namespace of the test's own whose limits on both are 0), and
# checks that it fails with the message docs/errors.md row 12.11 gives, as a machine without
# namespaces must (ctest sim_preinstall_readonly_refused, and aarch64_... on the aarch64 device,
# whose scheduler gets the mount from its native --ns-exec stage and must fail the same way).
# Usage: run_without_namespaces.sh PROGRAM [ARGS...]
# (exit 77: this machine gives the test no user namespace to cap, so it is skipped)
set -uo pipefail

expect="failed to start: AKL_SIM_PREINSTALL=readonly needs a private mount namespace (or a user namespace owning one), which this machine refuses"
work=$(mktemp -d /tmp/akl-nons-XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
if ! unshare --user --map-root-user sh -c \
    'echo 0 > /proc/sys/user/max_mnt_namespaces && echo 0 > /proc/sys/user/max_user_namespaces' \
    2>/dev/null; then
    echo "run_without_namespaces: SKIP: no user namespace whose limits can be capped"
    exit 77
fi
out=$(AKL_SIM_PREINSTALL=readonly AKL_SIM_ROOT="$work/root" ASCEND_PROCESS_LOG_PATH="$work/log" \
    unshare --user --map-root-user sh -c \
    'echo 0 > /proc/sys/user/max_mnt_namespaces && echo 0 > /proc/sys/user/max_user_namespaces &&
     exec "$@"' sh "$@" 2>&1)
rc=$?
echo "$out"
if [[ $rc == 0 ]]; then
    echo "run_without_namespaces: FAIL: $1 succeeded without a namespace for the read-only mount"
    exit 1
fi
if [[ $out != *"$expect"* ]]; then
    echo "run_without_namespaces: FAIL: no '$expect' in the output"
    exit 1
fi
echo "run_without_namespaces: refused as expected (exit $rc)"
