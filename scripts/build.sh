#!/usr/bin/env bash
# Configures and builds barcode_mpi into build/ (or $BUILD_DIR). Extra arguments go to cmake,
# e.g. -DBARCODE_CUDA=OFF. The CUDA path is built when nvcc is found (/usr/local/cuda too).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
ninja -C "$build"
