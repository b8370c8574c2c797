#!/usr/bin/env bash
# On a GPU node: results must not depend on which decoder (NVDEC or software) or which path (GPU
# or CPU) made a frame's tile, now that 4:2:0 frames are converted by the CPU twin of the GPU
# kernel. For each small clip, a GPU run against a CPU run; on a long 1080p input, NVDEC only
# against NVDEC mixed with software decoders, twice (chunks go to decoders dynamically); and
# decode-only against end to end for both decoder mixes.
#
#   scripts/check_decoder_independence.sh BIN_DIR MEDIA_DIR CLIP_1080P REPEATS
# BIN_DIR holds barcode_mpi, gpu_tests, compare_runs and loop_remux.
set -uo pipefail
b=$1 media=$2 clip=$3 repeats=$4
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 HDF5_USE_FILE_LOCKING=FALSE
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
nvidia-smi --query-gpu=name --format=csv,noheader | head -1; nproc
"$b/gpu_tests" 2>&1 | grep -E "^\[  (PASSED|FAILED) |FAILED" | head
for m in "$media"/*; do
  n=$(basename "$m")
  "$b/barcode_mpi" "$m" -o $w/$n.gpu.h5 --gpu on -v 0
  "$b/barcode_mpi" "$m" -o $w/$n.cpu.h5 --gpu off -v 0
  echo "$n GPU vs CPU: $("$b/compare_runs" $w/$n.cpu.h5 $w/$n.gpu.h5)"
done
"$b/loop_remux" "$clip" $w/long.mp4 "$repeats" > /dev/null
. "$(dirname "$0")/bench_summary.sh"  # wall LOG, fps LOG
t=$(nproc)
echo "| decoders ($t threads) | decode-only | end to end | ratio |"
for cfg in "nvdec7:--decoders 7 --cpu-decoders 0" "nvdec7+cpu8:--decoders 7 --cpu-decoders 8"; do
  l=${cfg%%:*}; a=${cfg#*:}
  # shellcheck disable=SC2086  # $a holds several options
  "$b/barcode_mpi" $w/long.mp4 -o $w/d.h5 --overwrite --decode-only $a --threads "$t" > $w/d.log 2>&1
  # shellcheck disable=SC2086
  "$b/barcode_mpi" $w/long.mp4 -o $w/$l.h5 --overwrite $a --threads "$t" > $w/e.log 2>&1
  d=$(fps $w/d.log); e=$(fps $w/e.log)
  echo "| $l | $d | $e | $(awk -v a="$e" -v b="$d" 'BEGIN{printf "%.2f", a/b}') |"
done
"$b/barcode_mpi" $w/long.mp4 -o $w/again.h5 --decoders 7 --cpu-decoders 8 --threads "$t" -v 0
echo "NVDEC only vs NVDEC + software: $("$b/compare_runs" $w/nvdec7.h5 $w/nvdec7+cpu8.h5)"
echo "NVDEC + software, two runs: $("$b/compare_runs" $w/nvdec7+cpu8.h5 $w/again.h5)"
