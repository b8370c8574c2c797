#!/usr/bin/env bash
# Archives of a few long films (docs/benchmarks.md), on one GPU node in one call: COPIES separate
# films, each FILM repeated REPEAT times (loop_remux), against one file of all their frames (FILM
# repeated REPEAT x COPIES times), end to end. Rows: the one file on 1 rank; the --manifest on 1
# rank (OLD, a barcode_mpi to compare, first); the one file on RANKS ranks; the manifest on RANKS
# ranks with --split-movies 0 (every film whole to a rank from the queue) and with the default.
# Walls are mpirun's. Each film's file is compared with the first film's of the 1-rank run.
#
#   scripts/bench_archive_films.sh BIN_DIR FILM REPEAT COPIES RANKS
# BIN_DIR holds barcode_mpi, loop_remux and compare_runs. Environment: OLD, WORK, LOGS, ROUNDS
# (default 1).
set -u
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 HDF5_USE_FILE_LOCKING=FALSE
B=$1 FILM=$2 REPEAT=$3 COPIES=$4 RANKS=$5
W=${WORK:-$(mktemp -d)}
L=${LOGS:-$W/logs}
mkdir -p "$W/films" "$L"
"$B/loop_remux" "$FILM" "$W/film.mp4" "$REPEAT" > /dev/null || echo "loop_remux failed"
"$B/loop_remux" "$FILM" "$W/one.mp4" $((REPEAT * COPIES)) > /dev/null || echo "loop_remux failed"
: > "$W/list.txt"
for i in $(seq 1 "$COPIES"); do
  cp "$W/film.mp4" "$W/films/film$i.mp4"
  echo "$W/films/film$i.mp4" >> "$W/list.txt"
done
. "$(dirname "$0")/bench_summary.sh"  # fps LOG
# How each manifest film was made: the ranks of its summary in the log, in the list's order.
made_by() {
  awk '/summary for / { m = $NF } /^  ranks [0-9]*,/ { sub(",", "", $2); print m, $2 }' "$1" |
    sort | awk '{ printf "%s ", $2 }'
}
same() {  # the films' files of a run against the first film of the 1-rank run
  local first verdicts=""
  first=$(ls "$W/out-q1-1"/film1*.h5 2> /dev/null | head -1)
  for h5 in "$1"/film*.h5; do
    verdicts+="$("$B/compare_runs" "$first" "$h5" 2>&1 | tail -1 | grep -o "identical palettes [0-9.]*" || echo differ); "
  done
  echo "$verdicts"
}
run() {  # NAME BIN RANKS INPUT ARGS...: one row
  local name=$1 bin=$2 ranks=$3 input=$4 start end
  shift 4
  rm -rf "$W/out-$name"
  start=$(date +%s.%N)
  if [ "$input" = manifest ]; then
    timeout 300 mpirun -np "$ranks" --oversubscribe --bind-to none "$bin" --manifest \
      "$W/list.txt" -o "$W/out-$name" -v 2 "$@" > "$L/$name.log" 2>&1 || echo "$name: rc $?"
  else
    timeout 300 mpirun -np "$ranks" --oversubscribe --bind-to none "$bin" "$W/one.mp4" \
      -o "$W/$name.h5" --overwrite -v 2 "$@" > "$L/$name.log" 2>&1 || echo "$name: rc $?"
  fi
  end=$(date +%s.%N)
  local how="one file" check=""
  if [ "$input" = manifest ]; then
    how="manifest ($(grep -o 'whole movies to ranks[^;]*\(; then the last [0-9]*\)\?' "$L/$name.log" |
      head -1)) made by ranks: $(made_by "$L/$name.log")"
    check=$(same "$W/out-$name")
  fi
  awk -v n="$name" -v r="$ranks" -v h="$how" -v a="${*:-default}" -v s="$start" -v e="$end" \
    -v c="$check" 'BEGIN { printf "| %s | %d | %s | %s | %.2f | %s |\n", n, r, h, a, e - s, c }'
}
nproc
nvidia-smi --query-gpu=name --format=csv,noheader 2> /dev/null | head -1
echo "$COPIES films of $REPEAT x $(basename "$FILM"); one file of $((REPEAT * COPIES)) x"
echo "| run | ranks | input | flags | wall s (mpirun) | films' files against film 1 of q1 |"
echo "| --- | --- | --- | --- | --- | --- |"
for r in $(seq 1 "${ROUNDS:-1}"); do
  run "one1-$r" "$B/barcode_mpi" 1 one
  run "q1-$r" "$B/barcode_mpi" 1 manifest
  [ -n "${OLD:-}" ] && run "q1old-$r" "$OLD" 1 manifest
  run "one$RANKS-$r" "$B/barcode_mpi" "$RANKS" one
  run "q${RANKS}whole-$r" "$B/barcode_mpi" "$RANKS" manifest --split-movies 0
  run "q$RANKS-$r" "$B/barcode_mpi" "$RANKS" manifest
done
echo "frames/s of the one-file runs (tool's summary): $(for f in "$L"/one*.log; do printf '%s %s; ' "$(basename "$f" .log)" "$(fps "$f")"; done)"
