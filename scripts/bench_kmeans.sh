#!/usr/bin/env bash
# Benchmarks our CPU k-means (build/kmeans_bench) against scikit-learn's KMeans on the same tiles
# and prints a markdown table.
#
#   scripts/bench_kmeans.sh [INPUT_VIDEO | TILES.raw] [FRAMES]
#
# The first FRAMES frames (default 40) of INPUT_VIDEO are downscaled to 160x90 rgb24 tiles with the
# ffmpeg CLI; both implementations cluster exactly those pixels with k=8: sklearn with
# KMeans(init='k-means++', n_init=20), ours with 20 restarts and with the tool's default of 4.
# Ours uses one thread per core across frames; sklearn uses its own threads within each fit.
#
# Without INPUT_VIDEO a busy test clip is made first (a zooming Mandelbrot set with rotating hue:
# gradients, fine detail and many distinct colours per tile), the same as running
#   ffmpeg -f lavfi -i "mandelbrot=s=640x360:rate=25,hue=H=t*0.7" -t 4 -c:v libx264 -crf 18 \
#     -pix_fmt yuv420p clip.mp4
# A noisier alternative, with almost every pixel of a tile a distinct colour (the slowest case):
#   ffmpeg -f lavfi -i "testsrc2=s=640x360:rate=25,noise=alls=60:allf=t" -t 4 -c:v libx264 \
#     -crf 18 -pix_fmt yuv420p noisy.mp4
#
# Environment: BUILD_DIR (default build) holds kmeans_bench; THREADS (default: nproc).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$repo/build}
bench=$build_dir/kmeans_bench
threads=${THREADS:-$(nproc)}
input=${1:-}
frames=${2:-40}
width=160
height=90

[ -x "$bench" ] || { echo "bench_kmeans: $bench not found: build the kmeans_bench target" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -z "$input" ]; then
  input=$work/clip.mp4
  echo "bench_kmeans: no input given, making a test clip" >&2
  ffmpeg -nostdin -v error -f lavfi -i "mandelbrot=s=640x360:rate=25,hue=H=t*0.7" \
    -frames:v "$frames" -c:v libx264 -crf 18 -pix_fmt yuv420p "$input"
fi
tiles=$work/tiles.raw
if [[ "$input" == *.raw ]]; then
  # Tiles made already (e.g. on a machine without the ffmpeg CLI): 160x90 rgb24 frames.
  tiles=$input
else
  ffmpeg -nostdin -v error -i "$input" -frames:v "$frames" -vf scale=$width:$height:flags=area \
    -pix_fmt rgb24 -f rawvideo "$tiles"
fi
frames_made=$(( $(stat -c %s "$tiles") / (width * height * 3) ))
[ "$frames_made" -ge 1 ] || { echo "bench_kmeans: no frames decoded from $input" >&2; exit 1; }

# Each run prints one line of key=value pairs; field NAME picks a value out of it.
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

sk=$("${PYTHON:-/usr/bin/python3}" "$repo/scripts/bench_sklearn.py" "$tiles" $width $height --restarts 20)
ours20=$("$bench" "$tiles" $width $height --restarts 20 --threads "$threads")
ours4=$("$bench" "$tiles" $width $height --restarts 4 --threads "$threads")

sk_ms=$(field "$sk" ms_per_frame)
sk_inertia=$(field "$sk" mean_inertia)
echo
echo "$frames_made frames of ${width}x${height} from $input, k=8, $(nproc) cores; ours on $threads threads"
echo
echo "| implementation | restarts | ms/frame | frames/s | mean inertia | inertia vs sklearn (%) | speed-up vs sklearn |"
echo "|---|---:|---:|---:|---:|---:|---:|"
row() {  # row NAME RESTARTS LINE
  local ms inertia
  ms=$(field "$3" ms_per_frame)
  inertia=$(field "$3" mean_inertia)
  awk -v name="$1" -v r="$2" -v ms="$ms" -v fps="$(field "$3" fps)" -v inertia="$inertia" \
      -v sk_ms="$sk_ms" -v sk_in="$sk_inertia" 'BEGIN {
    printf "| %s | %d | %.1f | %.1f | %.6g | %+.3f | %.1fx |\n",
           name, r, ms, fps, inertia, 100 * (inertia - sk_in) / sk_in, sk_ms / ms }'
}
row "scikit-learn KMeans" 20 "$sk"
row "barcode_mpi kmeans_tile" 20 "$ours20"
row "barcode_mpi kmeans_tile (tool default)" 4 "$ours4"
