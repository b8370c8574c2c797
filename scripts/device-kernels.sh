#!/usr/bin/env bash
# On the GPU machine: unpack the bundle, run the GPU tests and the k-means kernel benchmark.
# Output under $OUT (gpu_tests.log, gpu_bench.log).
set -uo pipefail
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
tar -xJf .device/bundle.tar.xz -C /tmp && export LD_LIBRARY_PATH=/tmp/bundle/lib
nvidia-smi --query-gpu=name,clocks.max.sm,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
/tmp/bundle/bin/gpu_tests 2>&1 | tee "$OUT/gpu_tests.log" | grep -E "^\[  (FAILED|PASSED|SKIPPED) |exact|within|OK \]" | head -80
/tmp/bundle/bin/gpu_kmeans_bench "$@" 2>&1 | tee "$OUT/gpu_bench.log"
