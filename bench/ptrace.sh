#!/bin/sh
# bench/ptrace.sh: what the ptrace backend costs its target, against the perf
# backend, at 49/99/199 Hz on the one-thread CPU-bound bench/spin.c target
# (the same target and method as bench/overhead.sh: configurations
# interleaved in a shuffled order each round, medians over rounds, slowdown
# from the median 100 ms slice rate).  Also the profiler's own CPU, and the
# time a ptrace sample kept the thread stopped (from the report's backend
# line: PTRACE_INTERRUPT to PTRACE_CONT).
#
#   bench/ptrace.sh [--rounds 3] [--window 4] [--rates "49 99 199"] [--kprof ./kprof-top]
#
# Prints a Markdown table for docs/performance.md.  Needs gcc, python3; the
# perf rows need perf events (they fail and are left out otherwise).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/kprof-ptrace.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

gcc -O2 -Wall -Wextra -o "$work/spin" "$here/spin.c"

python3 - "$work" "$top" "$here" "$@" <<'PY'
import json, os, re, signal, statistics, subprocess, sys, time
sys.path.insert(0, sys.argv[3])
from benchlib import Bench, Profiler, fmt, kill_all, loadavg, machine, med, opt, \
    round_means, row, slice_rate, table_head, unlink, wait_file

work, top = sys.argv[1], sys.argv[2]
b = Bench("ptrace", "bench/ptrace.sh", top, sys.argv[4:], rounds=3, window=4.0,
          before_kprof=[opt("--rates", default="49 99 199")])
args = b.args
rates = [int(r) for r in args.rates.split()]
target_cpu = b.ncpu - 1

configs = [("baseline", 0)] * 2
for hz in rates:
    for backend in ("perf", "ptrace"):
        configs.append((backend, hz))

def run_once(_, cfg):
    backend, hz = cfg
    ready, out = os.path.join(work, "ready"), os.path.join(work, "out.json")
    unlink(ready, out)
    target = subprocess.Popen([os.path.join(work, "spin"), "--ready", ready, "--out", out,
                               "--window", str(args.window)],
                              preexec_fn=lambda: os.sched_setaffinity(0, {target_cpu}))
    prof = None
    try:
        wait_file(ready, 10, [target])
        if backend != "baseline":
            prof = Profiler(backend, work)
            prof.start([args.kprof, "-b", "--backend", backend, "-F", str(hz),
                        "--duration", "600", "-p", str(target.pid)])
            if backend == "perf":
                prof.wait_set_up(15, settle=0)
            else:   # no perf fds: wait until the target is traced
                end = time.monotonic() + 15
                while "TracerPid:\t0" in open("/proc/%d/status" % target.pid).read():
                    if prof.proc.poll() is not None or time.monotonic() > end:
                        raise prof.error("did not seize the target")
                    time.sleep(0.02)
            time.sleep(0.3)
        target.send_signal(signal.SIGUSR1)
        target.wait(timeout=args.window + 30)
        if target.returncode != 0:
            raise RuntimeError("spin exited with status %d" % target.returncode)
        res = json.load(open(out))
        res["prof_pct"] = res["stop_us"] = None
        if prof:
            cpu, wall = prof.finish(30, timeout_sig=signal.SIGINT, grace=30, ok_status=(0,))
            res["prof_pct"] = 100.0 * cpu / wall
            m = re.search(r"threads stopped (\d+) us per sample", prof.output())
            if m:
                res["stop_us"] = float(m.group(1))
        return res
    finally:
        kill_all(target, prof and prof.proc)
        if prof:
            prof.close()

results = b.run_rounds(configs, run_once, key=lambda w, c: c, label=lambda w, c: "%s %d Hz" % c)
robust = lambda x: slice_rate(x, "units_per_s")
base = [robust(x) for x in results.get(("baseline", 0), [])]
if not base:
    b.note("no baseline run succeeded"); sys.exit(1)
base_med = statistics.median(base)
rb = round_means(results[("baseline", 0)], robust)

print("ptrace vs perf backend, one-thread CPU-bound target (bench/spin.c) pinned to CPU %d;"
      % target_cpu)
print("%d rounds x %.1f s, interleaved; medians. Machine: %s, load average %s at the end."
      % (args.rounds, args.window, machine(b.ncpu), loadavg()))
print()
table_head(["backend", "rate (Hz)", "target slowdown, median % (min … max)",
            "paired with its round's baseline, %", "profiler CPU, % of a core",
            "thread stopped per sample, us"], right_from=1)
bs = [100.0 * (1 - v / base_med) for v in base]
row(["none (baseline)", "–", "%+.2f (%+.1f … %+.1f)" % (statistics.median(bs), min(bs), max(bs)),
     "–", "–", "–"])
for hz in rates:
    for backend in ("perf", "ptrace"):
        runs = results.get((backend, hz))
        if not runs:
            continue
        slow = [100.0 * (1 - robust(x) / base_med) for x in runs]
        paired = [100.0 * (1 - robust(x) / rb[x["round"]]) for x in runs if x["round"] in rb]
        row([backend, "%d" % hz,
             "%s (%s … %s)" % (fmt(med(slow), "%+.2f"), fmt(min(slow), "%+.1f"), fmt(max(slow), "%+.1f")),
             fmt(med(paired), "%+.2f"), fmt(med([x["prof_pct"] for x in runs]), "%.2f"),
             fmt(med([x["stop_us"] for x in runs if x["stop_us"] is not None]), "%.0f")])
print()
b.print_command()
PY
