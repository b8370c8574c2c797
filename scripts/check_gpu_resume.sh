#!/usr/bin/env bash
# The checkpoint path on a GPU node: a GPU run stopped by SIGUSR1 (what SLURM sends before the
# time limit) exits with 4 keeping OUT.partial; --resume on another rank count finishes it, and
# the file equals an uninterrupted run's (compare_runs: identical palettes and columns).
#
#   scripts/check_gpu_resume.sh BIN_DIR CLIP_1080P REPEATS
# BIN_DIR holds barcode_mpi, compare_runs and loop_remux.
set -uo pipefail
b=$1 clip=$2 repeats=$3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 HDF5_USE_FILE_LOCKING=FALSE
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
"$b/loop_remux" "$clip" $w/long.mp4 "$repeats" > /dev/null
mpirun -np 2 --bind-to none "$b/barcode_mpi" $w/long.mp4 -o $w/cut.h5 --gpu on > $w/cut.log 2>&1 &
launcher=$!
for _ in $(seq 100); do [ -e $w/cut.h5.partial ] && break; sleep 0.1; done
sleep 3
# To the ranks themselves, as srun or scancel --signal deliver it (whether mpirun forwards
# SIGUSR1 depends on its version and how it was started).
ps -o pid,pgid,comm -C mpirun,barcode_mpi
pkill -USR1 -x barcode_mpi
wait "$launcher"; echo "signalled run: exit $? (4 expected)"
grep -E "interrupted by signal" $w/cut.log | cut -c1-200
ls $w/cut.h5* | sed "s|$w/||"
mpirun -np 1 --bind-to none "$b/barcode_mpi" $w/long.mp4 -o $w/cut.h5 --gpu on --resume > $w/resume.log 2>&1
echo "resumed run (1 rank): exit $?"; grep -E "resuming with" $w/resume.log | cut -c1-200
mpirun -np 1 --bind-to none "$b/barcode_mpi" $w/long.mp4 -o $w/ref.h5 --gpu on -v 0
echo "uninterrupted vs interrupted+resumed: $("$b/compare_runs" $w/ref.h5 $w/cut.h5)"
