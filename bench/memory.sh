#!/bin/sh
# kprof-top's memory over a long run (DESIGN.md: bounded, under 50 MB after
# an hour on a 16-thread target): the live view (in a detached tmux, the
# screen refreshing every second) attached to bench/memload, 16 threads
# that keep reaching new call stacks (~2.4 million possible).  Every
# --every seconds it reads kprof-top's VmRSS and VmHWM from /proc; at the
# end kprof-top quits (q) and writes a snapshot, whose distinct stacks are
# counted.
#
#   bench/memory.sh [--minutes 60] [--every 60] [--threads 16] [--duty 0.05]
#                   [--kprof ./kprof-top]
#
# Prints a Markdown table for docs/performance.md, with the command.  Takes
# --minutes.  Needs: cc, tmux, python3, perf events (root).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
minutes=60 every=60 threads=16 duty=0.05 kprof=$top/kprof-top
while [ $# -gt 1 ]; do
	case $1 in
	--minutes) minutes=$2 ;;
	--every) every=$2 ;;
	--threads) threads=$2 ;;
	--duty) duty=$2 ;;
	--kprof) kprof=$2 ;;
	*) echo "usage: bench/memory.sh [--minutes M] [--every S] [--threads N] [--duty F] [--kprof PATH]" >&2
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
target=
cleanup() {
	tmux -S "$sock" kill-server 2>/dev/null || true
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

start=$(date +%s)
: >"$work/rss"
end=$((start + minutes * 60))
while :; do
	now=$(date +%s)
	awk -v t=$((now - start)) '/^VmRSS|^VmHWM/ { v[$1] = $2 }
		END { print t, v["VmRSS:"], v["VmHWM:"] }' "/proc/$kpid/status" >>"$work/rss"
	[ "$now" -lt "$end" ] || break
	sleep "$every"
done
tmux -S "$sock" send-keys -t kp q
for _ in $(seq 300); do [ -s "$work/status" ] && break; sleep 0.1; done

python3 - "$work/rss" "$work/end.json" "$minutes" "$threads" "$duty" <<'PY'
import json, sys
rows = [tuple(int(x) for x in l.split()) for l in open(sys.argv[1]) if len(l.split()) == 3]
try:
    snap = json.load(open(sys.argv[2]))
    stacks, samples = len(snap["cpu"]["stacks"]), snap["samples"]["taken"]
except (OSError, ValueError, KeyError):
    stacks = samples = None
print("`bench/memory.sh --minutes %s --threads %s --duty %s`: kprof-top's live view on a"
      " %s-thread target that keeps reaching new stacks" % (sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[4]))
print()
print("| after | RSS, MB | peak RSS, MB |")
print("|---:|---:|---:|")
marks = sorted(set([r[0] for r in rows if r[0] in (60, 300, 600, 1800)] + [rows[-1][0]]))
for t, rss, hwm in rows:
    if t in marks:
        print("| %d min | %.1f | %.1f |" % (round(t / 60), rss / 1024, hwm / 1024))
if len(rows) >= 4:
    half = rows[len(rows) // 2:]
    slope = (half[-1][1] - half[0][1]) / max(1, half[-1][0] - half[0][0]) * 3600 / 1024
    print()
    print("RSS slope over the second half of the run: %+.1f MB/hour" % slope)
if stacks is not None:
    print("At the end: %d distinct stacks in the snapshot, %d samples taken." % (stacks, samples))
PY
