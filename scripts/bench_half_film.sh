#!/usr/bin/env bash
# What the tool itself lets two GPUs give (docs/benchmarks.md), measured on one GPU node in one
# call: the 2-hour film (FILM repeated 120 times) end to end, against each of its halves run
# alone (`--end` at the middle, `--start` at the middle), the halves a two-rank job gives its
# ranks. With a host that gave each GPU the speed of one alone, two GPUs would give the whole
# film's wall over the slower half's: every cost a run pays whatever its length (start, tail,
# palette) is paid once by each rank on half the frames, and this ratio shows how much it takes.
# The host's own loss when two GPUs decode at once is the two-GPU control's (bench_scaling.sh).
# Runs alternate for ROUNDS rounds (default 2), default flags, -v 2 timelines in $LOGS.
#
#   scripts/bench_half_film.sh BIN_DIR FILM
# BIN_DIR holds barcode_mpi, loop_remux, decode_control and compare_runs. Environment: OLD (a
# second barcode_mpi, run the same way after each of BIN_DIR's, rows named "old"), DURATION (the
# long film's length in seconds; default 7210, film1080.mp4's 60.08 s times 120).
set -u
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 HDF5_USE_FILE_LOCKING=FALSE
B=$1 FILM=$2
W=$(mktemp -d) L=${LOGS:-$W/logs}
mkdir -p "$L"
[ -n "${OLD:-}" ] && chmod +x "$OLD"
"$B/loop_remux" "$FILM" "$W/x120.mp4" 120 > /dev/null || echo "loop_remux failed"
# The film's middle in seconds (the GPU node has no ffprobe): DURATION, the whole film's length.
length=${DURATION:-7210}
middle=$(awk -v d="$length" 'BEGIN { printf "%.3f", d / 2 }')
. "$(dirname "$0")/bench_summary.sh"  # wall LOG, fps LOG
echo "film: $length s; middle $middle s"
echo "FFmpeg decoders, 8 NVDEC + 12 software, 15 s window: $(timeout 100 "$B/decode_control" \
  "$W/x120.mp4" 8 12 15 2>&1 | tail -1)"
echo
echo "| build, round | whole film: frames/s (wall s) | first half | second half | whole / slower half |"
echo "| --- | --- | --- | --- | --- |"
builds=(new)
[ -n "${OLD:-}" ] && builds+=(old)
for r in $(seq 1 "${ROUNDS:-2}"); do
  for v in "${builds[@]}"; do
    exe=$B/barcode_mpi
    [ "$v" = old ] && exe=$OLD
    for part in whole first second; do
      range=()
      [ $part = first ] && range=(--end "$middle")
      [ $part = second ] && range=(--start "$middle")
      timeout 150 mpirun -np 1 --bind-to none "$exe" "$W/x120.mp4" -o "$W/$v-$part.h5" \
        --overwrite -v 2 "${range[@]}" > "$L/$v$r-$part.log" 2>&1 ||
        echo "$v round $r $part: rc $?"
    done
    w=$(wall "$L/$v$r-whole.log") a=$(wall "$L/$v$r-first.log") b=$(wall "$L/$v$r-second.log")
    echo "| $v, $r | $(fps "$L/$v$r-whole.log") ($w) | $(fps "$L/$v$r-first.log") ($a) |" \
      "$(fps "$L/$v$r-second.log") ($b) |" \
      "$(awk -v w="$w" -v a="$a" -v b="$b" 'BEGIN { m = (a > b) ? a : b; if (m > 0) printf "%.3f", w / m }') |"
  done
done
[ -n "${OLD:-}" ] &&
  echo "old vs new, whole film: $("$B/compare_runs" "$W/old-whole.h5" "$W/new-whole.h5" 2>&1 | tail -1)"
echo
echo "timeline of the last first half (seconds since the process started):"
grep -E 't=[0-9.]+ s: ' "$L/${builds[-1]}${ROUNDS:-2}-first.log" | grep -v 'decoder [0-9]*:' | cut -c1-160
