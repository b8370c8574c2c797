#!/usr/bin/env bash
# Installs the Debian packages barcode_mpi needs to build, run and test. Idempotent: when every
# package is already installed it prints nothing and touches nothing.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git
  openmpi-bin libopenmpi-dev libhdf5-openmpi-dev hdf5-tools
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev ffmpeg
  libcli11-dev libpng-dev libgtest-dev clang-format
  python3 python3-numpy python3-h5py python3-sklearn python3-pil util-linux
  slurmctld slurmd slurm-client munge
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
