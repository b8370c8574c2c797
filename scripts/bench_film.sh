#!/usr/bin/env bash
# One film on one GPU node (docs/benchmarks.md), one call: FILM repeated COPIES times with
# loop_remux; FFmpeg's own decoders on it (8 NVDEC sessions + 12 software decoders, a 15-s
# window: the tool-free control); the tool decode-only and end to end with default flags
# (`mpirun -np 1 --bind-to none`); with BINDING=1 also end to end under Open MPI's default
# binding, and the two end-to-end files compared.
#
#   scripts/bench_film.sh BIN_DIR FILM COPIES
# BIN_DIR holds barcode_mpi, loop_remux, decode_control and compare_runs. Environment: WORK (the
# long file and outputs; default a temporary folder), LOGS (each run's -v 2 log; default WORK),
# BINDING (1 for the default-binding row).
set -u
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 HDF5_USE_FILE_LOCKING=FALSE
B=$1 FILM=$2 COPIES=$3
W=${WORK:-$(mktemp -d)}
L=${LOGS:-$W}
mkdir -p "$W" "$L"
ext=${FILM##*.}
long=$W/long-$COPIES.$ext
"$B/loop_remux" "$FILM" "$long" "$COPIES" > /dev/null || echo "loop_remux failed"
# The summary's frames/s and wall time (from the start of the job, after MPI_Init).
. "$(dirname "$0")/bench_summary.sh"  # wall LOG, fps LOG
row() { echo "$(fps "$1") | $(wall "$1")"; }
echo "| run | frames/s | wall s |"
echo "| --- | --- | --- |"
echo "| FFmpeg decoders, 8 NVDEC + 12 software, 15 s window | $(timeout 120 "$B/decode_control" "$long" 8 12 15 2>&1 | tail -1) | |"
for mode in decode-only e2e; do
  args=()
  [ $mode = decode-only ] && args=(--decode-only)
  timeout 300 mpirun -np 1 --bind-to none "$B/barcode_mpi" "$long" -o "$W/$mode.h5" --overwrite \
    -v 2 "${args[@]}" > "$L/$mode.log" 2>&1
  echo "| tool $mode (rc $?) | $(row "$L/$mode.log") |"
done
if [ "${BINDING:-0}" = 1 ]; then
  timeout 300 mpirun -np 1 "$B/barcode_mpi" "$long" -o "$W/default-binding.h5" --overwrite -v 2 \
    > "$L/e2e-default-binding.log" 2>&1
  echo "| tool e2e, mpirun default binding (rc $?) | $(row "$L/e2e-default-binding.log") |"
  echo "files: $("$B/compare_runs" "$W/e2e.h5" "$W/default-binding.h5" 2>&1 | tail -1)"
fi
grep -h "decoder(s)" "$L/e2e.log" | head -1
