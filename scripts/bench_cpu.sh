#!/usr/bin/env bash
# The CPU-only path against software decoding alone, in one call: decode-only and end to end with
# default flags (--gpu off), their ratio, and the clustering's milliseconds per frame, as a
# markdown table. Use real film content (not flat colours, not a synthetic clip): clustering time
# depends on how many distinct colours a tile has and how fast k-means converges on them.
#
#   scripts/bench_cpu.sh INPUT [RUNS]
#
# Each measure is run RUNS times (default 1) and the fastest run is kept. Besides wall-clock
# frames/s the table gives CPU seconds (user+sys) per frame: on a machine shared with other work
# the wall-clock ratio is disturbed, the CPU-time ratio much less.
#
# A last line times the clustering alone on 300 of the tool's tiles of the same input
# (build/kmeans_bench), fast path and reference.
#
# Environment: BUILD_DIR (default build); THREADS (default: the cores this shell may use), passed
# as --threads to both runs; EXTRA_ARGS, more options for both (e.g. "--cpu-decoders 1" to compare
# decoder splits); MPI_RANKS=N adds a row for `mpirun -np N --bind-to core` with one
# thread per rank, end to end.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$repo/build}
input=${1:?usage: bench_cpu.sh INPUT [RUNS]}
runs=${2:-1}
threads=${THREADS:-$(nproc)}
tool=$build/barcode_mpi
[ -x "$tool" ] || { echo "bench_cpu: $tool not found: build barcode_mpi" >&2; exit 2; }
[ -r "$input" ] || { echo "bench_cpu: cannot read $input" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 HDF5_USE_FILE_LOCKING=FALSE

. "$(dirname "$0")/bench_summary.sh"  # wall LOG, fps LOG

# run NAME ARGS...: RUNS runs of barcode_mpi; keeps the log and CPU time of the fastest as
# $work/NAME.log and $work/NAME.cpu.
run() {
  local name=$1 best=
  shift
  for ((r = 0; r < runs; ++r)) {
    /usr/bin/time -f "%U %S" -o "$work/time" "$@" >"$work/log" 2>&1 ||
      { cat "$work/log" >&2; echo "bench_cpu: $name failed" >&2; exit 1; }
    local rate
    rate=$(fps "$work/log")
    if [ -z "$best" ] || awk -v a="$rate" -v b="$best" 'BEGIN { exit !(a > b) }'; then
      best=$rate
      cp "$work/log" "$work/$name.log"
      awk '{ print $1 + $2 }' "$work/time" >"$work/$name.cpu"
    fi
  }
}
run_fps() { fps "$work/$1.log"; }
frames() { sed -n 's/.*frames: [0-9]* in range, \([0-9]*\) decoded.*/\1/p' "$work/$1.log"; }
cluster_s() { sed -n 's/.*cluster \([0-9.]*\) s (summed.*/\1/p' "$work/$1.log"; }
cpu_ms() { awk -v c="$(cat "$work/$1.cpu")" -v f="$(frames "$1")" 'BEGIN { printf "%.2f", 1000 * c / f }'; }

run decode "$tool" "$input" -o "$work/d.h5" --overwrite --gpu off --threads "$threads" ${EXTRA_ARGS:-} --decode-only
run e2e "$tool" "$input" -o "$work/e.h5" --overwrite --gpu off --threads "$threads" ${EXTRA_ARGS:-}
if [ -n "${MPI_RANKS:-}" ]; then
  run mpi mpirun -np "$MPI_RANKS" --bind-to core "$tool" "$input" -o "$work/m.h5" --overwrite \
    --gpu off --threads 1
fi

# The clustering alone, one thread, on the tool's own tiles of the same input (300 samples spread
# over it, --keep-thumbs, read back with h5dump): CPU ms per frame, fast path and reference, and
# whether they agree. Not ffmpeg's area scaler: its 160x90 tiles of the film have 4600 distinct
# colours on average against the tool's 6500, and clustering them costs a quarter less
# (docs/benchmarks.md, issue 12).
kmeans_row() {
  local bench=$build/kmeans_bench
  [ -x "$bench" ] || return 0
  "$tool" "$input" -o "$work/t.h5" --overwrite --gpu off --threads "$threads" --keep-thumbs \
    --columns 300 ${EXTRA_ARGS:-} >"$work/thumbs.log" 2>&1 ||
    { cat "$work/thumbs.log" >&2; echo "bench_cpu: the --keep-thumbs run failed" >&2; exit 1; }
  h5dump -d /frames/thumbs -b LE -o "$work/tiles.raw" "$work/t.h5" >/dev/null
  local path
  for path in fast reference; do
    local env=()
    [ "$path" = reference ] && env=(env BARCODE_KMEANS=reference)
    "${env[@]}" "$bench" "$work/tiles.raw" 160 90 --restarts 4 --threads 1 >"$work/kmeans_$path.log"
  done
  field() { tr ' ' '\n' <"$work/kmeans_$1.log" | sed -n "s/^$2=//p"; }
  local same=no
  [ "$(sed 's/.*mean_inertia/mean_inertia/' "$work/kmeans_fast.log")" = \
    "$(sed 's/.*mean_inertia/mean_inertia/' "$work/kmeans_reference.log")" ] && same=yes
  awk -v f="$(field fast cpu_ms_per_frame)" -v r="$(field reference cpu_ms_per_frame)" \
    -v n="$(field fast frames)" -v same="$same" 'BEGIN {
      printf "\nk-means alone (kmeans_bench, k=8, 4 restarts, one thread, %d tiles of 160x90): " \
        "%.2f CPU ms per frame, reference path %.2f (%.1fx); same mean inertia and iterations: %s\n",
        n, f, r, r / f, same }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
decoders=$(sed -n 's/.*rank 0 on CPU with \([0-9]*\) decoder.*/\1/p' "$work/e2e.log")
echo "input: $input; $(nproc) cores, --threads $threads ${EXTRA_ARGS:-}, $decoders software decoder(s); best of $runs run(s)"
case "${BARCODE_KMEANS:-}" in
  reference) path="the reference (BARCODE_KMEANS=reference)" ;;
  avx2) path="the fast path kept to AVX2 (BARCODE_KMEANS=avx2)" ;;
  *) path="the fast path, AVX-512 where the processor has it, else AVX2" ;;
esac
echo "k-means path: $path"
echo
echo "| run | frames/s | CPU ms per frame | clustering ms per frame (thread CPU time) |"
echo "|---|---:|---:|---:|"
echo "| decode-only | $(run_fps decode) | $(cpu_ms decode) | – |"
echo "| end to end | $(run_fps e2e) | $(cpu_ms e2e) | $(awk -v c="$(cluster_s e2e)" -v f="$(frames e2e)" 'BEGIN { printf "%.2f", 1000 * c / f }') |"
if [ -n "${MPI_RANKS:-}" ]; then
  echo "| end to end, mpirun -np $MPI_RANKS, 1 thread per rank | $(run_fps mpi) | $(cpu_ms mpi) | – |"
fi
echo
echo "end to end / decode-only: $(ratio "$(run_fps e2e)" "$(run_fps decode)") (wall clock), $(ratio "$(cpu_ms decode)" "$(cpu_ms e2e)") (CPU time)"
kmeans_row
