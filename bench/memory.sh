#!/bin/sh
# kprof-top's memory over a long run (DESIGN.md: bounded, under 50 MB after
# an hour on a 16-thread target): the live view (in a detached tmux, the
# screen refreshing every second) attached to bench/memload, 16 threads
# that keep reaching new call stacks (~2.4 million possible).  Every
# --every seconds it reads kprof-top's VmRSS and VmHWM from /proc; at the
# end kprof-top quits (q) and writes a snapshot, whose distinct stacks are
# counted.  --perf-top yes runs `perf top -F 99 --call-graph dwarf` on the
# same target beside it, the reference live view, and reads its RSS too.
#
#   bench/memory.sh [--minutes 60] [--every 60] [--threads 16] [--duty 0.05]
#                   [--perf-top yes] [--kprof ./kprof-top]
#
# Prints a Markdown table for docs/performance.md, with the command.  Takes
# --minutes.  Needs: cc, tmux, python3, perf events (root).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
minutes=60 every=60 threads=16 duty=0.05 perftop=no kprof=$top/kprof-top
while [ $# -gt 1 ]; do
	case $1 in
	--minutes) minutes=$2 ;;
	--every) every=$2 ;;
	--threads) threads=$2 ;;
	--duty) duty=$2 ;;
	--perf-top) perftop=$2 ;;
	--kprof) kprof=$2 ;;
	*) echo "usage: bench/memory.sh [--minutes M] [--every S] [--threads N] [--duty F]" \
		"[--perf-top yes] [--kprof PATH]" >&2
	   exit 2 ;;
	esac
	shift 2
done
[ $# -eq 0 ] || { echo "bench/memory.sh: $1 needs a value" >&2; exit 2; }
command -v tmux >/dev/null 2>&1 || { echo "bench/memory.sh: needs tmux" >&2; exit 2; }
# ASan keeps freed memory in quarantine (256 MB): RSS would grow with
# every allocation, whatever the program keeps.
if ldd "$kprof" 2>/dev/null | grep -q libasan; then
	echo "bench/memory.sh: $kprof is an ASan build: build it without --enable-sanitizers" >&2
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/kprof-memory.XXXXXX")
sock=$work/tmux
target= ptop=
cleanup() {
	tmux -S "$sock" kill-server 2>/dev/null || true
	[ -z "$ptop" ] || kill "$ptop" 2>/dev/null || true
	[ -z "$target" ] || kill "$target" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

${CC:-cc} -O2 -Wall -Wextra -pthread -o "$work/memload" "$here/memload.c"
"$work/memload" --ready "$work/ready" --threads "$threads" --duty "$duty" &
target=$!
while [ ! -e "$work/ready" ]; do sleep 0.1; done

tmux -S "$sock" new-session -d -s kp -x 160 -y 50 \
	"LANG=C.UTF-8 '$kprof' -p $target -d 1 --snapshot '$work/end.json' 2>'$work/err'; echo \$? >'$work/status'"
kpid=
for _ in $(seq 100); do
	kpid=$(pgrep -f -n "^$kprof -p $target" || true)
	[ -n "$kpid" ] && break
	sleep 0.1
done
[ -n "$kpid" ] || { echo "bench/memory.sh: kprof-top did not start: $(cat "$work/err" 2>/dev/null)" >&2; exit 1; }

if [ "$perftop" = yes ]; then
	perf top -F 99 --call-graph dwarf -p "$target" --stdio -d 1 >/dev/null 2>"$work/perf.err" &
	ptop=$!
fi

# rss PID: "VmRSS VmHWM" in kB, or "0 0" once it is gone.
rss() {
	awk '/^VmRSS|^VmHWM/ { v[$1] = $2 } END { print v["VmRSS:"] + 0, v["VmHWM:"] + 0 }' \
		"/proc/$1/status" 2>/dev/null || echo "0 0"
}

start=$(date +%s)
: >"$work/rss"
end=$((start + minutes * 60))
while :; do
	now=$(date +%s)
	echo "$((now - start)) $(rss "$kpid") $([ -n "$ptop" ] && rss "$ptop" || echo "0 0")" >>"$work/rss"
	[ "$now" -lt "$end" ] || break
	sleep "$every"
done
tmux -S "$sock" send-keys -t kp q
for _ in $(seq 300); do [ -s "$work/status" ] && break; sleep 0.1; done

python3 - "$work/rss" "$work/end.json" "$minutes" "$threads" "$duty" "$perftop" <<'PY'
import json, sys
rows = [tuple(int(x) for x in l.split()) for l in open(sys.argv[1]) if len(l.split()) == 5]
perf = any(r[3] for r in rows)
try:
    snap = json.load(open(sys.argv[2]))
    stacks, samples = len(snap["cpu"]["stacks"]), snap["samples"]["taken"]
except (OSError, ValueError, KeyError):
    stacks = samples = None
print("`bench/memory.sh --minutes %s --threads %s --duty %s%s`: kprof-top's live view on a"
      " %s-thread target that keeps reaching new stacks"
      % (sys.argv[3], sys.argv[4], sys.argv[5], " --perf-top yes" if sys.argv[6] == "yes" else "",
         sys.argv[4]))
print()
if perf:
    print("| after | kprof-top RSS, MB | peak | perf top RSS, MB | peak | ratio |")
    print("|---:|---:|---:|---:|---:|---:|")
else:
    print("| after | RSS, MB | peak RSS, MB |")
    print("|---:|---:|---:|")
marks = set([rows[-1][0]])
for m in (60, 300, 600, 900, 1800):
    marks.update([r[0] for r in rows if r[0] >= m][:1])
for t, rss, hwm, prss, phwm in rows:
    if t not in marks:
        continue
    if perf:
        print("| %d min | %.1f | %.1f | %.1f | %.1f | %.2f |" % (round(t / 60), rss / 1024, hwm / 1024,
              prss / 1024, phwm / 1024, rss / prss if prss else 0))
    else:
        print("| %d min | %.1f | %.1f |" % (round(t / 60), rss / 1024, hwm / 1024))
if len(rows) >= 4:
    half = rows[len(rows) // 2:]
    slope = (half[-1][1] - half[0][1]) / max(1, half[-1][0] - half[0][0]) * 3600 / 1024
    print()
    print("RSS slope over the second half of the run: %+.1f MB/hour" % slope)
if stacks is not None:
    print("At the end: %d distinct stacks in the snapshot, %d samples taken." % (stacks, samples))
PY
