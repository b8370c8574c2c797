#!/usr/bin/env bash
# One GPU against two on one host (docs/benchmarks.md): decode-only and end to end for one
# process on GPU 0 and for two MPI ranks (one per GPU, NCCL for the movie palette), the two
# files compared (they must be identical), then a --manifest queue of whole movies over both.
#
#   scripts/bench_two_gpus.sh BIN_DIR CLIP_1080P REPEATS MEDIA_DIR
# BIN_DIR holds barcode_mpi, gpu_tests, compare_runs and loop_remux.
set -uo pipefail
b=$1 clip=$2 repeats=$3 media=$4
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 HDF5_USE_FILE_LOCKING=FALSE
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
nvidia-smi --query-gpu=name --format=csv,noheader; nproc
echo "== gpu_tests"; "$b/gpu_tests" 2>&1 | grep -E "^\[  (PASSED|FAILED) |FAILED" | head -20
"$b/loop_remux" "$clip" $w/long.mp4 "$repeats" > /dev/null
. "$(dirname "$0")/bench_summary.sh"  # wall LOG, fps LOG
mp() { n=$1; shift; timeout 200 mpirun -np "$n" --bind-to none "$b/barcode_mpi" "$@"; }
common=(--decoders 7 --cpu-decoders 0 -v 2)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
echo "| run (NVDEC x7 per GPU) | decode-only | end to end | ratio |"
CUDA_VISIBLE_DEVICES=0 "$b/barcode_mpi" $w/long.mp4 -o $w/a.h5 --decode-only "${common[@]}" > $w/a-d.log 2>&1
CUDA_VISIBLE_DEVICES=0 "$b/barcode_mpi" $w/long.mp4 -o $w/a.h5 "${common[@]}" > $w/a-e.log 2>&1
d=$(fps $w/a-d.log); e=$(fps $w/a-e.log); echo "| 1 GPU | $d | $e | $(ratio "$e" "$d") |"
mp 2 $w/long.mp4 -o $w/b.h5 --decode-only "${common[@]}" > $w/b-d.log 2>&1
mp 2 $w/long.mp4 -o $w/b.h5 "${common[@]}" > $w/b-e.log 2>&1
d2=$(fps $w/b-d.log); e2=$(fps $w/b-e.log); echo "| 2 GPUs, 2 ranks | $d2 | $e2 | $(ratio "$e2" "$d2") |"
echo "2 GPUs / 1 GPU: decode-only $(ratio "$d2" "$d"), end to end $(ratio "$e2" "$e")"
for f in a-e b-e; do grep -E "time \(slowest|movie palette:" $w/$f.log | cut -c1-220; done
echo "1 rank vs 2 ranks (NCCL): $("$b/compare_runs" $w/a.h5 $w/b.h5)"
echo "== manifest on 2 GPUs, queue of whole movies"
ls "$media"/* > $w/list.txt
mp 2 --manifest $w/list.txt -o $w/arch -v 1 > $w/m.log 2>&1; echo "manifest rc=$?"
grep -A8 "manifest summary" $w/m.log | cut -c1-160
first=$(head -1 $w/list.txt)
"$b/barcode_mpi" "$first" -o $w/direct.h5 -v 0
name=$(basename "$first"); name=${name%.*}
echo "manifest vs direct run of $(basename "$first"): $("$b/compare_runs" $w/direct.h5 $w/arch/"$name"-*.h5)"
