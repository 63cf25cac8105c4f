#!/bin/sh
# bench/flamegraph.sh: kprof-top's SVG flame graph writer against
# flamegraph.pl drawing the same stacks (bench/export's 100 000-stack
# model, written as folded stacks), each timed ROUNDS times; medians and
# their ratio, as a Markdown table for docs/performance.md.
#
#   bench/flamegraph.sh FLAMEGRAPH.PL [ROUNDS]
# (flamegraph.pl from https://github.com/brendangregg/FlameGraph; run from
# the top of a tree built without sanitizers: make bench/export)
set -eu
fg=${1:?usage: bench/flamegraph.sh FLAMEGRAPH.PL [ROUNDS]}
rounds=${2:-3}
[ -x bench/export ] || { echo "bench/flamegraph.sh: make bench/export first" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ours=""
theirs=""
for r in $(seq "$rounds"); do
	bench/export 100000 1000000 "$tmp/stacks.folded" >"$tmp/export.md"
	ours="$ours $(awk -F'|' '/SVG flame graph/ { gsub(/ /, "", $3); print $3 }' "$tmp/export.md")"
	t0=$(date +%s%N)
	perl "$fg" "$tmp/stacks.folded" >"$tmp/fg.svg"
	t1=$(date +%s%N)
	theirs="$theirs $(( (t1 - t0) / 1000000 ))"
done
median() { printf '%s\n' $1 | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mo=$(median "$ours")
mt=$(median "$theirs")
echo "| writer (100 000 stacks, ~1 M samples) | median of $rounds, ms | runs |"
echo "|---|---:|---|"
echo "| kprof-top (flame.c, best of 5 per run) | $mo |$ours |"
echo "| flamegraph.pl on the same folded stacks | $mt |$theirs |"
awk -v a="$mt" -v b="$mo" 'BEGIN { printf "\nflamegraph.pl / kprof-top: %.1fx\n", a / b }'
