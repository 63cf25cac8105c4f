#!/bin/sh
# bench/alloc.sh: what each way of finding allocation sites costs the
# program it watches, and the profiler itself (issue 6).  The target is
# bench/allocload.c: one thread freeing and allocating 16–512-byte blocks
# over a 256-slot pool, (a) "heavy": as fast as it can (tens of millions of
# malloc+free pairs a second: glibc's fastest path, the worst case for any
# per-call hook), (b) "light": paced at 20 000 pairs/s.  Each run watches it
# with one configuration:
#   baseline                      nothing (twice a round)
#   kprof-top attach (faults)     kprof-top -b -p PID: CPU samples + sampled
#                                 page faults, the attach default
#   kprof-top --alloc-sites       attach with uprobes on malloc/free
#   kprof-top launch (preload)    kprof-top -b -- allocload: the LD_PRELOAD
#                                 shim sampling one allocation per 512 KiB
#   heaptrack (launch)            the reference: heaptrack -o FILE -- allocload
#                                 (records every call), where installed
# Heavy shows the cost as slowdown of its pair rate; light keeps its paced
# rate while it can, so its cost shows as target CPU per pair (user+system
# over the window / pairs), each paired with its round's baseline.  The
# profiler's CPU is given over the window (utime+stime of it and its
# descendants but the target, from /proc) and over its life (wait4 rusage
# over its wall time; for launchers minus the target's own CPU time).
# Configurations are shuffled each round; the table shows medians over the
# rounds.
#
#   bench/alloc.sh [--rounds 3] [--window 3] [--light-rate 20000]
#                  [--workloads "heavy light"] [--kprof ./kprof-top]
#                  [--no-heaptrack] [--no-kprof]
#
# Prints a Markdown table per workload for docs/performance.md, with the
# command.  About 2½ minutes at the defaults.  Needs: cc, python3, perf
# events (root, or kernel.perf_event_paranoid <= 1 for attaching; uprobes
# need root or CAP_PERFMON), libkprof-alloc.so built; heaptrack (Debian
# package) for its rows.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/kprof-alloc-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

${CC:-cc} -O2 -Wall -Wextra -pthread -o "$work/allocload" "$here/allocload.c"

# The Python shared with the other benches (options, processes, /proc, rounds,
# tables) is in bench/benchlib.py.
python3 - "$work" "$top" "$here" "$@" <<'PY'
import json, os, signal, statistics, subprocess, sys, time
sys.dont_write_bytecode = True  # no __pycache__ left in bench/
sys.path.insert(0, sys.argv[3])
from benchlib import Bench, Profiler, config_names, fmt, kill_all, loadavg, machine, maps_has, \
    med, opt, round_means, row, slice_rate, spread_pct, table_head, tree_cpu, unlink, wait_file, which

work, top = sys.argv[1], sys.argv[2]
b = Bench("alloc", "bench/alloc.sh", top, sys.argv[4:], rounds=3, window=3.0,
          before_kprof=[opt("--light-rate", type=int, default=20000,
                            help="malloc+free pairs/s of the light target"),
                        opt("--workloads", default="heavy light")],
          after_kprof=[opt("--no-heaptrack", action="store_true", help="leave out the heaptrack rows")])
args = b.args
workloads = args.workloads.split()

ncpu = b.ncpu
target_cpu = ncpu - 1 if ncpu > 1 else -1
heaptrack = None
if not args.no_heaptrack:
    heaptrack = which("heaptrack")
    if not heaptrack:
        b.note("heaptrack not found: its rows left out (Debian: apt-get install heaptrack)")

# (name, how: "attach" or "launch", argv builder, what marks it set up)
# Attach builders get the target's pid; launch builders the target's argv.
configs = [("baseline", "none", None, None)] * 2
if b.have_kprof:
    configs.append(("kprof-top attach (faults)", "attach", lambda pid, snap:
        [args.kprof, "-b", "--duration", "600", "-p", str(pid), "--snapshot", snap], "perf"))
    configs.append(("kprof-top --alloc-sites (uprobes)", "attach", lambda pid, snap:
        [args.kprof, "-b", "--alloc-sites", "--duration", "600", "-p", str(pid), "--snapshot", snap], "perf"))
    configs.append(("kprof-top launch (preload)", "launch", lambda argv, snap:
        [args.kprof, "-b", "--snapshot", snap, "--"] + argv, "libkprof-alloc"))
if heaptrack:
    configs.append(("heaptrack (launch)", "launch", lambda argv, snap:
        [heaptrack, "-o", os.path.join(work, "ht")] + argv, "libheaptrack_preload"))
names = config_names(configs)

def target_argv(workload, ready, out):
    argv = [os.path.join(work, "allocload"), "--ready", ready, "--out", out,
            "--window", str(args.window), "--cpu", str(target_cpu)]
    return argv + ["--rate", str(args.light_rate if workload == "light" else 0)]

def run_once(workload, cfg):
    name, how, build, marker = cfg
    ready, out, snap = (os.path.join(work, x) for x in ("ready", "out.json", "snap.json"))
    unlink(ready, out, snap)
    argv = target_argv(workload, ready, out)
    target = None
    prof = Profiler(name, work)
    try:
        if how == "launch":
            prof.start(build(argv, snap))
            wait_file(ready, 20, [prof.proc])
            tpid = int(open(ready).read())
        else:
            target = subprocess.Popen(argv)
            wait_file(ready, 10, [target])
            tpid = target.pid
            if how == "attach":
                prof.start(build(tpid, snap))
        if prof.proc:
            # Set up: the preload library is in the target, and (kprof-top)
            # its perf fd count has held still for 0.5 s: CPU events
            # first, page-fault events or uprobes after.  Launchers: a
            # second more, for the target's warm-up batch to go through
            # their hooks.
            if marker == "perf":
                ok = lambda n: n > 0
            else:
                ok = lambda n: maps_has(tpid, marker)
            prof.wait_set_up(30, settle=0.5 if how == "attach" else 1.0, ok=ok)
            cpu0, w0 = tree_cpu(prof.proc.pid, tpid), time.monotonic()
        os.kill(tpid, signal.SIGUSR1)
        wait_file(out, args.window + 60, [p for p in (target, prof.proc) if p])
        res = {}
        end = time.monotonic() + 10
        while True:
            try:
                with open(out) as f:
                    res = json.load(f)
                break
            except ValueError:
                if time.monotonic() > end:
                    raise RuntimeError("unreadable %s" % out)
                time.sleep(0.02)
        res["prof_window_pct"] = res["prof_life_pct"] = res["self_pct"] = None
        if prof.proc:
            cpu1, w1 = tree_cpu(prof.proc.pid, tpid), time.monotonic()
            res["prof_window_pct"] = 100.0 * (cpu1 - cpu0) / (w1 - w0)
        if target:
            target.wait(timeout=30)
            if target.returncode != 0:
                raise RuntimeError("allocload exited with status %d" % target.returncode)
        if prof.proc:
            # An attached profiler is stopped; a launcher ends with its target.
            cpu, wall = prof.finish(120, sig=signal.SIGINT if how == "attach" else None)
            if how == "launch":
                cpu -= res["cpu_total_s"]  # the target was its child
            res["prof_life_pct"] = 100.0 * cpu / wall
            if os.path.exists(snap):
                try:
                    res["self_pct"] = json.load(open(snap))["profiler"]["cpu_pct"]
                except (ValueError, KeyError, OSError):
                    pass
        return res
    finally:
        kill_all(target, prof.proc)
        prof.close()
        for f in os.listdir(work):
            if f.startswith("ht"):
                os.unlink(os.path.join(work, f))

load0 = os.getloadavg()
b.note("%d configurations x %d workloads x %d rounds, %.1f s windows; load average %.2f at the start"
       % (len(configs), len(workloads), args.rounds, args.window, load0[0]))
results = b.run_rounds(configs, run_once, workloads,
                       errors=(RuntimeError, OSError, subprocess.TimeoutExpired))

def rate(x):
    return slice_rate(x, "calls_per_s")

print("Cost of finding allocation sites (bench/allocload.c); %d rounds x %.1f s windows,"
      " configurations shuffled in each round; medians." % (args.rounds, args.window))
print("Machine: %s, load average %.2f at the start, %s at the end."
      % (machine(ncpu), load0[0], loadavg()))
what = {
    "heavy": "one thread, free+malloc of 16–512 B over a 256-slot pool, as fast as it can",
    "light": "the same loop paced at %d pairs/s" % args.light_rate,
}
for workload in workloads:
    base_runs = results.get((workload, "baseline"), [])
    if not base_runs:
        b.note("%s: no baseline run succeeded" % workload)
        continue
    rb = round_means(base_runs, rate)
    cb = round_means(base_runs, lambda x: x["cpu_us_per_call"])
    print()
    print("**%s** (%s%s). Baseline spread %.1f %% min–max."
          % (workload, what[workload], ", pinned to CPU %d" % target_cpu if target_cpu >= 0 else "",
             spread_pct([rate(x) for x in base_runs])))
    print()
    table_head(["configuration", "pairs/s, median (min … max)", "slowdown ×, paired, median",
                "target CPU ns/pair", "extra ns/pair vs baseline, paired", "target CPU, % of a core",
                "profiler CPU in the window, % of a core", "over its life, %",
                "kprof-top self-reported, %"])
    for name in names:
        runs = results.get((workload, name), [])
        if not runs:
            continue
        rates = [rate(x) for x in runs]
        slow = [rb[x["round"]] / rate(x) for x in runs if x["round"] in rb and rate(x) > 0]
        extra = [1000.0 * (x["cpu_us_per_call"] - cb[x["round"]]) for x in runs if x["round"] in cb]
        row([name, "%.4g (%.4g … %.4g)" % (statistics.median(rates), min(rates), max(rates)),
             fmt(med(slow), "%.2f"),
             fmt(med([1000.0 * x["cpu_us_per_call"] for x in runs]), "%.1f"), fmt(med(extra), "%+.1f"),
             fmt(med([100.0 * x["cpu_s"] / x["wall_s"] for x in runs]), "%.1f"),
             fmt(med([x["prof_window_pct"] for x in runs]), "%.1f"),
             fmt(med([x["prof_life_pct"] for x in runs]), "%.1f"),
             fmt(med([x["self_pct"] for x in runs]), "%.1f")])
print()
print("pairs/s = median over the run's 100 ms slices of malloc+free pairs. Slowdown = its round's")
print("baseline rate / this rate (1.00: none). The light target keeps its paced rate while it can,")
print("so read its target CPU per pair (user+system over the window / pairs) against its round's")
print("baseline. Profiler CPU in the window: utime+stime of the profiler and its descendants other")
print("than the target, from /proc; over its life: wait4 rusage / wall (launchers: minus the")
print("target's own CPU time). kprof-top self-reported: profiler.cpu_pct in its snapshot.")
print()
b.print_command()
PY
