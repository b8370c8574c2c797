#!/usr/bin/env bash
# Work moved between ranks (--balance, docs/benchmarks.md), measured on one GPU node in one call:
# the 2-hour film (FILM repeated 120 times) end to end on 1 rank, then on several ranks sharing
# the GPU with --balance on and off, alternated: ranks of equal means (2 ranks: 8 cores and 4
# NVDEC sessions each), ranks of unequal means (3 ranks: 6, 5 and 5 cores), and 2 ranks of which
# one shares its cores with busy loops (a busier node: HOGS loops on the second rank's first
# cores, default 4). Each file is compared with the 1-rank file. -v 2 logs in $LOGS.
#
#   scripts/bench_balance.sh BIN_DIR FILM
# BIN_DIR holds barcode_mpi, loop_remux and compare_runs. Environment: ROUNDS (default 1), CASES
# (default "equal unequal busy").
set -u
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 HDF5_USE_FILE_LOCKING=FALSE
B=$1 FILM=$2
W=$(mktemp -d) L=${LOGS:-$W/logs}
mkdir -p "$L"
"$B/loop_remux" "$FILM" "$W/x120.mp4" 120 > /dev/null || echo "loop_remux failed"
. "$(dirname "$0")/bench_summary.sh"  # wall LOG, fps LOG
summary() { echo "$(wall "$1") | $(fps "$1")"; }
moved() { sed -n 's/.*rows decoded for other ranks: \([0-9]*\);.*/\1/p' "$1" | awk '{ s += $1 } END { print s + 0 }'; }
done_at() { sed -n 's/.*rank \([0-9]*\): t=\([0-9.]*\) s: decoders done.*/\2/p' "$1" | sort -n | tr '\n' ' '; }
run() {  # name ranks balance
  timeout 200 mpirun -np "$2" --oversubscribe --bind-to none "$B/barcode_mpi" "$W/x120.mp4" -o "$W/$1.h5" \
    --overwrite -v 2 --balance "$3" > "$L/$1.log" 2>&1 || echo "$1: rc $?"
  echo "| $1 | $2 | $3 | $(summary "$L/$1.log") | $(moved "$L/$1.log") | $(done_at "$L/$1.log") |" \
    "$("$B/compare_runs" "$W/one.h5" "$W/$1.h5" 2>&1 | tail -1 | grep -o "identical palettes [0-9.]*") |"
}
nproc
echo "| run | ranks | balance | wall s | frames/s | rows moved | ranks' decoders done at (s) | against 1 rank |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
timeout 200 mpirun -np 1 --bind-to none "$B/barcode_mpi" "$W/x120.mp4" -o "$W/one.h5" \
  --overwrite -v 2 > "$L/one.log" 2>&1 || echo "one: rc $?"
echo "| one | 1 | on | $(summary "$L/one.log") | 0 | | |"
cases=" ${CASES:-equal unequal busy} "
for r in $(seq 1 "${ROUNDS:-1}"); do
  [[ $cases == *" equal "* ]] && for b in on off; do run "equal-$b-$r" 2 $b; done
  [[ $cases == *" unequal "* ]] && for b in on off; do run "unequal-$b-$r" 3 $b; done
  [[ $cases == *" busy "* ]] || continue
  # Busy loops on the first cores of the second rank's half (ranks of an unbound 2-rank job
  # each run on one half of the node's cores).
  half=$(( $(nproc) / 2 ))
  for b in on off; do
    hogs=()
    for c in $(seq "$half" $(( half + ${HOGS:-4} - 1 ))); do
      taskset -c "$c" sh -c 'while :; do :; done' & hogs+=($!)
    done
    run "busy-$b-$r" 2 $b
    kill "${hogs[@]}" 2> /dev/null; wait "${hogs[@]}" 2> /dev/null
  done
done
