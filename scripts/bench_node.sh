#!/usr/bin/env bash
# One GPU node (docs/benchmarks.md): a long 1080p input made from a real-film clip, the best
# decode-only decoder mixes found by hand against the tool's default flags end to end, in one
# call, on one GPU and the given cores.
#
#   scripts/bench_node.sh BIN_DIR CLIP REPEATS [CORES]   (CORES: a taskset list, default all)
set -uo pipefail
b=$1 clip=$2 repeats=$3 cores=${4:-0-$(($(nproc) - 1))}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 HDF5_USE_FILE_LOCKING=FALSE
w=${WORK:-$(mktemp -d)}
log=${LOGS:-$w}
nvidia-smi --query-gpu=name --format=csv,noheader | head -1
n=$(taskset -c "$cores" nproc)
echo "GPU 0, cores $cores ($n)"
[ -s "$w/long.mp4" ] || "$b/loop_remux" "$clip" "$w/long.mp4" "$repeats" > /dev/null || exit 1
. "$(dirname "$0")/bench_summary.sh"  # wall LOG, fps LOG
mix() { sed -n 's/.*rank uses \(.*\)/\1/p' "$1" | head -1 | sed 's/ (NVIDIA[^)]*)//'; }
run() { # NAME ARGS...
  local name=$1; shift
  CUDA_VISIBLE_DEVICES=0 taskset -c "$cores" timeout 600 "$b/barcode_mpi" "$w/long.mp4" \
    -o "$w/$name.h5" --overwrite -v 2 "$@" > "$log/$name.log" 2>&1
  echo "| $name | $* | $(mix "$log/$name.log") | $(fps "$log/$name.log") | $(wall "$log/$name.log") |"
}
echo "| run | flags | decoders | frames/s | wall s |"
echo "| --- | --- | --- | --- | --- |"
[ "${NVDEC_ONLY:-1}" = 0 ] || run dec_nvdec --decode-only --cpu-decoders 0
for m in ${MIXES:-4 8}; do run "dec_mix$m" --decode-only --cpu-decoders "$m" --threads "$((2 * m))"; done
run e2e_default
for m in ${E2E_MIXES:-}; do run "e2e_mix$m" --cpu-decoders "$m" --threads "$((2 * m))"; done
if [ -n "${MPIRUN:-}" ]; then
  CUDA_VISIBLE_DEVICES=0 taskset -c "$cores" timeout 600 mpirun -np 1 "$b/barcode_mpi" "$w/long.mp4" \
    -o "$w/mpirun.h5" --overwrite -v 2 > "$log/mpirun.log" 2>&1
  echo "| mpirun -np 1 (default binding) | default | $(mix "$log/mpirun.log") | $(fps "$log/mpirun.log") | $(wall "$log/mpirun.log") |"
fi
