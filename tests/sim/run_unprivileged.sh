#!/usr/bin/env bash
# Runs a simulator test program as an unprivileged user (uid/gid 65534), where the scheduler needs a
# user namespace for its mount namespace (ctest sim_fidelity_unprivileged).
#
# That user must be able to run the program, libaclsim, the scheduler and read the test kernels.
# The build tree gives no such guarantee: a checkout made into a directory created 0700 (mktemp -d)
# or under umask 077 has a 0700 tree, and every file the build writes is then 0700 or 0600. So the
# test does not run them in place: it copies them into a fixture of its own that it makes
# world-readable, owned by root (so the unprivileged user can read but not change it), and lays it
# out as the build does (tests/<program>, tests/kernels/, lib/libaclsim.so, lib/akl/), so the
# program finds libaclsim through its $ORIGIN/../lib run path and libaclsim its scheduler beside
# itself; AKL_TEST_KERNEL_DIR points the program at the copied kernels. The simulator's own root
# lives in a 0700 directory of the user's, as the simulator requires.
#
# The fixture goes under /tmp, not $TMPDIR: scripts/test.sh sets TMPDIR inside the build tree.
# Usage: run_unprivileged.sh SETPRIV PROGRAM LIBACLSIM SIM_PRIVATE_DIR KERNEL_DIR
# (exit 77: not root, so the user cannot be switched; the test is skipped)
set -euo pipefail

setpriv=$1 program=$2 libaclsim=$3 private_dir=$4 kernel_dir=$5
if [[ $(id -u) != 0 ]]; then
    echo "run_unprivileged: SKIP: not root: cannot switch to uid 65534"
    exit 77
fi

umask 022
work=$(mktemp -d /tmp/akl-fidt-XXXXXX)
trap 'rm -rf "$work"' EXIT
fixture=$work/fixture
mkdir -p "$fixture/tests" "$fixture/lib"
cp "$program" "$fixture/tests/"
cp -R "$kernel_dir" "$fixture/tests/kernels"
cp "$libaclsim" "$fixture/lib/"
cp -R "$private_dir" "$fixture/lib/akl"
# Whatever the modes the copies got: readable and searchable by all, writable by root only.
chmod -R u=rwX,go=rX "$work"
home=$work/home
mkdir -m 0700 "$home"
chown 65534:65534 "$home"

"$setpriv" --reuid 65534 --regid 65534 --clear-groups \
    env HOME="$home" AKL_SIM_ROOT="$home/root" ASCEND_PROCESS_LOG_PATH="$home/log" \
    AKL_TEST_KERNEL_DIR="$fixture/tests/kernels" "$fixture/tests/$(basename "$program")"
