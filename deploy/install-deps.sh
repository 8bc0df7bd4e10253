#!/usr/bin/env bash
# Installs every Debian 12 package Cascade's build, tests and benchmarks need.
# Idempotent: packages already installed are skipped, and apt is not touched at all
# when nothing is missing. Usage: deploy/install-deps.sh [--bench]
#   --bench   also install the peer/benchmark-only packages (python3-torch, OpenMPI).
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake ninja-build pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libdnnl-dev ocl-icd-opencl-dev opencl-c-headers libhdf5-dev libabsl-dev libgtest-dev libgmock-dev libgloo-dev
  libyaml-cpp-dev libsqlite3-dev libcli11-dev libspdlog-dev libfmt-dev libcpp-httplib-dev
  nlohmann-json3-dev libbenchmark-dev
  gnuplot-nox clang-format clang libclang-rt-14-dev
  python3-h5py python3-numpy python3-grpcio python3-protobuf jq
  slurm-wlm slurmctld slurmd slurm-client munge  # tests/integration/trainer Slurm test
)
BENCH_PKGS=(python3-torch libopenmpi-dev openmpi-bin)

want=("${BUILD_PKGS[@]}")
if [[ "${1:-}" == "--bench" ]]; then want+=("${BENCH_PKGS[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}"
