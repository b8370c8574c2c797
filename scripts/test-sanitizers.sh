#!/usr/bin/env bash
# The sanitizer builds of the test suite (part of scripts/test.sh): AddressSanitizer with
# UndefinedBehaviorSanitizer under the unit tests and the integration suites that exercise
# parsing, planning, damaged input, outputs, resume and the pipeline; ThreadSanitizer under the
# pipeline's unit tests and real runs of the decode pool and the CPU sink with several decoders
# and threads. CPU path only (no GPU here); about 19 minutes on 2 cores.
#
# `--suites` prints the integration suites run here under AddressSanitizer: scripts/test.sh
# leaves them out of its plain ctest run, so that CI runs each suite once.
set -euo pipefail
cd "$(dirname "$0")/.."
# Two halves of about equal time under AddressSanitizer, run at once, one per core.
first_half=(test_bad_input test_option_values test_outputs test_truncation test_hdr test_orientation)
second_half=(test_segments test_invariance test_resume test_crop)
if [[ ${1:-} == --suites ]]; then
  printf '%s\n' "${first_half[@]#test_}" "${second_half[@]#test_}"
  exit 0
fi
root=$PWD
media=${BARCODE_MEDIA:-$root/${BUILD_DIR:-build}/test-media}
python3=/usr/bin/python3

configure() {  # DIR FLAGS
  # -g1: line tables are all a sanitizer report needs, and compile a quarter faster than -g.
  cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBARCODE_CUDA=OFF \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
    -DCMAKE_CXX_FLAGS="$2 -fno-omit-frame-pointer" -DCMAKE_EXE_LINKER_FLAGS="$2" >/dev/null
}

# --- AddressSanitizer + UndefinedBehaviorSanitizer
asan=${ASAN_BUILD_DIR:-build-asan}
configure "$asan" "-fsanitize=address,undefined -fno-sanitize-recover=undefined"
ninja -C "$asan" barcode_mpi barcode_render unit_tests pipeline_tests decode_tests \
  h5_store_roundtrip_test
# Open MPI and HDF5 keep allocations until exit on purpose: leaks are not what is checked here.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
"$asan/tests/unit_tests" --gtest_brief=1
"$asan/tests/pipeline_tests" --gtest_brief=1
BARCODE_MEDIA="$media" "$asan/tests/decode_tests" --gtest_brief=1  # decoders into our memory
"$asan/tests/h5_store_roundtrip_test" --gtest_brief=1  # a singleton MPI process
integration() {  # the suites, with the sanitized tools
  (cd tests/integration && BARCODE_MPI="$root/$asan/barcode_mpi" BARCODE_MEDIA="$media" \
    BARCODE_SOURCE="$root" PYTHONDONTWRITEBYTECODE=1 "$python3" -m unittest "$@")
}
integration "${first_half[@]}" &
first=$!
integration "${second_half[@]}"
wait "$first"
unset ASAN_OPTIONS UBSAN_OPTIONS

# --- ThreadSanitizer: the threads between the decoders, the sink and the write rounds
tsan=${TSAN_BUILD_DIR:-build-tsan}
configure "$tsan" "-fsanitize=thread"
ninja -C "$tsan" barcode_mpi pipeline_tests decode_tests
export TSAN_OPTIONS="halt_on_error=1 suppressions=$root/tests/tsan.supp"
"$tsan/tests/pipeline_tests" --gtest_brief=1
# Frame-threaded decoders call get_buffer2 from their worker threads.
BARCODE_MEDIA="$media" "$tsan/tests/decode_tests" --gtest_brief=1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for clip in busy_h264.mp4 long_gop_h264.mkv; do
  "$tsan/barcode_mpi" "$media/$clip" -o "$out/$clip.h5" --cpu-decoders 3 --threads 2 \
    --batch 8 -v 0
done
# A --manifest rank working on three movies at once: one thread and communicator per movie, the
# HDF5 library behind one lock.
printf '%s\n' "$media/busy_h264.mp4" "$media/long_gop_h264.mkv" "$media/solid_rgb.mkv" \
  "$media/bands_rgb.mkv" >"$out/list.txt"
"$tsan/barcode_mpi" --manifest "$out/list.txt" -o "$out/archive" --movies-at-once 3 --threads 3 \
  -v 0
echo "sanitizers: AddressSanitizer, UndefinedBehaviorSanitizer and ThreadSanitizer found nothing"
