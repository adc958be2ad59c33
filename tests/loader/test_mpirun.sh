#!/usr/bin/env bash
# The cluster launcher test (issue 15 point 4): Open MPI's mpirun starts one process per simulated
# NPU and each picks its device with --device local (akl_local_device: OMPI_COMM_WORLD_LOCAL_RANK
# here). Four ranks of akl-vector-add on four devices; four ranks of `akl run` that publish on four
# distinct devices; eight ranks as two simulated hosts (each rank's host has its own AKL_SIM_ROOT
# and, as torchrun would on each node, its own LOCAL_RANK 0..3). Every rank must pass.
# mpirun runs everything on this machine over loopback; as root it needs --allow-run-as-root
# (given through OMPI_ALLOW_RUN_AS_ROOT*), and --oversubscribe for more ranks than cores.
# Usage: test_mpirun.sh BUILD_DIR WORK_DIR   (exit 77: mpirun is not installed, the test is skipped)
set -euo pipefail

build=$1 work=$2
fail() { echo "test_mpirun: FAIL: $*" >&2; exit 1; }
step() { echo "test_mpirun: $*"; }

mpirun=$(command -v mpirun || true)
if [[ -z "$mpirun" ]]; then
  echo "test_mpirun: SKIP: mpirun not found (Debian: apt-get install openmpi-bin)"
  exit 77
fi

rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
work=$(cd "$work" && pwd -P)

# One machine, loopback only, no ssh, more ranks than cores.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_plm=isolated OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
export AKL_RUNTIME=sim
unset LOCAL_RANK OMPI_COMM_WORLD_LOCAL_RANK MPI_LOCALRANKID SLURM_LOCALID ASCEND_RT_VISIBLE_DEVICES
vadd=$build/bin/akl-vector-add
akl=$build/bin/akl
hello_so=$build/lib/akl/examples/libakl_hello.so

# Runs "$@" once per rank with its stdout in $out/<world rank>; fails if any rank fails.
run_ranks() {
  local np=$1 out=$2
  shift 2
  mkdir -p "$out"
  # shellcheck disable=SC2016 # expanded by each rank's shell
  timeout 300 "$mpirun" -np "$np" bash -c \
    'out=$1; shift; exec "$@" >"$out/$OMPI_COMM_WORLD_RANK"' rank "$out" "$@" ||
    { for f in "$out"/*; do echo "== $f"; cat "$f"; done >&2; fail "a rank of '$*' failed"; }
}

# The value of a top-level JSON key (string, number or boolean) in the one-line object in file.
json_field() {
  sed -n 's/.*"'"$2"'":\("[^"]*"\|[^,}]*\).*/\1/p' "$1" | tr -d '"'
}

step "--device local with no launcher is an error naming the variables"
if out=$("$akl" run --device local "$hello_so" akl_hello 2>&1); then
  fail "akl run --device local succeeded without a local rank"
fi
grep -q "none of LOCAL_RANK, OMPI_COMM_WORLD_LOCAL_RANK, MPI_LOCALRANKID, SLURM_LOCALID" <<<"$out" ||
  fail "unexpected message: $out"

step "mpirun -np 4 akl-vector-add --device local: four devices, every rank passes"
export AKL_SIM_ROOT=$work/sim
run_ranks 4 "$work/vadd" "$vadd" --device local --n 65536 --blocks 4 --json
for rank in 0 1 2 3; do
  f=$work/vadd/$rank
  [[ "$(json_field "$f" ok)" == true ]] || fail "rank $rank did not pass: $(cat "$f")"
  [[ "$(json_field "$f" device)" == "$rank" ]] || fail "rank $rank ran on another device: $(cat "$f")"
done

step "mpirun -np 4 akl run --device local: publishes on four distinct devices"
run_ranks 4 "$work/run" "$akl" run --device local --json --buffer 16 \
  --args-hex 2a00000000000000 "$hello_so" akl_hello
paths=()
for rank in 0 1 2 3; do
  f=$work/run/$rank
  [[ "$(json_field "$f" ok)" == true ]] || fail "rank $rank failed: $(cat "$f")"
  [[ "$(json_field "$f" device)" == "$rank" ]] || fail "rank $rank on another device: $(cat "$f")"
  path=$(json_field "$f" device_path)
  [[ "$path" == *"_$rank.so" && -f "$path" ]] || fail "rank $rank published no $path"
  paths+=("$path")
done
[[ $(printf '%s\n' "${paths[@]}" | sort -u | wc -l) -eq 4 ]] || fail "not four distinct files"

step "mpirun -np 8 as two simulated hosts of four devices each"
# What each node's launcher would give its processes: the host's own simulator root, and a local
# rank 0..3 (LOCAL_RANK, consulted before OMPI_COMM_WORLD_LOCAL_RANK, which is 0..7 here).
# shellcheck disable=SC2016 # expanded by each rank's shell
timeout 300 "$mpirun" -np 8 bash -c '
  host=$((OMPI_COMM_WORLD_RANK / 4))
  export AKL_SIM_ROOT="$1/host$host" LOCAL_RANK=$((OMPI_COMM_WORLD_RANK % 4))
  exec "$2" --device local --n 65536 --blocks 4 --json >"$1/host$host.$LOCAL_RANK"' \
  rank "$work" "$vadd" ||
  { for f in "$work"/host*.*; do echo "== $f"; cat "$f"; done >&2; fail "a rank failed"; }
for host in 0 1; do
  for local in 0 1 2 3; do
    f=$work/host$host.$local
    [[ "$(json_field "$f" ok)" == true ]] || fail "host $host rank $local: $(cat "$f")"
    [[ "$(json_field "$f" device)" == "$local" ]] || fail "host $host rank $local: $(cat "$f")"
    path=$(json_field "$f" device_path)
    [[ "$path" == "$work/host$host/"* && -f "$path" ]] ||
      fail "host $host rank $local published outside its root: $path"
  done
done
step "PASS"
