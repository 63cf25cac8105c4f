#!/bin/sh
# bench/overhead.sh: how much does CPU sampling slow its target down, and
# how much CPU does the profiler itself use?  kprof-top (dwarf and fp call
# graphs) against perf record -g and perf record --call-graph dwarf, at the
# same rates, in the same run, on a one-thread CPU-bound target (bench/spin.c)
# that measures its own work rate.  Configurations are interleaved in a
# shuffled order each round, so drift in the machine's speed hits all alike;
# the table shows medians over the rounds.
#
#   bench/overhead.sh [--rounds 5] [--window 4] [--rates "99 499 999"]
#                     [--kprof ./kprof-top] [--target-cpu N] [--no-perf]
#
# Prints a Markdown table for docs/performance.md, with the command.  Runs
# ~6–8 minutes at the defaults.  Needs: gcc, python3, perf events; perf for
# the perf columns (they are left out, with a note, if perf is missing).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/kprof-overhead.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

gcc -O2 -Wall -Wextra -o "$work/spin" "$here/spin.c"

# The Python shared with the other benches (options, processes, /proc, rounds,
# tables) is in bench/benchlib.py.
python3 - "$work" "$top" "$here" "$@" <<'PY'
import json, os, re, signal, statistics, subprocess, sys, time
sys.dont_write_bytecode = True  # no __pycache__ left in bench/
sys.path.insert(0, sys.argv[3])
from benchlib import Bench, Profiler, fmt, kill_all, loadavg, machine, med, opt, round_means, \
    row, slice_rate, spread_pct, table_head, unlink, wait_file, which

work, top = sys.argv[1], sys.argv[2]
b = Bench("overhead", "bench/overhead.sh", top, sys.argv[4:], rounds=5, window=4.0,
          before_kprof=[opt("--rates", default="99 499 999")],
          after_kprof=[opt("--target-cpu", type=int, default=None,
                           help="CPU to pin the target to (default: the last one; -1: no pinning)"),
                       opt("--no-perf", action="store_true", help="leave out the perf record columns")],
          no_kprof_help="leave out kprof-top (perf only)")
args = b.args
rates = [int(r) for r in args.rates.split()]

ncpu = b.ncpu
target_cpu = (ncpu - 1) if args.target_cpu is None else args.target_cpu
have_perf = not args.no_perf and which("perf") is not None
if not args.no_perf and not have_perf:
    b.note("perf not found: perf columns left out")

# (name, mode, rate, argv builder); the target pid is filled in per run.
configs = [("baseline", "-", 0, None)] * 2  # twice a round: the reference matters most
for hz in rates:
    if b.have_kprof:
        for mode in ("dwarf", "fp"):
            configs.append(("kprof-top", mode, hz, lambda pid, out, hz=hz, mode=mode:
                [args.kprof, "-b", "-F", str(hz), "--call-graph", mode, "--duration", "600",
                 "-p", str(pid)]))
    if have_perf:
        configs.append(("perf record", "-g", hz, lambda pid, out, hz=hz:
            ["perf", "record", "-q", "-F", str(hz), "-g", "-o", out, "-p", str(pid)]))
        configs.append(("perf record", "--call-graph dwarf", hz, lambda pid, out, hz=hz:
            ["perf", "record", "-q", "-F", str(hz), "--call-graph", "dwarf", "-o", out,
             "-p", str(pid)]))

def run_once(workload, cfg):
    name, mode, hz, build = cfg
    ready, out = os.path.join(work, "ready"), os.path.join(work, "out.json")
    perf_out = os.path.join(work, "perf.data")
    unlink(ready, out)
    pre = None
    if target_cpu >= 0:
        pre = lambda: os.sched_setaffinity(0, {target_cpu})
    target = subprocess.Popen([os.path.join(work, "spin"), "--ready", ready, "--out", out,
                               "--window", str(args.window)], preexec_fn=pre)
    prof = None
    try:
        wait_file(ready, 10, [target])
        if build:
            prof = Profiler(name, work)
            prof.start(build(target.pid, perf_out))
            prof.wait_set_up(15, settle=0)
            time.sleep(0.3)  # let it finish setting up (rings, maps) before the window
        target.send_signal(signal.SIGUSR1)
        target.wait(timeout=args.window + 30)
        if target.returncode != 0:
            raise RuntimeError("spin exited with status %d" % target.returncode)
        with open(out) as f:
            res = json.load(f)
        res["prof_cpu_s"] = res["prof_wall_s"] = res["kprof_cpu_s"] = None
        if prof:
            # Both end by themselves when the target exits; reap() bounds it
            # (SIGINT if they do not).
            res["prof_cpu_s"], res["prof_wall_s"] = prof.finish(
                30, timeout_sig=signal.SIGINT, grace=30, ok_status=(0,))
            m = re.search(r"^profiler:\s+([0-9.]+) s of CPU", prof.output(), re.M)
            if m:
                res["kprof_cpu_s"] = float(m.group(1))
        return res
    finally:
        kill_all(target, prof and prof.proc)
        if prof:
            prof.close()
        unlink(perf_out, perf_out + ".old")

b.note("%d configurations x %d rounds, %.1f s windows, target pinned to CPU %s"
       % (len(configs), args.rounds, args.window, target_cpu if target_cpu >= 0 else "none"))
results = b.run_rounds(configs, run_once, key=lambda w, c: c[:3],
                       label=lambda w, c: "%s %s %s Hz" % c[:3])

# Two rates per run: the whole window's, and the median of its 100 ms
# slices, which bursts of unrelated load on a shared machine do not move
# (sampling costs the same in every slice).  The robust one leads the table.
def robust(x):
    return slice_rate(x, "units_per_s")

base_runs = results.get(("baseline", "-", 0), [])
if not base_runs:
    b.note("no baseline run succeeded"); sys.exit(1)
base = [robust(x) for x in base_runs]
base_med = statistics.median(base)
base_whole_med = statistics.median(x["units_per_s"] for x in base_runs)
target_share = statistics.median(x["cpu_s"] / x["wall_s"] for x in base_runs)

# Paired: each run against the baselines of its own round.
round_base = round_means(base_runs, robust)

def paired(runs):
    return [100.0 * (1 - robust(x) / round_base[x["round"]]) for x in runs if x["round"] in round_base]

print("Target slowdown from CPU sampling, one-thread CPU-bound target (bench/spin.c)")
print("pinned to CPU %s; %d rounds x %.1f s windows, configurations interleaved; medians."
      % (target_cpu if target_cpu >= 0 else "none", args.rounds, args.window))
print("Machine: %s, load average %s at the end. Baseline: %.0f units/s"
      " (median 100 ms slice), spread %.1f %% min–max; the target had %.0f %% of its CPU."
      % (machine(ncpu), loadavg(), base_med, spread_pct(base, base_med), 100 * target_share))
if target_share < 0.95 or (max(base) - min(base)) / base_med > 0.05:
    print()
    print("**Warning: the machine was busy (the baseline target did not get its CPU, or"
          " its rate varied by more than 5 %). Differences below the baseline row's spread"
          " are noise; re-run on an idle machine before quoting these numbers.**")
print()
table_head(["profiler", "call graph", "rate (Hz)", "target slowdown, median % (min … max)",
            "paired with its round's baseline, median %", "whole-window slowdown, median %",
            "profiler CPU, % of one core", "kprof-top's own report, s CPU"], right_from=2)
bslow = [100.0 * (1 - v / base_med) for v in base]
bwhole = [100.0 * (1 - x["units_per_s"] / base_whole_med) for x in base_runs]
row(["none (baseline: the noise floor)", "–", "–",
     "%+.2f (%+.1f … %+.1f)" % (statistics.median(bslow), min(bslow), max(bslow)),
     fmt(med(paired(base_runs)), "%+.2f"), "%+.2f" % statistics.median(bwhole), "–", "–"])
for hz in rates:
    for key in [k for k in (c[:3] for c in configs) if k[2] == hz]:
        if key not in results:
            continue
        runs = results[key]
        slow = [100.0 * (1 - robust(x) / base_med) for x in runs]
        whole = [100.0 * (1 - x["units_per_s"] / base_whole_med) for x in runs]
        prof_pct = [100.0 * x["prof_cpu_s"] / x["prof_wall_s"] for x in runs if x["prof_cpu_s"] is not None]
        row([key[0], key[1], "%d" % hz,
             "%s (%s … %s)" % (fmt(med(slow), "%+.2f"), fmt(min(slow), "%+.1f"), fmt(max(slow), "%+.1f")),
             fmt(med(paired(runs)), "%+.2f"), fmt(med(whole), "%+.2f"), fmt(med(prof_pct), "%.2f"),
             fmt(med([x["kprof_cpu_s"] for x in runs]), "%.3f")])
print()
print("Slowdown = 1 − (target work rate) / (median baseline work rate); negative = noise.")
print("Work rate = median over the run's 100 ms slices (robust to bursts of other load);")
print("the whole-window column uses the plain rate over the whole window instead.")
print("Profiler CPU = user+sys CPU of the profiler process and its children (wait4 rusage)")
print("over its whole life (attach to exit, incl. perf's file post-processing), / its wall time.")
print()
b.print_command()
PY
