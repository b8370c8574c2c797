# Sourced by the benchmark scripts: fields of the tool's summary line ("wall W s: F decoded
# frames/s ...") in a log of barcode_mpi; the last such line of the log.
# shellcheck shell=bash
wall() { sed -n 's/.*wall \([0-9.]*\) s: .*/\1/p' "$1" | tail -1; }
fps() { sed -n 's/.*wall \([0-9.]*\) s: \([0-9.]*\) decoded frames\/s.*/\2/p' "$1" | tail -1; }
