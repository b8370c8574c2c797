#!/usr/bin/env bash
# Scaling benchmark (docs/benchmarks.md), one call on a GPU host: a long 1080p input made from a
# real-film clip with loop_remux, then side by side in the same call
#   - the control: independent decode-only processes of the tool, one per GPU, whole file each;
#   - the tool-free control (BIN_DIR/decode_control): FFmpeg's own decoders in several mixes of
#     NVDEC sessions and software decoders (CONTROL_MIXES), one GPU alone, then one process per
#     GPU at once, counted over a window of CONTROL_SECONDS (15) after every decoder's first
#     picture; the best at once over the best alone is the host's own ratio;
#   - 1 GPU and N GPUs (one rank each): decode-only and end to end, default flags, and N GPUs
#     end to end with --balance off (no work moved between the ranks);
#   - the files of every GPU count compared (they must be identical);
#   - decoder mixes on one GPU with the cores of one 16-core node.
#
#   - with DURATION (the long input's length in seconds, e.g. 7210 for a 60.08-s clip repeated
#     120 times) set: the end-to-end control, one independent process per GPU on an equal part
#     of the film (--start/--end), all at once, which is what the tool could reach without any
#     coupling between its ranks.
#
#   scripts/bench_scaling.sh BIN_DIR CLIP REPEATS [GPUS]
# BIN_DIR holds barcode_mpi, loop_remux and compare_runs; output: markdown tables on stdout.
set -uo pipefail
b=$1 clip=$2 repeats=$3 gpus=${4:-$(nvidia-smi -L | wc -l)}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 HDF5_USE_FILE_LOCKING=FALSE
export NCCL_NVLS_ENABLE=0
w=${WORK:-$(mktemp -d)}
log=${LOGS:-$w}
cores=$(nproc)
per=$((cores / gpus))
nvidia-smi --query-gpu=name --format=csv,noheader | head -1
echo "host: $cores cores, $gpus GPU(s)"
"$b/loop_remux" "$clip" "$w/long.mp4" "$repeats" > /dev/null || exit 1
frames=$(ffprobe -v error -count_packets -select_streams v:0 -show_entries stream=nb_read_packets \
  -of csv=p=0 "$w/long.mp4" 2>/dev/null || echo "?")
echo "input: $clip x $repeats ($frames frames)"
# The summary's wall time and frames/s (from the start of the job, after MPI_Init).
. "$(dirname "$0")/bench_summary.sh"  # wall LOG, fps LOG
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a/b; else print "-" }'; }
one() { # NAME GPU CORES ARGS...: one process on one GPU, restricted to CORES
  local name=$1 gpu=$2 set=$3; shift 3
  CUDA_VISIBLE_DEVICES=$gpu taskset -c "$set" timeout 600 "$b/barcode_mpi" "$w/long.mp4" \
    -o "$w/$name.h5" --overwrite -v 2 "$@" > "$log/$name.log" 2>&1
}
echo
echo "## Control: independent decode-only processes, one per GPU, whole file each, at once"
echo "| process | frames/s |"
echo "| --- | --- |"
sum=0
for g in $(seq 0 $((gpus - 1))); do
  one "ctl$g" "$g" "$((g * per))-$((g * per + per - 1))" --decode-only &
done
wait
for g in $(seq 0 $((gpus - 1))); do
  f=$(fps "$log/ctl$g.log"); echo "| GPU $g | $f |"; sum=$(awk -v a="$sum" -v b="$f" 'BEGIN{print a+b}')
done
echo "| sum | $sum |"
if [ -x "$b/decode_control" ]; then
  # Mixes of NVDEC sessions and software decoders per GPU ("NVDEC:SOFTWARE"; default: the
  # tool's own on `per` cores, 8 sessions and software decoders on the cores their feeding leaves,
  # then more sessions, then NVDEC alone). Each alone on GPU 0, then one process per GPU at once.
  # The best total at once over the best alone is what a tool adding nothing to FFmpeg's decoders
  # could reach with N GPUs over 1, each count with its best mix.
  secs=${CONTROL_SECONDS:-15}
  mixes=${CONTROL_MIXES:-"8:$((per - 4)) 10:$((per - 4)) 14:$((per - 4)) 14:$((per / 2)) 14:0"}
  ctl() { # GPU CORES NVDEC SOFTWARE
    CUDA_VISIBLE_DEVICES=$1 taskset -c "$2" "$b/decode_control" "$clip" "$3" "$4" "$secs"
  }
  total() { sed -n 's/.*total \([0-9]*\) frames.*/\1/p' "$1"; }
  echo
  echo "## Tool-free control: FFmpeg's own decoders (decode_control), $per cores per GPU, ${secs}-s windows"
  echo "| NVDEC + software per GPU | GPU 0 alone | all $gpus at once (per GPU) | sum at once | at once / alone |"
  echo "| --- | --- | --- | --- | --- |"
  best_alone=0 best_once=0
  for mix in $mixes; do
    nv=${mix%%:*} sw=${mix##*:}
    ctl 0 "0-$((per - 1))" "$nv" "$sw" > "$log/ffctl_alone.txt"
    for g in $(seq 0 $((gpus - 1))); do
      ctl "$g" "$((g * per))-$((g * per + per - 1))" "$nv" "$sw" > "$log/ffctl$g.txt" &
    done
    wait
    alone=$(total "$log/ffctl_alone.txt") sum=0 each=""
    for g in $(seq 0 $((gpus - 1))); do
      f=$(total "$log/ffctl$g.txt")
      each="$each${each:+ + }$f"
      sum=$(awk -v a="$sum" -v b="${f:-0}" 'BEGIN{print a+b}')
    done
    echo "| $nv + $sw | $alone | $each | $sum | $(ratio "$sum" "${alone:-0}") |"
    best_alone=$(awk -v a="$best_alone" -v b="${alone:-0}" 'BEGIN{print (b > a) ? b : a}')
    best_once=$(awk -v a="$best_once" -v b="$sum" 'BEGIN{print (b > a) ? b : a}')
  done
  echo
  echo "best at once $best_once over best alone $best_alone: $(ratio "$best_once" "$best_alone")" \
    "(the most $gpus GPUs give over 1 on this host to a tool that adds nothing to decoding)"
fi
echo
echo "## 1 GPU against $gpus GPUs, one rank per GPU, default flags"
echo "| run | decode-only frames/s | end to end frames/s | end to end wall s | e2e / decode-only |"
echo "| --- | --- | --- | --- | --- |"
one d1 0 "0-$((per - 1))" --decode-only
one e1 0 "0-$((per - 1))"
d1=$(fps "$log/d1.log"); e1=$(fps "$log/e1.log")
echo "| 1 GPU, $per cores | $d1 | $e1 | $(wall "$log/e1.log") | $(ratio "$e1" "$d1") |"
mp() { timeout 600 mpirun -np "$gpus" --bind-to none "$b/barcode_mpi" "$w/long.mp4" -v 2 "$@"; }
mp -o "$w/dN.h5" --overwrite --decode-only > "$log/dN.log" 2>&1
mp -o "$w/eN.h5" --overwrite > "$log/eN.log" 2>&1
dN=$(fps "$log/dN.log"); eN=$(fps "$log/eN.log")
echo "| $gpus GPUs, mpirun --bind-to none | $dN | $eN | $(wall "$log/eN.log") | $(ratio "$eN" "$dN") |"
# The same without work moved between the ranks: each GPU decodes its own segment only.
mp -o "$w/eNoff.h5" --overwrite --balance off > "$log/eNoff.log" 2>&1
echo "| $gpus GPUs, \`--balance off\` | | $(fps "$log/eNoff.log") | $(wall "$log/eNoff.log") | |"
echo
echo "$gpus GPUs / 1 GPU: decode-only $(ratio "$dN" "$d1"), end to end $(ratio "$eN" "$e1");" \
  "end to end / control sum $(ratio "$eN" "$sum")"
echo "files 1 GPU vs $gpus GPUs: $("$b/compare_runs" "$w/e1.h5" "$w/eN.h5" 2>&1 | tail -1)"
echo "rows moved between the $gpus GPUs' ranks: $(sed -n 's/.*rows decoded for other ranks: \([0-9]*\);.*/\1/p' \
  "$log/eN.log" | awk '{ s += $1 } END { print s + 0 }')"
grep -h "time (slowest" "$log/e1.log" "$log/eN.log" | cut -c1-200
if [ -n "${DURATION:-}" ]; then
  echo
  echo "## End-to-end control: independent processes on equal parts of the film, one per GPU, at once"
  echo "| part | frames/s | wall s |"
  echo "| --- | --- | --- |"
  for g in $(seq 0 $((gpus - 1))); do
    range=(--start "$(awk -v d="$DURATION" -v n="$gpus" -v i="$g" 'BEGIN { print d * i / n }')")
    [ "$g" -lt $((gpus - 1)) ] &&
      range+=(--end "$(awk -v d="$DURATION" -v n="$gpus" -v i="$g" 'BEGIN { print d * (i + 1) / n }')")
    one "part$g" "$g" "$((g * per))-$((g * per + per - 1))" "${range[@]}" &
  done
  wait
  slowest=0
  for g in $(seq 0 $((gpus - 1))); do
    t=$(wall "$log/part$g.log")
    echo "| $g | $(fps "$log/part$g.log") | $t |"
    slowest=$(awk -v a="$slowest" -v b="$t" 'BEGIN { print (b > a) ? b : a }')
  done
  echo
  echo "1 GPU end to end over the slowest part: $(ratio "$(wall "$log/e1.log")" "$slowest");" \
    "the $gpus-GPU job reaches $(ratio "$slowest" "$(wall "$log/eN.log")") of the parts' speed"
fi
