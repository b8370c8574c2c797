#!/usr/bin/env bash
# An archive of short movies and one long film (docs/benchmarks.md), on one GPU node in one call:
# CLIPS copies of FILM and one film of FILM repeated REPEAT times (loop_remux), as a --manifest on
# RANKS ranks, with the default (the film made by all ranks after the queue, with a single film's
# decoders) and with --split-movies 0 (every movie whole to a rank). The film's file of each is
# compared with a direct 1-rank run of it. Walls are mpirun's.
#
#   scripts/bench_mixed_archive.sh BIN_DIR FILM REPEAT CLIPS RANKS
# BIN_DIR holds barcode_mpi, loop_remux and compare_runs. Environment: WORK, LOGS; WHOLE=0 leaves
# the --split-movies 0 run out.
set -u
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 HDF5_USE_FILE_LOCKING=FALSE
B=$1 FILM=$2 REPEAT=$3 CLIPS=$4 RANKS=$5
W=${WORK:-$(mktemp -d)}
L=${LOGS:-$W/logs}
mkdir -p "$W/movies" "$L"
"$B/loop_remux" "$FILM" "$W/movies/film.mp4" "$REPEAT" > /dev/null || echo "loop_remux failed"
: > "$W/list.txt"
for i in $(seq -w 1 "$CLIPS"); do
  cp "$FILM" "$W/movies/clip$i.mp4"
  echo "$W/movies/clip$i.mp4" >> "$W/list.txt"
done
echo "$W/movies/film.mp4" >> "$W/list.txt"
timeout 300 mpirun -np 1 --bind-to none "$B/barcode_mpi" "$W/movies/film.mp4" -o "$W/direct.h5" \
  --overwrite -v 2 > "$L/direct.log" 2>&1 || echo "direct: rc $?"
nproc
nvidia-smi --query-gpu=name --format=csv,noheader 2> /dev/null | head -1
echo "$CLIPS clips of $(basename "$FILM") and one film of $REPEAT x, $RANKS ranks"
echo "| run | flags | how | the film: ranks, decoders | wall s (mpirun) | film against a direct run |"
echo "| --- | --- | --- | --- | --- | --- |"
runs=("")
[ "${WHOLE:-1}" = 0 ] || runs+=("--split-movies 0")
for flags in "${runs[@]}"; do
  name=mixed${flags:+-whole}
  rm -rf "$W/out-$name"
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  timeout 300 mpirun -np "$RANKS" --oversubscribe --bind-to none "$B/barcode_mpi" --manifest \
    "$W/list.txt" -o "$W/out-$name" -v 2 $flags > "$L/$name.log" 2>&1 || echo "$name: rc $?"
  end=$(date +%s.%N)
  how=$(grep -o 'whole movies to ranks[^;]*\(; then the last [0-9]*\)\?' "$L/$name.log" | head -1)
  film=$(awk '/summary for .*film.mp4/ { f = 1 } f && /^  ranks / { print; exit }' "$L/$name.log" |
    sed 's/.*ranks \([0-9]*\),.* with \([0-9]*\) decoder.*/\1 rank(s), \2 decoders/')
  same=$("$B/compare_runs" "$W/direct.h5" "$W/out-$name"/film-*.h5 2>&1 | tail -1 |
    grep -o "identical palettes [0-9.]*" || echo differ)
  awk -v n="$name" -v f="${flags:-default}" -v h="$how" -v m="$film" -v s="$start" -v e="$end" \
    -v c="$same" 'BEGIN { printf "| %s | %s | %s | %s | %.2f | %s |\n", n, f, h, m, e - s, c }'
  grep -h "done, .* of " "$L/$name.log" | tail -1
done
