#!/usr/bin/env bash
# The CPU path's benchmark on one machine, in one invocation: decode-only, k-means alone (with
# scikit-learn on the same tiles) and end to end, with time per stage and peak memory.
#
#   scripts/bench.sh [INPUT] [RANKS]
#
# Without INPUT a 20-s 640x360 clip of moving, changing colour is made (as scripts/demo.sh does).
# Environment: BUILD_DIR (default build).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$repo/build}
input=${1:-}
ranks=${2:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "$input" ]; then
  input=$work/clip.mp4
  ffmpeg -hide_banner -loglevel error -y -f lavfi \
    -i "mandelbrot=s=640x360:rate=25:end_pts=200,hue=H=2*PI*t/10:s=2,trim=duration=20" \
    -c:v libx264 -preset veryfast -pix_fmt yuv420p "$input"
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 HDF5_USE_FILE_LOCKING=FALSE
tool() { mpirun -np "$ranks" --oversubscribe --bind-to none "$build/barcode_mpi" "$input" --overwrite "$@"; }
. "$(dirname "$0")/bench_summary.sh"  # wall LOG, fps LOG

tool -o "$work/d.h5" --decode-only >"$work/decode.log" 2>&1
tool -o "$work/e.h5" --png "$work/e.png" >"$work/e2e.log" 2>&1
echo "input: $input; $(nproc) cores; $ranks rank(s)"
echo
echo "| measure | value |"
echo "|---|---|"
echo "| decode-only frames/s | $(fps "$work/decode.log") |"
echo "| end-to-end frames/s (k=8, 4 restarts, every frame) | $(fps "$work/e2e.log") |"
echo "| stages (slowest rank) | $(sed -n 's/.*time (slowest rank): //p' "$work/e2e.log") |"
echo "| peak memory per rank | $(sed -n 's/.*peak memory \([0-9]*\) MiB.*/\1 MiB/p' "$work/e2e.log") |"
echo
echo "k-means alone, against scikit-learn on the same 160x90 tiles of the same input:"
BUILD_DIR=$build bash "$repo/scripts/bench_kmeans.sh" "$input" 40
