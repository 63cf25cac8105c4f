#!/bin/sh
# bench/unwind.sh: what one CPU sample costs kprof-top, and how many DWARF
# stacks it unwinds per second on one core.  kprof-top samples the cpu_split
# fixture (-O2, no frame pointers, one busy thread, 7-frame stacks) at a high
# rate, pinned to a different CPU than the target so the unwind timings are
# not stretched by preemption; it reports its own unwind time per stack and
# its CPU time, from which the cost per sample follows.
#
#   bench/unwind.sh [--rounds 3] [--seconds 8] [--rate 999]
#
# Run from the top of a built tree (needs tests/fixtures/cpu_split_nofp:
# `make check` or `make tests/fixtures/cpu_split_nofp`).  Prints a Markdown
# table and the command.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
rounds=3 seconds=8 rate=999
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) rounds=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--rate) rate=$2; shift 2 ;;
	*) echo "usage: bench/unwind.sh [--rounds N] [--seconds S] [--rate HZ]" >&2; exit 2 ;;
	esac
done
ncpu=$(nproc)
[ "$ncpu" -ge 2 ] || { echo "bench/unwind.sh: needs two CPUs (target and profiler apart)" >&2; exit 2; }
fixture=$top/tests/fixtures/cpu_split_nofp
[ -x "$fixture" ] || { echo "bench/unwind.sh: build $fixture first (make tests/fixtures/cpu_split_nofp)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/kprof-unwind.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

for mode in dwarf fp; do
	r=1
	while [ "$r" -le "$rounds" ]; do
		taskset -c $((ncpu - 1)) "$fixture" --seconds $((seconds + 5)) --threads 1 \
			--ready "$work/ready" >/dev/null 2>&1 &
		fpid=$!
		while [ ! -s "$work/ready" ]; do sleep 0.05; done
		taskset -c 0 "$top/kprof-top" -b -F "$rate" --call-graph "$mode" \
			--duration "$seconds" -p "$fpid" >"$work/report.$mode.$r"
		kill "$fpid"; wait "$fpid" 2>/dev/null || true
		rm -f "$work/ready"
		r=$((r + 1))
	done
done

python3 - "$work" "$rounds" "$seconds" "$rate" <<'PY'
import re, statistics, sys
work, rounds, seconds, rate = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
print("| call graph | samples/s | unwind µs/stack | stacks/s on one core | profiler CPU µs/sample | profiler CPU % of a core |")
print("|---|---|---|---|---|---|")
for mode in ("dwarf", "fp"):
    rows = []
    for r in range(1, rounds + 1):
        text = open("%s/report.%s.%d" % (work, mode, r)).read()
        samples = int(re.search(r"samples:\s+(\d+) taken", text).group(1))
        dur = float(re.search(r"duration:\s+([\d.]+) s", text).group(1))
        cpu = float(re.search(r"profiler:\s+([\d.]+) s of CPU", text).group(1))
        m = re.search(r"unwinding: \d+ stacks, ([\d.]+) us each", text)
        rows.append((samples / dur, float(m.group(1)) if m else None, cpu * 1e6 / samples, 100 * cpu / dur))
    med = lambda i: statistics.median(x[i] for x in rows if x[i] is not None) if any(x[i] is not None for x in rows) else None
    unw = med(1)
    print("| %s | %.0f | %s | %s | %.1f | %.2f |" % (mode, med(0),
          "%.1f" % unw if unw else "–", "%.0f k" % (1e3 / unw) if unw else "–", med(2), med(3)))
print("\nMedians of %d rounds of %s s at %s Hz; command: bench/unwind.sh --rounds %d --seconds %s --rate %s"
      % (rounds, seconds, rate, rounds, seconds, rate))
PY
