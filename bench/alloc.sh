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

python3 - "$work" "$top" "$@" <<'PY'
import argparse, json, os, random, shlex, signal, statistics, subprocess, sys, time

work, top = sys.argv[1], sys.argv[2]
ap = argparse.ArgumentParser(prog="bench/alloc.sh")
ap.add_argument("--rounds", type=int, default=3)
ap.add_argument("--window", type=float, default=3.0, help="measured seconds per run")
ap.add_argument("--light-rate", type=int, default=20000, help="malloc+free pairs/s of the light target")
ap.add_argument("--workloads", default="heavy light")
ap.add_argument("--kprof", default=os.path.join(top, "kprof-top"))
ap.add_argument("--no-heaptrack", action="store_true", help="leave out the heaptrack rows")
ap.add_argument("--no-kprof", action="store_true", help="leave out kprof-top")
ap.add_argument("--seed", type=int, default=1)
args = ap.parse_args(sys.argv[3:])
workloads = args.workloads.split()
command = " ".join(shlex.quote(a) for a in ["bench/alloc.sh"] + sys.argv[3:])

def note(msg):
    sys.stderr.write("alloc: %s\n" % msg)
    sys.stderr.flush()

ncpu = os.cpu_count() or 1
target_cpu = ncpu - 1 if ncpu > 1 else -1
heaptrack = None
if not args.no_heaptrack:
    heaptrack = subprocess.run(["sh", "-c", "command -v heaptrack"], stdout=subprocess.PIPE,
                               universal_newlines=True).stdout.strip() or None
    if not heaptrack:
        note("heaptrack not found: its rows left out (Debian: apt-get install heaptrack)")
have_kprof = not args.no_kprof and os.access(args.kprof, os.X_OK)
if not args.no_kprof and not have_kprof:
    note("%s not found or not executable: kprof-top rows left out" % args.kprof)

# (name, how: "attach" or "launch", argv builder, what marks it set up)
# Attach builders get the target's pid; launch builders the target's argv.
configs = [("baseline", "none", None, None)] * 2
if have_kprof:
    configs.append(("kprof-top attach (faults)", "attach", lambda pid, snap:
        [args.kprof, "-b", "--duration", "600", "-p", str(pid), "--snapshot", snap], "perf"))
    configs.append(("kprof-top --alloc-sites (uprobes)", "attach", lambda pid, snap:
        [args.kprof, "-b", "--alloc-sites", "--duration", "600", "-p", str(pid), "--snapshot", snap], "perf"))
    configs.append(("kprof-top launch (preload)", "launch", lambda argv, snap:
        [args.kprof, "-b", "--snapshot", snap, "--"] + argv, "libkprof-alloc"))
if heaptrack:
    configs.append(("heaptrack (launch)", "launch", lambda argv, snap:
        [heaptrack, "-o", os.path.join(work, "ht")] + argv, "libheaptrack_preload"))
names = []
for c in configs:
    if c[0] not in names:
        names.append(c[0])

def stat_fields(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None

def tree_cpu(root, exclude):
    """utime+stime (s) of root and its live descendants, leaving out the
    process exclude (the target) and its own descendants."""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            f = stat_fields(int(d))
            if f:
                kids.setdefault(int(f[1]), []).append(int(d))
    tck, total, todo = os.sysconf("SC_CLK_TCK"), 0.0, [root]
    while todo:
        p = todo.pop()
        if p == exclude:
            continue
        f = stat_fields(p)
        if f:
            total += (int(f[11]) + int(f[12])) / tck
        todo.extend(kids.get(p, []))
    return total

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

def maps_has(pid, what):
    try:
        with open("/proc/%d/maps" % pid) as f:
            return what in f.read()
    except OSError:
        return False

def wait_file(path, secs, procs):
    end = time.monotonic() + secs
    while not (os.path.exists(path) and os.path.getsize(path) > 0):
        for p in procs:
            if p.poll() is not None:
                raise RuntimeError("%s ended (status %s) before writing %s"
                                   % (os.path.basename(p.args[0]), p.returncode, path))
        if time.monotonic() > end:
            raise RuntimeError("%s not written within %s s" % (path, secs))
        time.sleep(0.02)

def reap(proc, secs):
    """Wait (bounded) for proc; return (status, cpu s incl. reaped children)."""
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
    argv = [os.path.join(work, "allocload"), "--ready", ready, "--out", out,
            "--window", str(args.window), "--cpu", str(target_cpu)]
    return argv + ["--rate", str(args.light_rate if workload == "light" else 0)]

def run_once(workload, cfg):
    name, how, build, marker = cfg
    ready, out, snap = (os.path.join(work, x) for x in ("ready", "out.json", "snap.json"))
    for p in (ready, out, snap):
        if os.path.exists(p):
            os.unlink(p)
    argv = target_argv(workload, ready, out)
    target = prof = None
    prof_out = open(os.path.join(work, "prof.out"), "w+")
    prof_err = open(os.path.join(work, "prof.err"), "w+")
    def early(what):
        prof_err.seek(0)
        return RuntimeError("%s %s: %s" % (name, what, prof_err.read().strip()[-300:]))
    try:
        t_start = time.monotonic()
        if how == "launch":
            prof = subprocess.Popen(build(argv, snap), stdout=prof_out, stderr=prof_err)
            wait_file(ready, 20, [prof])
            tpid = int(open(ready).read())
        else:
            target = subprocess.Popen(argv)
            wait_file(ready, 10, [target])
            tpid = target.pid
            if how == "attach":
                prof = subprocess.Popen(build(tpid, snap), stdout=prof_out, stderr=prof_err)
        if prof:
            # Set up: the preload library is in the target, and (kprof-top)
            # its perf fd count has held still for 0.5 s: CPU events
            # first, page-fault events or uprobes after.
            end, last, since = time.monotonic() + 30, -1, time.monotonic()
            while True:
                if prof.poll() is not None:
                    raise early("ended early")
                ok = marker != "perf" or perf_fds(prof.pid) > 0
                if marker != "perf" and not maps_has(tpid, marker):
                    ok = False
                n = perf_fds(prof.pid)
                if n != last:
                    last, since = n, time.monotonic()
                # Launchers: a second more, for the target's warm-up batch
                # to go through their hooks.
                settle = 0.5 if how == "attach" else 1.0
                if ok and time.monotonic() - since >= settle:
                    break
                if time.monotonic() > end:
                    raise early("not set up within 30 s")
                time.sleep(0.02)
            cpu0, w0 = tree_cpu(prof.pid, tpid), time.monotonic()
        os.kill(tpid, signal.SIGUSR1)
        wait_file(out, args.window + 60, [p for p in (target, prof) if p])
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
        if prof:
            cpu1, w1 = tree_cpu(prof.pid, tpid), time.monotonic()
            res["prof_window_pct"] = 100.0 * (cpu1 - cpu0) / (w1 - w0)
        if target:
            target.wait(timeout=30)
            if target.returncode != 0:
                raise RuntimeError("allocload exited with status %d" % target.returncode)
        if prof:
            if how == "attach":
                # os.kill, not send_signal: that polls, and would reap the
                # exit status (and rusage) reap() wants.
                os.kill(prof.pid, signal.SIGINT)
            status, cpu = reap(prof, 120)   # a launcher ends with its target
            wall = time.monotonic() - t_start
            if status not in (0, 130, -signal.SIGINT):
                raise early("exited with status %d" % status)
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
        for p in (target, prof):
            if p and p.returncode is None and p.poll() is None:
                p.kill()
                try:
                    os.waitpid(p.pid, 0)
                except ChildProcessError:
                    pass
        prof_out.close()
        prof_err.close()
        for f in os.listdir(work):
            if f.startswith("ht"):
                os.unlink(os.path.join(work, f))

rng = random.Random(args.seed)
results = {}
t_begin = time.monotonic()
load0 = os.getloadavg()
note("%d configurations x %d workloads x %d rounds, %.1f s windows; load average %.2f at the start"
     % (len(configs), len(workloads), args.rounds, args.window, load0[0]))
for r in range(args.rounds):
    for workload in workloads:
        order = list(range(len(configs)))
        rng.shuffle(order)
        for i in order:
            cfg = configs[i]
            try:
                res = run_once(workload, cfg)
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
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
print("Cost of finding allocation sites (bench/allocload.c); %d rounds x %.1f s windows,"
      " configurations shuffled in each round; medians." % (args.rounds, args.window))
print("Machine: %s %s, %d CPUs, load average %.2f at the start, %s at the end."
      % (uname.sysname, uname.release, ncpu, load0[0], " ".join("%.2f" % l for l in os.getloadavg())))
what = {
    "heavy": "one thread, free+malloc of 16–512 B over a 256-slot pool, as fast as it can",
    "light": "the same loop paced at %d pairs/s" % args.light_rate,
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
    print("**%s** (%s%s). Baseline spread %.1f %% min–max."
          % (workload, what[workload], ", pinned to CPU %d" % target_cpu if target_cpu >= 0 else "", spread))
    print()
    print("| configuration | pairs/s, median (min … max) | slowdown ×, paired, median | target CPU ns/pair | extra ns/pair vs baseline, paired | target CPU, % of a core | profiler CPU in the window, % of a core | over its life, % | kprof-top self-reported, % |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in names:
        runs = results.get((workload, name), [])
        if not runs:
            continue
        rates = [rate(x) for x in runs]
        slow = [rb[x["round"]] / rate(x) for x in runs if x["round"] in rb and rate(x) > 0]
        extra = [1000.0 * (x["cpu_us_per_call"] - cb[x["round"]]) for x in runs if x["round"] in cb]
        print("| %s | %s (%s … %s) | %s | %s | %s | %s | %s | %s | %s |" % (
            name, "%.4g" % statistics.median(rates), "%.4g" % min(rates), "%.4g" % max(rates),
            fmt(med(slow), "%.2f"),
            fmt(med([1000.0 * x["cpu_us_per_call"] for x in runs]), "%.1f"), fmt(med(extra), "%+.1f"),
            fmt(med([100.0 * x["cpu_s"] / x["wall_s"] for x in runs]), "%.1f"),
            fmt(med([x["prof_window_pct"] for x in runs]), "%.1f"),
            fmt(med([x["prof_life_pct"] for x in runs]), "%.1f"),
            fmt(med([x["self_pct"] for x in runs]), "%.1f")))
print()
print("pairs/s = median over the run's 100 ms slices of malloc+free pairs. Slowdown = its round's")
print("baseline rate / this rate (1.00: none). The light target keeps its paced rate while it can,")
print("so read its target CPU per pair (user+system over the window / pairs) against its round's")
print("baseline. Profiler CPU in the window: utime+stime of the profiler and its descendants other")
print("than the target, from /proc; over its life: wait4 rusage / wall (launchers: minus the")
print("target's own CPU time). kprof-top self-reported: profiler.cpu_pct in its snapshot.")
print()
print("Command: `%s` (%.0f s)" % (command, time.monotonic() - t_begin))
PY
