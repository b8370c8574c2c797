#!/usr/bin/env bash
# Two builds of barcode_mpi alternated in one call on one GPU node, the 2-hour film (FILM
# repeated 120 times), default flags, -v 2 timelines, beside FFmpeg's own decoders; then when
# NVDEC sessions have their first pictures, one session alone and eight at once (the 60-s film,
# no software decoders). docs/benchmarks.md.
#
#   scripts/bench_two_builds.sh OLD_BARCODE_MPI BIN_DIR FILM
# BIN_DIR holds the new barcode_mpi, loop_remux, compare_runs and decode_control (the old
# executable uses BIN_DIR's libraries). Logs go to $LOGS. Each run's line also says over which
# span its decoders finished and how many frames they decoded before their ranges (from the key
# frame before each range's first row). Environment: ROUNDS (default 2); NVDEC_STARTS=0 leaves
# out the first-picture runs.
set -u
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 HDF5_USE_FILE_LOCKING=FALSE
OLD=$1 B=$2 FILM=$3
W=$(mktemp -d) L=${LOGS:-$W/logs}
chmod +x "$OLD"; mkdir -p "$L"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; nproc
$B/loop_remux "$FILM" $W/x120.mp4 120 > /dev/null
$B/loop_remux "$FILM" $W/x1.mp4 1 > /dev/null
. "$(dirname "$0")/bench_summary.sh"  # wall LOG, fps LOG
line() { echo "$(fps "$1") fps, $(wall "$1") s"; }
echo "FFmpeg control 8+12: $(timeout 100 $B/decode_control $W/x120.mp4 8 12 15 2>&1 | tail -1)"
# The decoders' finishing span and the frames decoded before ranges, from a -v 2 log.
tail_of() {
  local done_at first last
  done_at=$(grep -o 't=[0-9.]* s: decoder [0-9]* done' "$1" | sed 's/t=\([0-9.]*\).*/\1/' | sort -n)
  first=$(echo "$done_at" | head -1) last=$(echo "$done_at" | tail -1)
  echo "decoders done $first-$last s; $(grep -o '[0-9]* before it' "$1" |
    awk '{ s += $1; n++ } END { print s + 0 " frames before " n + 0 " ranges" }')"
}
for r in $(seq 1 "${ROUNDS:-2}"); do for v in old new; do
  exe=$B/barcode_mpi; [ $v = old ] && exe=$OLD
  timeout 150 mpirun -np 1 --bind-to none $exe $W/x120.mp4 -o $W/$v$r.h5 --overwrite -v 2 > $L/$v$r.log 2>&1
  echo "$v round $r rc=$?: $(line $L/$v$r.log); $(grep -o 't=[0-9.]* s: segment scanned' $L/$v$r.log); $(grep -o 't=[0-9.]* s: sink ready' $L/$v$r.log); $(tail_of $L/$v$r.log)"
done; done
echo "old vs new: $($B/compare_runs $W/old1.h5 $W/new1.h5 2>&1 | tail -1)"
[ "${NVDEC_STARTS:-1}" = 0 ] && exit 0
for d in 1 8; do for mode in e2e decode-only; do
  args=(); [ $mode = decode-only ] && args=(--decode-only)
  timeout 60 mpirun -np 1 --bind-to none $B/barcode_mpi $W/x1.mp4 -o $W/nv$d$mode.h5 --overwrite -v 2 \
    --decoders $d --cpu-decoders 0 "${args[@]}" > $L/nv$d-$mode.log 2>&1
  echo "NVDEC x$d alone, $mode, rc=$?: $(line $L/nv$d-$mode.log); sink ready $(grep -o 't=[0-9.]* s: sink ready' $L/nv$d-$mode.log)"
  grep -o 't=[0-9.]* s: decoder [0-9]*: first frame.*' $L/nv$d-$mode.log | cut -c1-150
done; done
