#!/usr/bin/env bash
set -uo pipefail
# Two GPUs against one, decode only: one process per GPU at once against one alone, and MPI
# ranks, to tell per-rank start-up from host-side limits (docs/benchmarks.md).
#   scripts/diag_two_gpus.sh BIN_DIR CLIP_1080P   (BIN_DIR: barcode_mpi, loop_remux)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 HDF5_USE_FILE_LOCKING=FALSE
b=$1; clip=$2; w=$(mktemp -d)
$b/loop_remux "$clip" $w/long.mp4 12
nvidia-smi topo -m | head -8; lscpu | grep -E "Model name|Socket|NUMA node"
. "$(dirname "$0")/bench_summary.sh"  # wall LOG, fps LOG
cpu() { awk '/^cpu /{print $2+$3+$4+$6+$7+$8, $5}' /proc/stat; }
run1() { CUDA_VISIBLE_DEVICES=$1 $b/barcode_mpi $w/long.mp4 -o $w/x$1.h5 --overwrite --decode-only --decoders $2 >$w/$3.log 2>&1; }
c0=$(cpu); run1 0 7 a; c1=$(cpu)
echo "A one process GPU0 nvdec7: $(fps $w/a.log) fps; cpu busy/idle jiffies: $c0 -> $c1"
c0=$(cpu); run1 0 7 b0 & run1 1 7 b1 & wait; c1=$(cpu)
echo "B two processes at once, GPU0 and GPU1, nvdec7 each: $(fps $w/b0.log) + $(fps $w/b1.log) fps; cpu $c0 -> $c1"
c0=$(cpu); run1 0 4 c0 & run1 1 4 c1 & wait; c1=$(cpu)
echo "C two processes at once, nvdec4 each: $(fps $w/c0.log) + $(fps $w/c1.log) fps; cpu $c0 -> $c1"
c0=$(cpu); run1 0 14 d; c1=$(cpu)
echo "D one process GPU0 nvdec14: $(fps $w/d.log) fps; cpu $c0 -> $c1"
timeout 120 mpirun -np 2 --bind-to none $b/barcode_mpi $w/long.mp4 -o $w/m.h5 --overwrite --decode-only --decoders 7 -v 2 >$w/m.log 2>&1
echo "E mpirun 2 ranks decode-only nvdec7: $(fps $w/m.log) fps"; grep -E "rank uses" $w/m.log
grep -h "time (slowest" $w/a.log $w/b0.log $w/b1.log $w/m.log | cut -c1-120
