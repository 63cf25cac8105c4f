#!/bin/sh
# bench/syscalls.sh: what tracing syscalls (futex waits, read/write-family
# transfers) costs a syscall-heavy target, and the profiler itself.  Two
# targets from bench/sysload.c: (a) one thread write(2)ing 64 bytes to
# /dev/null at a paced 200 000 calls/s, (b) a 4-thread mutex ping-pong (a
# token passed round under one mutex, each thread waiting for its turn on
# its own condvar: every handoff a futex wake and wait, as fast as they
# can).  Each run attaches one configuration:
# nothing (baseline, twice a round), kprof-top --trace none, --trace all
# (every call traced), the default --trace auto (which stops tracing when
# it costs over 5 %), and as references perf trace -s on the same
# syscalls and perf record -e raw_syscalls:*.  Configurations are shuffled
# in every round; the table shows medians over the rounds, each run also
# paired with its own round's baseline.
#
#   bench/syscalls.sh [--rounds 3] [--window 3] [--write-rate 200000]
#                     [--workloads "write mutex"] [--kprof ./kprof-top]
#                     [--no-perf] [--no-kprof]
#
# Prints a Markdown table per workload for docs/performance.md, with the
# command.  About 3 minutes at the defaults.  Needs: cc, python3, perf
# events with tracepoints (root, or CAP_PERFMON with tracefs readable);
# perf for the reference rows (left out, with a note, if it is missing).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/kprof-syscalls.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

${CC:-cc} -O2 -Wall -Wextra -pthread -o "$work/sysload" "$here/sysload.c"

# The Python shared with the other benches (options, processes, /proc, rounds,
# tables) is in bench/benchlib.py.
python3 - "$work" "$top" "$here" "$@" <<'PY'
import json, os, signal, statistics, subprocess, sys, time
sys.dont_write_bytecode = True  # no __pycache__ left in bench/
sys.path.insert(0, sys.argv[3])
from benchlib import Bench, Profiler, config_names, fmt, kill_all, loadavg, machine, med, opt, \
    proc_cpu, round_means, row, slice_rate, spread_pct, table_head, unlink, wait_file, which

work, top = sys.argv[1], sys.argv[2]
b = Bench("syscalls", "bench/syscalls.sh", top, sys.argv[4:], rounds=3, window=3.0,
          before_kprof=[opt("--write-rate", type=int, default=200000,
                            help="write(2)s per second in the write target"),
                        opt("--workloads", default="write mutex")],
          after_kprof=[opt("--no-perf", action="store_true", help="leave out the perf reference rows")])
args = b.args
workloads = args.workloads.split()

ncpu = b.ncpu
have_perf = not args.no_perf and which("perf") is not None
if not args.no_perf and not have_perf:
    b.note("perf not found: reference rows left out")

# The syscalls kprof-top traces, for perf trace's filter (no globs: perf 6.1
# crashes on some).
TRACED = "futex,read,write,pread64,pwrite64,readv,writev,preadv,pwritev,close"
configs = [("baseline", None)] * 2
if b.have_kprof:
    configs.append(("kprof-top --trace none", lambda pid, out:
        [args.kprof, "-b", "--trace", "none", "--duration", "600", "-p", str(pid)]))
    # --trace all: what tracing every call costs; the default (auto) stops
    # tracing when that passes 5 % of the target's CPU, so it shows the guard.
    configs.append(("kprof-top --trace all", lambda pid, out:
        [args.kprof, "-b", "--trace", "all", "--duration", "600", "-p", str(pid)]))
    configs.append(("kprof-top (default: --trace auto)", lambda pid, out:
        [args.kprof, "-b", "--duration", "600", "-p", str(pid)]))
if have_perf:
    configs.append(("perf trace -s", lambda pid, out:
        ["perf", "trace", "-s", "-e", TRACED, "-o", out, "-p", str(pid)]))
    configs.append(("perf record -e raw_syscalls:*", lambda pid, out:
        ["perf", "record", "-q", "-e", "raw_syscalls:sys_enter", "-e", "raw_syscalls:sys_exit",
         "-o", out, "-p", str(pid)]))
names = config_names(configs)

def target_argv(workload, ready, out):
    base = [os.path.join(work, "sysload"), workload, "--ready", ready, "--out", out,
            "--window", str(args.window)]
    if workload == "write":
        return base + ["--rate", str(args.write_rate), "--size", "64", "--file", "/dev/null"]
    return base + ["--threads", "4"]

def run_once(workload, cfg):
    name, build = cfg
    ready, out = os.path.join(work, "ready"), os.path.join(work, "out.json")
    prof_data = os.path.join(work, "prof.data")
    unlink(ready, out, prof_data)
    # Targets are pinned to the last CPU, the profiler is not: it gets the
    # others.  The ping-pong on one CPU is a chain of context switches;
    # spread over CPUs it is a chain of cross-CPU wakeups whose speed
    # depends on what else runs (on a shared 2-vCPU VM its rate varied
    # 3-5x between runs).
    pre = (lambda: os.sched_setaffinity(0, {ncpu - 1})) if ncpu > 1 else None
    target = subprocess.Popen(target_argv(workload, ready, out), preexec_fn=pre)
    prof = None
    try:
        wait_file(ready, 10, [target])
        if build:
            prof = Profiler(name, work)
            prof.start(build(target.pid, prof_data))
            # Attached, and done opening events: its perf fd count has held
            # still for 0.5 s.
            prof.wait_set_up(20, settle=0.5)
            cpu0, w0 = proc_cpu(prof.proc.pid), time.monotonic()
        target.send_signal(signal.SIGUSR1)
        target.wait(timeout=args.window + 60)
        if target.returncode != 0:
            raise RuntimeError("sysload exited with status %d" % target.returncode)
        with open(out) as f:
            res = json.load(f)
        res["prof_window_pct"] = res["prof_life_pct"] = None
        if prof:
            cpu1, w1 = proc_cpu(prof.proc.pid), time.monotonic()
            if cpu0 is not None and cpu1 is not None:
                res["prof_window_pct"] = 100.0 * (cpu1 - cpu0) / (w1 - w0)
            cpu, wall = prof.finish(60, sig=signal.SIGINT)
            res["prof_life_pct"] = 100.0 * cpu / wall
        return res
    finally:
        kill_all(target, prof and prof.proc)
        if prof:
            prof.close()
        unlink(prof_data, prof_data + ".old")

b.note("%d configurations x %d workloads x %d rounds, %.1f s windows"
       % (len(configs), len(workloads), args.rounds, args.window))
results = b.run_rounds(configs, run_once, workloads)

def rate(x):
    return slice_rate(x, "calls_per_s")

print("Cost of syscall tracing on syscall-heavy targets (bench/sysload.c); %d rounds x %.1f s"
      " windows, configurations shuffled in each round; medians." % (args.rounds, args.window))
print("Machine: %s, load average %s at the end." % (machine(ncpu), loadavg()))
what = {
    "write": "one thread, write(2) of 64 bytes to /dev/null paced at %d calls/s, pinned to CPU %d"
             % (args.write_rate, ncpu - 1),
    "mutex": "four threads passing a token round under one pthread mutex, each waiting on its own condvar:"
             " every handoff a futex wake + wait; pinned to CPU %d" % (ncpu - 1),
}
for workload in workloads:
    base_runs = results.get((workload, "baseline"), [])
    if not base_runs:
        b.note("%s: no baseline run succeeded" % workload)
        continue
    rb = round_means(base_runs, rate)
    cb = round_means(base_runs, lambda x: x["cpu_us_per_call"])
    print()
    print("**%s** (%s). Baseline spread %.1f %% min–max."
          % (workload, what[workload], spread_pct([rate(x) for x in base_runs])))
    print()
    table_head(["profiler", "calls/s, median (min … max)", "slowdown, paired, median %",
                "target CPU µs/call", "target CPU per call vs baseline, paired, median %",
                "profiler CPU in the window, % of a core", "profiler CPU over its life, %"])
    for name in names:
        runs = results.get((workload, name), [])
        if not runs:
            continue
        rates = [rate(x) for x in runs]
        slow = [100.0 * (1 - rate(x) / rb[x["round"]]) for x in runs if x["round"] in rb]
        cpuinc = [100.0 * (x["cpu_us_per_call"] / cb[x["round"]] - 1) for x in runs if x["round"] in cb]
        row([name, "%.0f (%.0f … %.0f)" % (statistics.median(rates), min(rates), max(rates)),
             fmt(med(slow), "%+.1f"), fmt(med([x["cpu_us_per_call"] for x in runs]), "%.3f"),
             fmt(med(cpuinc), "%+.1f"), fmt(med([x["prof_window_pct"] for x in runs]), "%.1f"),
             fmt(med([x["prof_life_pct"] for x in runs]), "%.1f")])
print()
print("calls/s = median over the run's 100 ms slices (write(2)s, or token handoffs).")
print("Slowdown = 1 − rate / its round's baseline rate; a paced target keeps its rate while it")
print("can, so for `write` read the CPU per call: the target's user+system time over the window")
print("per call, against its round's baseline. Profiler CPU in the window = utime+stime from")
print("/proc/PID/stat over the measured window; over its life = wait4 rusage / wall time.")
print()
b.print_command()
PY
