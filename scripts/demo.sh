#!/usr/bin/env bash
# Sets everything up on a fresh Debian machine, installs the tools into ./install (or $PREFIX),
# makes a short clip and runs the installed barcode_mpi on it with several MPI ranks (CPU path
# when there is no GPU), then barcode_render in another style. Results land in demo-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
prefix=${PREFIX:-$PWD/install}
cmake --install build --prefix "$prefix" >/dev/null
export PATH=$prefix/bin:$PATH
mkdir -p demo-out
clip=demo-out/clip.mp4
if [ ! -s "$clip" ]; then
  # 20 s of moving, changing colour at 640x360: a stand-in for a film.
  ffmpeg -hide_banner -loglevel error -y -f lavfi \
    -i "mandelbrot=s=640x360:rate=25:end_pts=200,hue=H=2*PI*t/10:s=2,trim=duration=20" \
    -c:v libx264 -preset veryfast -pix_fmt yuv420p "$clip"
fi
ranks=${RANKS:-2}
# Open MPI refuses to run as root without these two, and refuses more ranks than cores without
# --oversubscribe; neither is needed as a normal user on a machine with enough cores.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# File locks: not every file system has them (Lustre, GPFS, some containers' overlays).
export HDF5_USE_FILE_LOCKING=FALSE
set -x
mpirun -np "$ranks" --oversubscribe --bind-to none barcode_mpi "$clip" \
  -o demo-out/clip.h5 --png demo-out/clip.png --overwrite
barcode_render demo-out/clip.h5 --style palette -o demo-out/clip-palette.png --overwrite
{ set +x; } 2>/dev/null
cat <<END
demo: the tools are installed in $prefix. To use them:
  export PATH=$prefix/bin:\$PATH
or, with Lmod:
  module use $prefix/share/barcode_mpi/modulefiles && module load barcode_mpi
END
