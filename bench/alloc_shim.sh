#!/bin/sh
# bench/alloc_shim.sh: ns per malloc+free pair with no shim, the shim inert,
# and the shim sampling (default mean 512 KiB), on a tight small-block loop
# and a mixed-size one; medians of repeats.  Run from the top of a built
# tree (needs libkprof-alloc.so: make libkprof-alloc.so).
#
#   bench/alloc_shim.sh [--repeats 7] [--pairs N] [--mean BYTES] [--shim PATH]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=$(pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/kprof-alloc-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

${CC:-cc} -std=gnu11 -O2 -Wall -Wextra -I"$build" -I"$top" -I"$top/sampler" \
	-o "$work/alloc_shim" "$here/alloc_shim.c" "$top/sampler/alloc_ring.c"
echo "command: bench/alloc_shim.sh $*"
"$work/alloc_shim" --shim "$build/libkprof-alloc.so" "$@"
