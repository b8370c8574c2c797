#!/usr/bin/env bash
# Installs the Debian packages barcode_mpi needs to build and run (the demo included): compilers
# and CMake, Open MPI, parallel HDF5, FFmpeg's libraries and CLI, CLI11, libpng, GoogleTest
# (the default build compiles the unit tests), and python3-h5py/numpy to read the results.
# What only the test suite needs is in scripts/install-test-deps.sh. Idempotent.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git
  openmpi-bin libopenmpi-dev libhdf5-openmpi-dev hdf5-tools
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev ffmpeg
  libcli11-dev libpng-dev libgtest-dev
  python3 python3-numpy python3-h5py
)
APT_INSTALL_FOR=install-deps.sh bash "$(dirname "$0")/apt-install.sh" "${packages[@]}"
