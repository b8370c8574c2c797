#!/usr/bin/env bash
# Writes a manifest for slurm/archive.sbatch: one absolute movie path per line, every file under
# the given directories whose extension is in the list (case-insensitive), sorted bytewise
# (LC_ALL=C), so the same tree always gives the same manifest and the same line numbers.
#
#   scripts/make_manifest.sh [-e mp4,mkv,...] [-o MANIFEST] DIR [DIR...]
#
# Hidden files and directories (names starting with a dot, e.g. macOS "._film.mp4" resource
# forks) are left out. Symbolic links to files are listed under their own path; links to
# directories are not followed (no loops, no duplicates). A path containing a newline cannot be
# a manifest line: it is reported on stderr and left out.
set -euo pipefail

extensions=mp4,m4v,mkv,mov,avi,webm,mpg,mpeg,ts,m2ts,mts,wmv,flv,ogv,mxf
output=-
usage() { echo "usage: $0 [-e EXT,EXT,...] [-o MANIFEST] DIR [DIR...]" >&2; exit 2; }
while getopts "e:o:h" opt; do
  case $opt in
    e) extensions=$OPTARG ;;
    o) output=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage

# find's test for "name ends in one of the extensions".
IFS=, read -r -a exts <<<"$extensions"
[ ${#exts[@]} -gt 0 ] || usage
match=()
for e in "${exts[@]}"; do
  e=${e#.}
  [ -n "$e" ] || continue
  [ ${#match[@]} -eq 0 ] || match+=(-o)
  match+=(-iname "*.$e")
done

roots=()
for d in "$@"; do
  [ -d "$d" ] || { echo "make_manifest: not a directory: $d" >&2; exit 2; }
  roots+=("$(cd "$d" && pwd -P)")
done

list() {
  # -mindepth 1: the roots themselves may be hidden directories and are still searched.
  find "${roots[@]}" -mindepth 1 -name '.*' -prune -o \
    \( -type f -o \( -type l -xtype f \) \) \( "${match[@]}" \) -print0 |
    LC_ALL=C sort -z -u |
    while IFS= read -r -d '' path; do
      if [[ $path == *$'\n'* ]]; then
        printf 'make_manifest: left out (newline in the name): %q\n' "$path" >&2
        continue
      fi
      printf '%s\n' "$path"
    done
}

if [ "$output" = - ]; then
  list
else
  # Written next to the target and renamed: a reader never sees half a manifest.
  tmp=$(mktemp "$output.XXXXXX")
  trap 'rm -f "$tmp"' EXIT
  list >"$tmp"
  chmod 644 "$tmp"
  mv -f "$tmp" "$output"
  trap - EXIT
  echo "make_manifest: $(grep -c '' "$output" || true) movies in $output" >&2
fi
