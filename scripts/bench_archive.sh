#!/usr/bin/env bash
# Archives (docs/benchmarks.md): a --manifest of COPIES separate movies, each a copy of CLIP,
# against one long file of the same frames (CLIP repeated COPIES times with loop_remux), end to
# end on one GPU and the given cores, in one call. Rows: the long file; the manifest with
# --movies-at-once 1 and each count in AT_ONCE; the manifest with default flags.
#
#   scripts/bench_archive.sh BIN_DIR CLIP COPIES [CORES]   (CORES: a taskset list, default all)
#
# Environment: AT_ONCE (default "1 2 3 4 6"; empty: none); EXTRA_ARGS, more options for every manifest run.
set -uo pipefail
b=$1 clip=$2 copies=$3 cores=${4:-0-$(($(nproc) - 1))}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 HDF5_USE_FILE_LOCKING=FALSE
w=${WORK:-$(mktemp -d)}
log=${LOGS:-$w}
nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1
echo "GPU 0, cores $cores ($(taskset -c "$cores" nproc)), $copies movies"
mkdir -p "$w/movies"
ext=${clip##*.}
: > "$w/list.txt"
for i in $(seq -w 1 "$copies"); do
  cp "$clip" "$w/movies/movie$i.$ext"
  echo "$w/movies/movie$i.$ext" >> "$w/list.txt"
done
[ -s "$w/long.$ext" ] || "$b/loop_remux" "$clip" "$w/long.$ext" "$copies" > /dev/null || exit 1
frames=$(( $("$b/barcode_mpi" "$clip" -o "$w/count.h5" --overwrite --decode-only -v 1 2>&1 |
  sed -n 's/.* \([0-9]*\) sampled, .*/\1/p' | head -1) * copies ))
. "$(dirname "$0")/bench_summary.sh"  # wall LOG, fps LOG
echo "| run | flags | wall s | frames/s | of the long file |"
echo "| --- | --- | ---: | ---: | ---: |"
CUDA_VISIBLE_DEVICES=0 taskset -c "$cores" timeout 600 "$b/barcode_mpi" "$w/long.$ext" \
  -o "$w/long.h5" --overwrite -v 2 > "$log/long.log" 2>&1
long=$(fps "$log/long.log")
echo "| one long file | default | $(wall "$log/long.log") | $long | 1.00 |"
manifest() { # NAME ARGS...
  local name=$1; shift
  rm -rf "$w/out-$name"
  local start end
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  CUDA_VISIBLE_DEVICES=0 taskset -c "$cores" timeout 600 "$b/barcode_mpi" --manifest \
    "$w/list.txt" -o "$w/out-$name" -v 2 ${EXTRA_ARGS:-} "$@" > "$log/$name.log" 2>&1
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" -v f="$frames" -v l="$long" -v flags="${*:-default}" \
    'BEGIN { printf "| manifest | %s | %.2f | %.0f | %.2f |\n", flags, e - s, f / (e - s), f / (e - s) / l }' 
}
for n in ${AT_ONCE-1 2 3 4 6}; do manifest "at$n" --movies-at-once "$n"; done
manifest default
grep -h "done, \|FAILED" "$log/default.log" | tail -2
