#!/usr/bin/env bash
# The GPU path's check and benchmark, run on a GPU node in one invocation (see docs/benchmarks.md):
#   1. GPU unit tests (k-means bit-exact against the CPU reference, NV12/P010 against swscale);
#   2. GPU against CPU on the same clips (H.264, 10-bit HEVC, 4:4:4 H.264 which NVDEC cannot
#      decode, VP9, MPEG-4; and 1080p): inertia within 1% for >= 99% of frames, dominant colour
#      CIEDE2000 <= 2 for >= 95%, same frames; NVDEC decodes the same frame list as software;
#   3. decode-only against end-to-end throughput for several decoder configurations;
#   4. the k-means kernel alone; the CPU path on the same host.
#
#   scripts/bench_gpu.sh BIN_DIR MEDIA_DIR CLIP_1080P REPEATS OUT_DIR [TILES.raw]
# BIN_DIR holds barcode_mpi, gpu_tests, gpu_kmeans_bench, compare_runs, kmeans_bench and
# loop_remux. The long input is CLIP_1080P repeated REPEATS times (loop_remux, no re-encoding).
# TILES.raw (160x90 rgb24 tiles) adds the CPU k-means against scikit-learn where it is installed.
set -uo pipefail
bin=$1 media=$2 clip=$3 repeats=$4 out=$5 tiles=${6:-}
mkdir -p "$out"
work=$(mktemp -d)
long=$work/long.mp4
"$bin/loop_remux" "$clip" "$long" "$repeats" || exit 1
cores=$(nproc)
table=$out/table.md
. "$(dirname "$0")/bench_summary.sh"  # wall LOG, fps LOG
bm() { timeout 90 "$bin/barcode_mpi" "$@"; }
decoded() { sed -n 's/.*frames: [0-9]* in range, \([0-9]*\) decoded.*/\1/p' "$1" | tail -1; }

echo "== host: $(nproc) cores; $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader)"

echo "== 1. GPU unit tests"
"$bin/gpu_tests" >"$out/gpu_tests.log" 2>&1
echo "gpu_tests exit $?: $(grep -E '^\[  (PASSED|FAILED) ' "$out/gpu_tests.log" | tr '\n' ' ')"

echo "== 2. GPU against CPU, same clips"
for m in "$media"/*; do
  name=$(basename "$m")
  bm "$m" -o "$work/$name.cpu.h5" --gpu off --overwrite >"$out/cmp-$name-cpu.log" 2>&1
  bm "$m" -o "$work/$name.gpu.h5" --gpu on --overwrite >"$out/cmp-$name-gpu.log" 2>&1
  gpu_rc=$?
  bm "$m" -o "$work/x.h5" --gpu on --decode-only --overwrite >"$out/dec-$name-gpu.log" 2>&1
  bm "$m" -o "$work/x.h5" --gpu off --decode-only --overwrite >"$out/dec-$name-cpu.log" 2>&1
  result=$("$bin/compare_runs" "$work/$name.cpu.h5" "$work/$name.gpu.h5")
  verdict=$([ $? -eq 0 ] && echo PASS || echo FAIL)
  fallback=$(grep -c "NVDEC cannot decode" "$out/cmp-$name-gpu.log")
  echo "$name: gpu exit $gpu_rc, $verdict: $result; frames decoded nvdec $(decoded "$out/dec-$name-gpu.log") software $(decoded "$out/dec-$name-cpu.log"); fallback lines $fallback"
done
bm "$clip" --end 20 -o "$work/l.cpu.h5" --gpu off --overwrite >"$out/cmp-1080-cpu.log" 2>&1
bm "$clip" --end 20 -o "$work/l.gpu.h5" --gpu on --overwrite >"$out/cmp-1080-gpu.log" 2>&1
echo "1080p 20 s, GPU against CPU: $("$bin/compare_runs" "$work/l.cpu.h5" "$work/l.gpu.h5")"
# Two ranks sharing the GPU (MPI reduction, GPU results must not depend on the rank count).
timeout 90 mpirun -np 2 --bind-to none "$bin/barcode_mpi" "$clip" --end 20 -o "$work/l.gpu2.h5" \
  --gpu on --overwrite >"$out/cmp-1080-gpu-2ranks.log" 2>&1
echo "1080p 20 s, GPU 2 ranks against 1: $("$bin/compare_runs" "$work/l.gpu.h5" "$work/l.gpu2.h5")"

echo "== 3. decode-only and end to end on $(basename "$clip") x $repeats"
echo "| configuration | decode-only frames/s | end-to-end frames/s | end-to-end / decode-only |" >"$table"
echo "|---|---:|---:|---:|" >>"$table"
run_pair() {  # label, then barcode_mpi options
  local label=$1; shift
  timeout 120 "$bin/barcode_mpi" "$long" -o "$work/d.h5" --overwrite --decode-only "$@" >"$out/d-$label.log" 2>&1
  timeout 120 "$bin/barcode_mpi" "$long" -o "$work/e.h5" --overwrite "$@" >"$out/e-$label.log" 2>&1
  local d e
  d=$(fps "$out/d-$label.log"); e=$(fps "$out/e-$label.log")
  echo "| $label | $d | $e | $(awk -v a="$e" -v b="$d" 'BEGIN{if(b>0) printf "%.2f", a/b}') |" | tee -a "$table"
}
run_pair nvdec1 --gpu on --decoders 1 --cpu-decoders 0
run_pair nvdec4 --gpu on --decoders 4 --cpu-decoders 0
run_pair nvdec7 --gpu on --decoders 7 --cpu-decoders 0
run_pair nvdec14 --gpu on --decoders 14 --cpu-decoders 0
run_pair nvdec7+cpu8 --gpu on --decoders 7 --cpu-decoders 8 --threads "$cores"
run_pair cpu16-sw --gpu on --decoders 0 --cpu-decoders 16 --threads "$cores"
# The CPU path alone (software decoding and CPU k-means on every core), first 60 s only.
bm "$long" --end 60 -o "$work/c.h5" --overwrite --gpu off --cpu-decoders 4 --threads "$cores" >"$out/e-cpu-path.log" 2>&1
echo "| CPU path: 4 software decoders, CPU k-means, $cores threads (first 60 s) | | $(fps "$out/e-cpu-path.log") | |" | tee -a "$table"

gpus=$(nvidia-smi --list-gpus | wc -l)
if [ "$gpus" -ge 2 ]; then
  echo "== 3b. two GPUs (one rank each, NCCL for the movie palette) against one"
  echo "| GPUs | decode-only frames/s | end-to-end frames/s | end-to-end / decode-only |" >>"$table"
  echo "|---|---:|---:|---:|" >>"$table"
  for n in 1 2; do
    timeout 120 mpirun -np $n --bind-to none "$bin/barcode_mpi" "$long" -o "$work/g$n.h5" --overwrite \
      --decode-only --decoders 7 >"$out/d-gpus$n.log" 2>&1
    timeout 120 mpirun -np $n --bind-to none "$bin/barcode_mpi" "$long" -o "$work/g$n.h5" --overwrite \
      --decoders 7 >"$out/e-gpus$n.log" 2>&1
    d=$(fps "$out/d-gpus$n.log"); e=$(fps "$out/e-gpus$n.log")
    echo "| $n | $d | $e | $(awk -v a="$e" -v b="$d" 'BEGIN{if(b>0) printf "%.2f", a/b}') |" | tee -a "$table"
  done
  echo "2 GPUs against 1 (same file): $("$bin/compare_runs" "$work/g1.h5" "$work/g2.h5"); reduction: $(grep -ho 'reduced over [A-Z]*' "$out/e-gpus2.log")"
fi

echo "== 4. k-means kernel alone"
"$bin/gpu_kmeans_bench" --peak-tflops=67 --runs=7 >"$out/gpu_kmeans_bench.log" 2>&1
grep -E "^\|" "$out/gpu_kmeans_bench.log" | head -8
if [ -n "$tiles" ] && python3 -c "import sklearn" 2>/dev/null; then
  PYTHON=python3 BUILD_DIR=$bin THREADS=$cores bash "$(dirname "$0")/bench_kmeans.sh" "$tiles" | tee "$out/kmeans_vs_sklearn.md"
fi
echo "== table"
cat "$table"
tar -C "$out" -czf "$out/logs.tar.gz" --exclude logs.tar.gz . 2>/dev/null
rm -rf "$work"
