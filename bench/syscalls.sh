#!/bin/sh
# bench/syscalls.sh: what tracing syscalls (futex waits, read/write-family
# transfers) costs a syscall-heavy target, and the profiler itself.  Two
# targets from bench/sysload.c: (a) one thread write(2)ing 64 bytes to
# /dev/null at a paced 200 000 calls/s, (b) a 4-thread mutex ping-pong (a
# token passed round under one mutex, each thread waiting for its turn on
# its own condvar: every handoff a futex wake and wait, as fast as they
# can).  Each run attaches one configuration:
# nothing (baseline, twice a round), kprof-top --trace none, kprof-top
# (default: tracing on), and as references perf trace -s on the same
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

python3 - "$work" "$top" "$@" <<'PY'
import argparse, json, os, random, re, shlex, signal, statistics, subprocess, sys, time

work, top = sys.argv[1], sys.argv[2]
ap = argparse.ArgumentParser(prog="bench/syscalls.sh")
ap.add_argument("--rounds", type=int, default=3)
ap.add_argument("--window", type=float, default=3.0, help="measured seconds per run")
ap.add_argument("--write-rate", type=int, default=200000, help="write(2)s per second in the write target")
ap.add_argument("--workloads", default="write mutex")
ap.add_argument("--kprof", default=os.path.join(top, "kprof-top"))
ap.add_argument("--no-perf", action="store_true", help="leave out the perf reference rows")
ap.add_argument("--no-kprof", action="store_true", help="leave out kprof-top")
ap.add_argument("--seed", type=int, default=1)
args = ap.parse_args(sys.argv[3:])
workloads = args.workloads.split()
command = " ".join(shlex.quote(a) for a in ["bench/syscalls.sh"] + sys.argv[3:])

def note(msg):
    sys.stderr.write("syscalls: %s\n" % msg)
    sys.stderr.flush()

ncpu = os.cpu_count() or 1
have_perf = not args.no_perf and subprocess.run(
    ["sh", "-c", "command -v perf"], stdout=subprocess.DEVNULL).returncode == 0
have_kprof = not args.no_kprof and os.access(args.kprof, os.X_OK)
if not args.no_perf and not have_perf:
    note("perf not found: reference rows left out")
if not args.no_kprof and not have_kprof:
    note("%s not found or not executable: kprof-top rows left out" % args.kprof)

# The syscalls kprof-top traces, for perf trace's filter (no globs: perf 6.1
# crashes on some).
TRACED = "futex,read,write,pread64,pwrite64,readv,writev,preadv,pwritev,close"
configs = [("baseline", None)] * 2
if have_kprof:
    configs.append(("kprof-top --trace none", lambda pid, out:
        [args.kprof, "-b", "--trace", "none", "--duration", "600", "-p", str(pid)]))
    configs.append(("kprof-top (tracing on)", lambda pid, out:
        [args.kprof, "-b", "--duration", "600", "-p", str(pid)]))
if have_perf:
    configs.append(("perf trace -s", lambda pid, out:
        ["perf", "trace", "-s", "-e", TRACED, "-o", out, "-p", str(pid)]))
    configs.append(("perf record -e raw_syscalls:*", lambda pid, out:
        ["perf", "record", "-q", "-e", "raw_syscalls:sys_enter", "-e", "raw_syscalls:sys_exit",
         "-o", out, "-p", str(pid)]))
names = []
for c in configs:
    if c[0] not in names:
        names.append(c[0])

def wait_file(path, secs, proc):
    end = time.monotonic() + secs
    while not (os.path.exists(path) and os.path.getsize(path) > 0):
        if proc.poll() is not None:
            raise RuntimeError("%s ended (status %s) before writing %s" % (proc.args[0], proc.returncode, path))
        if time.monotonic() > end:
            raise RuntimeError("%s not written within %s s" % (path, secs))
        time.sleep(0.02)

def perf_fds(pid):
    n = 0
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                if "perf_event" in os.readlink("/proc/%d/fd/%s" % (pid, fd)):
                    n += 1
            except OSError:
                pass
    except OSError:
        pass
    return n

def proc_cpu(pid):
    """utime+stime (+ reaped children's) of pid in seconds, from /proc."""
    try:
        f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    tck = os.sysconf("SC_CLK_TCK")
    return sum(int(x) for x in f[11:15]) / tck

def reap(proc, secs):
    """Wait (bounded) for proc; return (status, cpu seconds incl. children)."""
    end = time.monotonic() + secs
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, ru.ru_utime + ru.ru_stime
        if time.monotonic() > end:
            proc.kill()
            end = time.monotonic() + 10
        time.sleep(0.02)

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
    for p in (ready, out, prof_data):
        if os.path.exists(p):
            os.unlink(p)
    # Targets are pinned to the last CPU, the profiler is not: it gets the
    # others.  The ping-pong on one CPU is a chain of context switches;
    # spread over CPUs it is a chain of cross-CPU wakeups whose speed
    # depends on what else runs (on a shared 2-vCPU VM its rate varied
    # 3-5x between runs).
    pre = (lambda: os.sched_setaffinity(0, {ncpu - 1})) if ncpu > 1 else None
    target = subprocess.Popen(target_argv(workload, ready, out), preexec_fn=pre)
    prof = None
    try:
        wait_file(ready, 10, target)
        if build:
            t_start = time.monotonic()
            prof_out = open(os.path.join(work, "prof.out"), "w+")
            prof_err = open(os.path.join(work, "prof.err"), "w+")
            prof = subprocess.Popen(build(target.pid, prof_data), stdout=prof_out, stderr=prof_err)
            # Attached, and done opening events: its perf fd count has held
            # still for 0.5 s (CPU events first, tracepoints may follow).
            end, last, since = time.monotonic() + 20, -1, time.monotonic()
            while True:
                n = perf_fds(prof.pid)
                if n != last:
                    last, since = n, time.monotonic()
                elif n > 0 and time.monotonic() - since >= 0.5:
                    break
                if prof.poll() is not None:
                    prof_err.seek(0)
                    raise RuntimeError("%s ended early: %s" % (name, prof_err.read().strip()[:300]))
                if time.monotonic() > end:
                    raise RuntimeError("%s: perf events not set up within 20 s" % name)
                time.sleep(0.02)
            cpu0, w0 = proc_cpu(prof.pid), time.monotonic()
        target.send_signal(signal.SIGUSR1)
        target.wait(timeout=args.window + 60)
        if target.returncode != 0:
            raise RuntimeError("sysload exited with status %d" % target.returncode)
        with open(out) as f:
            res = json.load(f)
        res["prof_window_pct"] = res["prof_life_pct"] = None
        if prof:
            cpu1, w1 = proc_cpu(prof.pid), time.monotonic()
            if cpu0 is not None and cpu1 is not None:
                res["prof_window_pct"] = 100.0 * (cpu1 - cpu0) / (w1 - w0)
            # os.kill, not send_signal: that polls, and would reap the
            # exit status (and rusage) reap() wants.  An exited profiler
            # is a zombie until reaped, so the pid is still its own.
            os.kill(prof.pid, signal.SIGINT)
            status, cpu = reap(prof, 60)
            wall = time.monotonic() - t_start
            prof_err.seek(0)
            err = prof_err.read()
            prof_out.close(); prof_err.close()
            if status not in (0, 130, -signal.SIGINT):
                raise RuntimeError("%s exited with status %d: %s" % (name, status, err.strip()[:300]))
            res["prof_life_pct"] = 100.0 * cpu / wall
        return res
    finally:
        for p in (target, prof):
            if p and p.poll() is None and p.returncode is None:
                p.kill()
                try:
                    os.waitpid(p.pid, 0)
                except ChildProcessError:
                    pass
        for p in (prof_data, prof_data + ".old"):
            if os.path.exists(p):
                os.unlink(p)

rng = random.Random(args.seed)
results = {}
t_begin = time.monotonic()
note("%d configurations x %d workloads x %d rounds, %.1f s windows"
     % (len(configs), len(workloads), args.rounds, args.window))
for r in range(args.rounds):
    for workload in workloads:
        order = list(range(len(configs)))
        rng.shuffle(order)
        for i in order:
            cfg = configs[i]
            try:
                res = run_once(workload, cfg)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                note("round %d, %s, %s: FAILED: %s" % (r + 1, workload, cfg[0], e))
                continue
            res["round"] = r
            results.setdefault((workload, cfg[0]), []).append(res)
    note("round %d/%d done (%.0f s)" % (r + 1, args.rounds, time.monotonic() - t_begin))

def rate(x):
    return statistics.median(x["slice_calls_per_s"]) if x.get("slice_calls_per_s") else x["calls_per_s"]

def med(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None

def fmt(v, f="%.1f"):
    return "–" if v is None else f % v

uname = os.uname()
print("Cost of syscall tracing on syscall-heavy targets (bench/sysload.c); %d rounds x %.1f s"
      " windows, configurations shuffled in each round; medians." % (args.rounds, args.window))
print("Machine: %s %s, %d CPUs, load average %s at the end."
      % (uname.sysname, uname.release, ncpu, " ".join("%.2f" % l for l in os.getloadavg())))
what = {
    "write": "one thread, write(2) of 64 bytes to /dev/null paced at %d calls/s, pinned to CPU %d"
             % (args.write_rate, ncpu - 1),
    "mutex": "four threads passing a token round under one pthread mutex, each waiting on its own condvar:"
             " every handoff a futex wake + wait; pinned to CPU %d" % (ncpu - 1),
}
for workload in workloads:
    base_runs = results.get((workload, "baseline"), [])
    if not base_runs:
        note("%s: no baseline run succeeded" % workload)
        continue
    rb, cb = {}, {}
    for x in base_runs:
        rb.setdefault(x["round"], []).append(rate(x))
        cb.setdefault(x["round"], []).append(x["cpu_us_per_call"])
    rb = dict((k, statistics.mean(v)) for k, v in rb.items())
    cb = dict((k, statistics.mean(v)) for k, v in cb.items())
    base_rates = [rate(x) for x in base_runs]
    spread = 100.0 * (max(base_rates) - min(base_rates)) / statistics.median(base_rates)
    print()
    print("**%s** (%s). Baseline spread %.1f %% min–max." % (workload, what[workload], spread))
    print()
    print("| profiler | calls/s, median (min … max) | slowdown, paired, median % | target CPU µs/call | target CPU per call vs baseline, paired, median % | profiler CPU in the window, % of a core | profiler CPU over its life, % |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in names:
        runs = results.get((workload, name), [])
        if not runs:
            continue
        rates = [rate(x) for x in runs]
        slow = [100.0 * (1 - rate(x) / rb[x["round"]]) for x in runs if x["round"] in rb]
        cpuinc = [100.0 * (x["cpu_us_per_call"] / cb[x["round"]] - 1) for x in runs if x["round"] in cb]
        print("| %s | %.0f (%.0f … %.0f) | %s | %s | %s | %s | %s |" % (
            name, statistics.median(rates), min(rates), max(rates), fmt(med(slow), "%+.1f"),
            fmt(med([x["cpu_us_per_call"] for x in runs]), "%.3f"), fmt(med(cpuinc), "%+.1f"),
            fmt(med([x["prof_window_pct"] for x in runs]), "%.1f"),
            fmt(med([x["prof_life_pct"] for x in runs]), "%.1f")))
print()
print("calls/s = median over the run's 100 ms slices (write(2)s, or token handoffs).")
print("Slowdown = 1 − rate / its round's baseline rate; a paced target keeps its rate while it")
print("can, so for `write` read the CPU per call: the target's user+system time over the window")
print("per call, against its round's baseline. Profiler CPU in the window = utime+stime from")
print("/proc/PID/stat over the measured window; over its life = wait4 rusage / wall time.")
print()
print("Command: `%s` (%.0f s)" % (command, time.monotonic() - t_begin))
PY
