#!/usr/bin/env bash
# Where an archive run (slurm/archive.sbatch) stands, from its manifest and its output dir.
#
#   scripts/archive_status.sh [-v] MANIFEST OUTPUT_DIR
#
# Each movie of the manifest (read as barcode_mpi --manifest reads it: blank lines, # comments,
# trailing blanks, a DOS line end and a byte order mark ignored, a repeated line counted once)
# is one of
#   done     <name>.h5 has complete true (1 in older files) and its image is there:
#            OUTPUT_DIR/<name>.png, or <name>-<style>.png of a run with several styles
#   failed   not done, and OUTPUT_DIR/failed/<name>.txt records the exit code of its last run
#   missing  neither: not run yet, still running, or its task was killed
# Prints the four counts (done, failed, missing, total, one "word count" per line), then one
# line per failed movie: "failed CODE PATH". With -v also "missing PATH" lines.
# Exit status: 0 when every movie is done, 1 otherwise, 2 on bad usage.
# <name> follows the rule in slurm/archive.sbatch (keep the two in step). Reading the HDF5
# attribute needs python3 with h5py (one process for the whole archive) or else h5dump.
set -euo pipefail

verbose=0
if [ "${1:-}" = -v ]; then verbose=1; shift; fi
[ $# -eq 2 ] || { echo "usage: $0 [-v] MANIFEST OUTPUT_DIR" >&2; exit 2; }
manifest=$1
outdir=$2
fail() { echo "archive_status: $*" >&2; exit 2; }
[ ! -d "$manifest" ] || fail "$manifest: is a directory: MANIFEST is a file listing movies"
[ -r "$manifest" ] || fail "cannot read $manifest"
[ -d "$outdir" ] || [ ! -e "$outdir" ] || fail "$outdir: not a directory"
export HDF5_USE_FILE_LOCKING=FALSE

movie_name() {
  local stem hash cut byte
  # The last component, as barcode_mpi takes it: a path ending in / names its directory.
  stem=$1
  while [ "${#stem}" -gt 1 ] && [ "${stem%/}" != "$stem" ]; do stem=${stem%/}; done
  stem=${stem##*/}
  stem=${stem%.*}
  # Braces made parentheses ({style} would be a placeholder in the image's path), and at most
  # 200 bytes, never cut inside a UTF-8 character: NAME.h5.partial.lock fits in 255 bytes.
  stem=${stem//\{/(}
  stem=${stem//\}/)}
  if [ "$(printf '%s' "$stem" | LC_ALL=C wc -c)" -gt 200 ]; then
    cut=200
    while [ "$cut" -gt 0 ]; do
      byte=$(printf '%s' "$stem" | tail -c +$((cut + 1)) | od -An -N1 -tu1 | tr -d ' ')
      [ "$byte" -ge 128 ] && [ "$byte" -le 191 ] || break
      cut=$((cut - 1))
    done
    stem=$(printf '%s' "$stem" | head -c "$cut")
  fi
  hash=$(printf '%s' "$1" | sha1sum)
  printf '%s-%s\n' "$stem" "${hash:0:12}"
}

# Whether a manifest is a list of paths as barcode_mpi --manifest checks it: no control
# character but tab, carriage return and line feed (a movie given by mistake has them at once).
manifest_is_text() {
  [ "$(LC_ALL=C tr -d '\t\r\n\040-\176\200-\377' <"$1" | head -c 1 | wc -c)" -eq 0 ]
}

# The movies of a manifest as barcode_mpi --manifest reads them, one output line per manifest
# line so that line numbers hold: the path without trailing blanks (nor a DOS line end), or an
# empty line for a blank line, a # comment or a repeat of an earlier line. A UTF-8 byte order
# mark before the first line is dropped.
manifest_lines() {
  LC_ALL=C awk '
    NR == 1 { sub(/^\357\273\277/, "") }
    { sub(/[ \t\r]+$/, "") }
    /^[ \t]*(#|$)/ || seen[$0]++ { print ""; next }
    { print }' "$1"
}

# The image of a finished movie in DIR: NAME.png, or with several styles NAME-STYLE.png
# (barcode_mpi --manifest checks the first style's; any style's will do here). Usage:
# has_image DIR NAME.
has_image() {
  local style
  for style in "" -dominant -mean -palette -circular -movie-palette -smooth; do
    [ -s "$1/$2$style.png" ] && return 0
  done
  return 1
}

manifest_is_text "$manifest" ||
  fail "$manifest is not text: MANIFEST is a list of movie paths, one per line"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# names[i] belongs to paths[i]; lines that are no movie are kept empty so that line numbers hold.
mapfile -t paths < <(manifest_lines "$manifest")
names=()
for p in "${paths[@]}"; do
  if [ -n "$p" ]; then names+=("$(movie_name "$p")"); else names+=(""); fi
done
[ -n "$(printf '%s' "${names[@]}")" ] || fail "$manifest lists no movie"

# Candidates: a PNG and an .h5 are there. Their `complete` attribute is read in one go.
: >"$work/candidates"
for n in "${names[@]}"; do
  [ -n "$n" ] && has_image "$outdir" "$n" && [ -f "$outdir/$n.h5" ] && printf '%s\n' "$n" >>"$work/candidates"
done
: >"$work/complete"
if [ -s "$work/candidates" ]; then
  if python3 -c 'import h5py' 2>/dev/null; then
    python3 - "$outdir" "$work/candidates" >"$work/complete" <<'PY'
import os, sys
import h5py
# Bytes throughout: a name may hold a carriage return or bytes that are no UTF-8.
for name in open(sys.argv[2], "rb").read().split(b"\n"):
    if not name:
        continue
    try:
        with h5py.File(os.path.join(os.fsencode(sys.argv[1]), name + b".h5"), "r") as f:
            if int(f.attrs.get("complete", 0)) == 1:
                sys.stdout.buffer.write(name + b"\n")
    except OSError:
        pass  # unreadable: not done
PY
  elif command -v h5dump >/dev/null; then
    while IFS= read -r n; do
      if h5dump -a /complete "$outdir/$n.h5" 2>/dev/null | grep -Eq '^[[:space:]]*\(0\): (1|TRUE)[[:space:]]*$'; then
        printf '%s\n' "$n" >>"$work/complete"
      fi
    done <"$work/candidates"
  else
    echo "archive_status: neither python3-h5py nor h5dump: cannot tell complete files" >&2
  fi
fi
declare -A complete=()
while IFS= read -r n; do complete[$n]=1; done <"$work/complete"

done_n=0 failed_n=0 missing_n=0 total=0
failed_lines=() missing_lines=()
for i in "${!paths[@]}"; do
  n=${names[$i]}
  [ -n "$n" ] || continue
  total=$((total + 1))
  if [ -n "${complete[$n]:-}" ]; then
    done_n=$((done_n + 1))
  elif [ -f "$outdir/failed/$n.txt" ]; then
    failed_n=$((failed_n + 1))
    code=$(cut -f1 "$outdir/failed/$n.txt" | head -n1)
    failed_lines+=("failed ${code:-?} ${paths[$i]}")
  else
    missing_n=$((missing_n + 1))
    missing_lines+=("missing ${paths[$i]}")
  fi
done

printf 'done %d\nfailed %d\nmissing %d\ntotal %d\n' "$done_n" "$failed_n" "$missing_n" "$total"
[ ${#failed_lines[@]} -eq 0 ] || printf '%s\n' "${failed_lines[@]}"
[ "$verbose" = 0 ] || [ ${#missing_lines[@]} -eq 0 ] || printf '%s\n' "${missing_lines[@]}"
[ "$done_n" -eq "$total" ]
