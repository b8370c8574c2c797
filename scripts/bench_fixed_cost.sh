#!/usr/bin/env bash
# Where a job's time goes that does not scale with its frames (docs/benchmarks.md): the same film
# repeated 1, 10 and 120 times, end to end with default flags on one GPU node, one call. A line
# through the 10- and 120-copy walls gives the steady rate and the fixed cost (start-up plus
# tail); the 2-hour run's -v 2 timeline says where the fixed cost goes. Two GPUs can reach
# 2x one only as far as this cost is small: each rank pays it on half the frames.
#
#   scripts/bench_fixed_cost.sh BIN_DIR FILM
# BIN_DIR holds barcode_mpi, loop_remux and decode_control. Logs go to $LOGS.
set -u
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 HDF5_USE_FILE_LOCKING=FALSE
B=$1 FILM=$2
W=$(mktemp -d) L=${LOGS:-$W/logs}
mkdir -p "$L"
. "$(dirname "$0")/bench_summary.sh"  # wall LOG, fps LOG
for n in 1 10 120; do $B/loop_remux "$FILM" $W/x$n.mp4 $n > /dev/null || echo "loop_remux $n failed"; done
echo "| run | frames/s | wall s (tool) | wall s (mpirun) |"
echo "| --- | --- | --- | --- |"
echo "| FFmpeg decoders, 8 NVDEC + 12 software, 20 s window | $(timeout 120 $B/decode_control $W/x120.mp4 8 12 20 2>&1 | tail -1) | | |"
for run in e2e-1 e2e-1b e2e-10 e2e-120 decode-only-120; do
  n=${run##*-}; n=${n%b}; args=(); [[ $run == decode-only* ]] && args=(--decode-only)
  start=$(date +%s.%N)
  timeout 150 mpirun -np 1 --bind-to none $B/barcode_mpi $W/x$n.mp4 -o $W/$run.h5 --overwrite -v 2 \
    "${args[@]}" > $L/$run.log 2>&1
  rc=$?
  echo "| tool $run copies (rc $rc) | $(fps $L/$run.log) | $(wall $L/$run.log) | $(awk -v a=$start -v b=$(date +%s.%N) 'BEGIN{printf "%.2f", b - a}') |"
done
w10=$(wall $L/e2e-10.log) w120=$(wall $L/e2e-120.log)
f10=$((1442 * 10)) f120=$((1442 * 120))
awk -v a=$w10 -v b=$w120 -v fa=$f10 -v fb=$f120 'BEGIN{r = (fb - fa) / (b - a);
  printf "steady rate from the 10- and 120-copy walls: %.0f frames/s; fixed cost: %.2f s\n", r, b - fb / r}' 
for run in e2e-120 e2e-1b; do
  echo "== timeline of $run (seconds since the process started)"
  grep -E 't=[0-9.]+ s: ' $L/$run.log | cut -c1-170
  grep -E 'time \(slowest|rank uses|decoders' $L/$run.log | cut -c1-170
done
