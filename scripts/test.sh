#!/usr/bin/env bash
# Sets everything up on a fresh Debian machine and runs the whole test suite: unit tests
# (GoogleTest), integration tests with real media, real mpirun (1-4 ranks) and real parallel
# HDF5, the installed tree, the gallery in Chromium, a one-node SLURM, and the GPU tests, which
# skip themselves where there is no GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/install-test-deps.sh
bash scripts/build.sh "$@"
# The suites that the sanitizer run repeats with its AddressSanitizer build run there only: the
# same assertions, once, in half the time (plain ctest still runs every suite).
sanitized=$(bash scripts/test-sanitizers.sh --suites | paste -sd '|')
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j 2 -E "^integration_($sanitized)\$"
# The same code under AddressSanitizer + UBSan and ThreadSanitizer (CPU path, about 19 minutes).
bash scripts/test-sanitizers.sh
