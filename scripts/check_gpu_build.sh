#!/usr/bin/env bash
# A build's check on one GPU node (docs/benchmarks.md), one call: gpu_tests; GPU against
# --gpu off on test clips (files compared); a GPU --manifest of them on 2 ranks; SIGUSR1 while
# MPI_Init runs; the 2-hour film (FILM repeated 120 times) beside FFmpeg's own decoders.
#
#   scripts/check_gpu_build.sh BIN_DIR CLIP_DIR FILM
# BIN_DIR holds barcode_mpi, gpu_tests, loop_remux, compare_runs and decode_control; CLIP_DIR
# the clips named below (from build/test-media); FILM "-" leaves the film out. Logs go to $LOGS
# (default: a temporary folder).
set -u
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 HDF5_USE_FILE_LOCKING=FALSE
B=$1 CLIPS=$(cd "$2" && pwd) FILM=$3
W=$(mktemp -d) L=${LOGS:-$W/logs}
mkdir -p "$L"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; nproc
echo "== gpu_tests"; timeout 200 "$B/gpu_tests" 2>&1 | tail -3
echo "== GPU vs --gpu off"
for c in busy_h264.mp4 hdr_pq.mkv scope_h264.mp4 pillar_h264.mp4 odd420_h264_10bit.mkv still.jpg busy_hevc.mkv \
         turn_busy_h264.mp4 turn_transpose.mp4; do
  timeout 120 mpirun -np 1 --bind-to none $B/barcode_mpi $CLIPS/$c -o $W/g_$c.h5 --overwrite --gpu on > $L/g_$c.log 2>&1; rg=$?
  timeout 120 mpirun -np 1 --bind-to none $B/barcode_mpi $CLIPS/$c -o $W/c_$c.h5 --overwrite --gpu off > $L/c_$c.log 2>&1; rc=$?
  echo "$c gpu rc=$rg cpu rc=$rc: $($B/compare_runs $W/c_$c.h5 $W/g_$c.h5 2>&1 | tail -1)"
done
echo "== GPU manifest, 2 ranks"
ls $CLIPS/*.{mp4,mkv} > $W/list.txt
timeout 200 mpirun -np 2 --bind-to none $B/barcode_mpi --manifest $W/list.txt -o $W/arch > $L/manifest.log 2>&1; echo "manifest rc=$? $(grep -o '[0-9]* done, [0-9]* failed[^)]*' $L/manifest.log | tail -1)"
echo "== SIGUSR1 while MPI starts (a process alone)"
$B/barcode_mpi $CLIPS/busy_h264.mp4 -o $W/early.h5 > $L/early.log 2>&1 & p=$!
for i in $(seq 1 3000); do pgrep -P $p > /dev/null && { kill -USR1 $p; echo "sent during MPI_Init"; break; }; sleep 0.001; done
wait $p; echo "early signal rc=$?"
[ "$FILM" = - ] && exit 0  # the film rows left to another script of the same call
echo "== 2-hour film"
WORK=$W LOGS=$L BINDING=1 bash "$(dirname "$0")/bench_film.sh" "$B" "$FILM" 120
