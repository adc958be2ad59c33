#!/usr/bin/env bash
# The install test: `cmake --install` of the build tree into a temporary prefix, then the consumer
# project in tests/install/ built against that prefix twice (pkg-config, and CMake
# find_package(akl) with akl::akl / akl::aclsim) and run against the installed tree on the
# simulated device, with a kernel of its own built by the package's akl_add_aicpu_kernel (for the
# aarch64 device when AKL_TEST_AARCH64=1, else for the host's); the installed CLI and examples run
# too. Everything made is removed at exit.
# Usage: test_install.sh BUILD_DIR SOURCE_DIR LIBDIR BINDIR INCLUDEDIR WORK_DIR
set -euo pipefail

build=$1 src=$2 libdir=$3 bindir=$4 includedir=$5 work=$6
cc=${AKL_TEST_CC:-cc}
cmake=${AKL_TEST_CMAKE:-cmake}
sanitize_flags=()
if [[ -n "${AKL_TEST_SANITIZE:-}" ]]; then
  sanitize_flags=(-fsanitize="${AKL_TEST_SANITIZE}" -fno-omit-frame-pointer)
fi

fail() { echo "test_install: FAIL: $*" >&2; exit 1; }
step() { echo "test_install: $*"; }

rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
work=$(cd "$work" && pwd -P)
prefix=$work/prefix
export AKL_SIM_ROOT=${AKL_SIM_ROOT:-$work/sim}

step "cmake --install $build --prefix $prefix"
"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log" >&2; fail "cmake --install failed"; }

step "checking the installed layout"
for f in \
  "$libdir/libakl.so" "$libdir/libaclsim.so" \
  "$includedir/akl/akl.h" "$includedir/aclsim/acl/acl.h" "$includedir/aclsim/acl/acl_rt.h" \
  "$includedir/aclsim/acl/acl_base.h" "$includedir/aclsim/acl/error_codes/rt_error_codes.h" \
  "$includedir/aclsim/runtime/rt.h" \
  "$bindir/akl" "$bindir/akl-hello" "$bindir/akl-vector-add" \
  "$libdir/akl/akl_dispatcher.so" "$libdir/akl/akl_collector.so" "$libdir/akl/akl-aicpu-scheduler" \
  "$libdir/akl/libaicpu_extend_kernels.so" \
  "$libdir/akl/examples/libakl_hello.so" "$libdir/akl/examples/libakl_vector_add.so" \
  "$libdir/pkgconfig/akl.pc" "$libdir/pkgconfig/aclsim.pc" \
  "$libdir/cmake/akl/aklConfig.cmake" "$libdir/cmake/akl/aklConfigVersion.cmake" \
  "$libdir/cmake/akl/aklTargets.cmake"; do
  [[ -e "$prefix/$f" ]] || fail "not installed: $prefix/$f"
done
# The simulator's CANN-compatible headers must not land where a real CANN's would.
[[ ! -e "$prefix/$includedir/acl" && ! -e "$prefix/$includedir/runtime" ]] ||
  fail "CANN-compatible headers installed outside $includedir/aclsim"

hello_so=$prefix/$libdir/akl/examples/libakl_hello.so
export AKL_RUNTIME=sim

step "building the consumer with pkg-config"
export PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
akl_libdir=$(cd "$(pkg-config --variable=libdir akl)" && pwd -P)
[[ "$akl_libdir" == "$(cd "$prefix/$libdir" && pwd -P)" ]] ||
  fail "akl.pc libdir $akl_libdir is not $prefix/$libdir"
# Exactly what the README says: the .pc files carry the rpath, so the programs run as built.
unset LD_LIBRARY_PATH
for pc in akl aclsim; do
  pkg-config --libs "$pc" | grep -q -- "-Wl,-rpath," || fail "$pc.pc gives no rpath"
done
# shellcheck disable=SC2046 # pkg-config output is meant to split into words
"$cc" "${sanitize_flags[@]}" -o "$work/consumer_pkgconfig" "$src/tests/install/consumer.c" \
  $(pkg-config --cflags --libs akl)
# shellcheck disable=SC2046
"$cc" "${sanitize_flags[@]}" -o "$work/aclsim_consumer_pkgconfig" \
  "$src/tests/install/aclsim_consumer.c" $(pkg-config --cflags --libs aclsim)

step "building the consumer with find_package(akl)"
cmake_flags=("-DCMAKE_PREFIX_PATH=$prefix" "-DCMAKE_C_COMPILER=$cc")
# Its kernel (akl_add_aicpu_kernel) is aarch64 when this build has the aarch64 device side and
# qemu, else the host's.
kernel_arch=aarch64
if [[ "${AKL_TEST_AARCH64:-0}" != 1 ]]; then
  kernel_arch=host
  cmake_flags+=("-DAKL_KERNEL_HOST=ON")
fi
if [[ ${#sanitize_flags[@]} -gt 0 ]]; then
  cmake_flags+=("-DCMAKE_C_FLAGS=${sanitize_flags[*]}" "-DCMAKE_EXE_LINKER_FLAGS=${sanitize_flags[*]}")
fi
"$cmake" -S "$src/tests/install" -B "$work/consumer-build" "${cmake_flags[@]}" \
  >"$work/consumer-cmake.log" 2>&1 || { cat "$work/consumer-cmake.log" >&2; fail "configure"; }
"$cmake" --build "$work/consumer-build" >>"$work/consumer-cmake.log" 2>&1 ||
  { cat "$work/consumer-cmake.log" >&2; fail "build"; }

expect_success() {
  local name=$1 out
  shift
  out=$("$@" 2>&1) || { echo "$out" >&2; fail "$name exited non-zero"; }
  echo "$out"
  grep -q "success" <<<"$out" || fail "$name did not print success"
}

step "running both consumers against the installed tree"
expect_success consumer_pkgconfig "$work/consumer_pkgconfig" "$hello_so"
expect_success consumer_cmake "$work/consumer-build/akl_install_consumer" "$hello_so"
expect_success aclsim_consumer_pkgconfig "$work/aclsim_consumer_pkgconfig"
expect_success aclsim_consumer_cmake "$work/consumer-build/aclsim_install_consumer"
# libakl must have picked the simulator installed beside it, not the build tree's.
"$work/consumer_pkgconfig" "$hello_so" | grep -q "runtime sim:$prefix/" ||
  fail "the consumer did not use $prefix's libaclsim"

step "running the consumer's own kernel, built by akl_add_aicpu_kernel for the $kernel_arch device"
kernel_so=$work/consumer-build/libconsumer_kernel.so
[[ -f "$kernel_so" ]] || fail "akl_add_aicpu_kernel did not build $kernel_so"
if [[ $kernel_arch == aarch64 ]]; then
  AKL_SIM_ARCH=aarch64 "$prefix/$bindir/akl" check "$kernel_so" >/dev/null ||
    fail "the aarch64 device refuses $kernel_so"
  "$prefix/$bindir/akl" check "$kernel_so" >/dev/null 2>&1 &&
    fail "the native device accepts the aarch64 $kernel_so"
  AKL_SIM_ARCH=aarch64 expect_success consumer_kernel "$work/consumer-build/akl_install_consumer" \
    "$kernel_so"
  step "running the installed aarch64 device side"
  for f in akl/aarch64/akl_dispatcher.so akl/aarch64/akl_collector.so akl/aarch64/akl-aicpu-scheduler \
    akl/aarch64/libaicpu_extend_kernels.so akl/examples/aarch64/libakl_vector_add.so; do
    [[ -e "$prefix/$libdir/$f" ]] || fail "not installed: $prefix/$libdir/$f"
  done
  out=$(AKL_SIM_ARCH=aarch64 "$prefix/$bindir/akl-vector-add" --n 4096 2>&1) ||
    { echo "$out" >&2; fail "installed akl-vector-add on the aarch64 device"; }
  grep -q "device:      0 (aarch64)" <<<"$out" || { echo "$out" >&2; fail "not an aarch64 device"; }
else
  expect_success consumer_kernel "$work/consumer-build/akl_install_consumer" "$kernel_so"
fi

step "running the installed CLI and examples"
out=$("$prefix/$bindir/akl-hello" 2>&1) || { echo "$out" >&2; fail "installed akl-hello"; }
grep -q "loaded $prefix/$libdir/akl/examples/libakl_hello.so" <<<"$out" ||
  { echo "$out" >&2; fail "installed akl-hello did not use the installed SO"; }
"$prefix/$bindir/akl-vector-add" --n 4096 --quiet || fail "installed akl-vector-add"
"$prefix/$bindir/akl" run --buffer 16 "$hello_so" akl_hello >/dev/null || fail "installed akl run"
"$prefix/$bindir/akl" sim clean --all >/dev/null || fail "installed akl sim clean"
step "PASS"
