#!/usr/bin/env bash
# Stored tiles (--keep-thumbs, --from-h5) and CIELAB clustering (--space lab) on a GPU node, in
# one invocation (see docs/benchmarks.md):
#   1. GPU unit tests (they include the GPU sink fed stored tiles against the CPU reference);
#   2. from one --keep-thumbs run: --from-h5 on the GPU and on the CPU (1 and 2 ranks), sRGB and
#      CIELAB: the files must be identical (same tiles in, same k-means definition);
#   3. end to end against decode-only on CLIP_1080P repeated REPEATS times with NVDEC x7, plain,
#      --space lab and --keep-thumbs, and --from-h5 re-clustering of all its stored tiles.
#
#   scripts/bench_gpu_features.sh BIN_DIR SMALL_CLIP CLIP_1080P REPEATS
# BIN_DIR holds barcode_mpi, gpu_tests, compare_runs and loop_remux.
set -uo pipefail
b=$1 m=$2 clip=$3 repeats=$4
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 HDF5_USE_FILE_LOCKING=FALSE
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
nvidia-smi --query-gpu=name --format=csv,noheader
echo "== gpu_tests"; "$b/gpu_tests" 2>&1 | grep -E "^\[  (PASSED|FAILED) |FAILED" | head -20
mp() { n=$1; shift; timeout 120 mpirun -np "$n" --bind-to none "$b/barcode_mpi" "$@"; }
echo "== stored tiles: GPU vs CPU from the same thumbs (must be identical), 1 vs 2 ranks"
mp 1 "$m" -o $w/src.h5 --gpu on --keep-thumbs -v 0; echo "keep-thumbs run rc=$?"
mp 1 --from-h5 $w/src.h5 -o $w/g.h5 --gpu on -v 0
mp 1 --from-h5 $w/src.h5 -o $w/c.h5 --gpu off -v 0
echo "rgb from-h5 CPU vs GPU: $("$b/compare_runs" $w/c.h5 $w/g.h5)"
echo "rgb source vs from-h5 GPU: $("$b/compare_runs" $w/src.h5 $w/g.h5)"
mp 1 --from-h5 $w/src.h5 -o $w/gl.h5 --gpu on --space lab -k 6 -v 0
mp 2 --from-h5 $w/src.h5 -o $w/cl.h5 --gpu off --space lab -k 6 -v 0
echo "lab from-h5 CPU (2 ranks) vs GPU: $("$b/compare_runs" $w/cl.h5 $w/gl.h5)"
mp 1 "$m" -o $w/dl.h5 --gpu on --space lab -k 6 -v 0
echo "lab direct GPU vs lab from-h5 GPU: $("$b/compare_runs" $w/dl.h5 $w/gl.h5)"
mp 1 "$m" -o $w/cpu.h5 --gpu off -v 0
echo "whole run GPU vs CPU (different tile conversion): $("$b/compare_runs" $w/cpu.h5 $w/src.h5 --min-inertia-share 0.85)"
echo "== benchmark: $(basename "$clip") x $repeats, NVDEC x7, 16 threads"
"$b/loop_remux" "$clip" $w/long.mp4 "$repeats" > /dev/null
. "$(dirname "$0")/bench_summary.sh"  # wall LOG, fps LOG
echo "| run | frames/s | of decode-only |"
d=""
for cfg in "decode-only:--decode-only" "end to end (rgb):" "end to end --space lab:--space lab" \
           "end to end --keep-thumbs:--keep-thumbs"; do
  l=${cfg%%:*}; a=${cfg#*:}
  # shellcheck disable=SC2086  # $a holds several options
  "$b/barcode_mpi" $w/long.mp4 -o $w/e.h5 --overwrite --decoders 7 --cpu-decoders 0 --threads 16 $a > $w/log 2>&1
  f=$(fps $w/log); [ -z "$d" ] && d=$f
  echo "| $l | $f | $(awk -v a="$f" -v b="$d" 'BEGIN{if(b>0) printf "%.2f", a/b}') |"
  grep -h "time (slowest" $w/log | cut -c1-170
done
ls -la $w/e.h5
"$b/barcode_mpi" --from-h5 $w/e.h5 -o $w/re.h5 --gpu on -k 8 > $w/log 2>&1
echo "from-h5 of the stored tiles, GPU: $(fps $w/log) frames/s"
"$b/barcode_mpi" --from-h5 $w/e.h5 -o $w/re2.h5 --gpu on -k 8 --space lab > $w/log 2>&1
echo "from-h5, GPU, lab: $(fps $w/log) frames/s"
