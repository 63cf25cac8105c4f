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

python3 - "$work" "$top" "$0" "$@" <<'PY'
import argparse, json, os, random, re, shlex, signal, statistics, subprocess, sys, time

work, top, argv0 = sys.argv[1], sys.argv[2], sys.argv[3]
ap = argparse.ArgumentParser(prog="bench/overhead.sh")
ap.add_argument("--rounds", type=int, default=5)
ap.add_argument("--window", type=float, default=4.0, help="measured seconds per run")
ap.add_argument("--rates", default="99 499 999")
ap.add_argument("--kprof", default=os.path.join(top, "kprof-top"))
ap.add_argument("--target-cpu", type=int, default=None,
                help="CPU to pin the target to (default: the last one; -1: no pinning)")
ap.add_argument("--no-perf", action="store_true", help="leave out the perf record columns")
ap.add_argument("--no-kprof", action="store_true", help="leave out kprof-top (perf only)")
ap.add_argument("--seed", type=int, default=1)
args = ap.parse_args(sys.argv[4:])
rates = [int(r) for r in args.rates.split()]
command = " ".join(shlex.quote(a) for a in ["bench/overhead.sh"] + sys.argv[4:])

def note(msg):
    sys.stderr.write("overhead: %s\n" % msg)
    sys.stderr.flush()

ncpu = os.cpu_count() or 1
target_cpu = (ncpu - 1) if args.target_cpu is None else args.target_cpu
have_perf = not args.no_perf and subprocess.run(
    ["sh", "-c", "command -v perf"], stdout=subprocess.DEVNULL).returncode == 0
have_kprof = not args.no_kprof and os.access(args.kprof, os.X_OK)
if not args.no_perf and not have_perf:
    note("perf not found: perf columns left out")
if not args.no_kprof and not have_kprof:
    note("%s not found or not executable: kprof-top rows left out" % args.kprof)

# (name, mode, rate, argv builder); the target pid is filled in per run.
configs = [("baseline", "-", 0, None)] * 2  # twice a round: the reference matters most
for hz in rates:
    if have_kprof:
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

def wait_file(path, secs, proc):
    end = time.monotonic() + secs
    while not (os.path.exists(path) and os.path.getsize(path) > 0):
        if proc.poll() is not None:
            raise RuntimeError("%s ended (status %s) before writing %s" % (proc.args[0], proc.returncode, path))
        if time.monotonic() > end:
            raise RuntimeError("%s not written within %s s" % (path, secs))
        time.sleep(0.02)

def has_perf_fd(pid):
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                if "perf_event" in os.readlink("/proc/%d/fd/%s" % (pid, fd)):
                    return True
            except OSError:
                pass
    except OSError:
        pass
    return False

def reap(proc, secs):
    """Wait (bounded) for proc; return (status, cpu seconds incl. children, wall)."""
    end = time.monotonic() + secs
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, ru.ru_utime + ru.ru_stime
        if time.monotonic() > end:
            proc.send_signal(signal.SIGINT)
            end = time.monotonic() + 30
        time.sleep(0.02)

def run_once(cfg, i):
    name, mode, hz, build = cfg
    ready, out = os.path.join(work, "ready"), os.path.join(work, "out.json")
    for p in (ready, out):
        if os.path.exists(p):
            os.unlink(p)
    pre = None
    if target_cpu >= 0:
        pre = lambda: os.sched_setaffinity(0, {target_cpu})
    target = subprocess.Popen([os.path.join(work, "spin"), "--ready", ready, "--out", out,
                               "--window", str(args.window)], preexec_fn=pre)
    prof = None
    try:
        wait_file(ready, 10, target)
        if build:
            perf_out = os.path.join(work, "perf.data")
            t_start = time.monotonic()
            # Output to files, not pipes: nobody reads a pipe while we wait.
            prof_out = open(os.path.join(work, "prof.out"), "w+")
            prof_err = open(os.path.join(work, "prof.err"), "w+")
            prof = subprocess.Popen(build(target.pid, perf_out), stdout=prof_out, stderr=prof_err)
            end = time.monotonic() + 15
            while not has_perf_fd(prof.pid):
                if prof.poll() is not None:
                    prof_err.seek(0)
                    raise RuntimeError("%s ended early: %s" % (name, prof_err.read().strip()[:300]))
                if time.monotonic() > end:
                    raise RuntimeError("%s opened no perf event within 15 s" % name)
                time.sleep(0.02)
            time.sleep(0.3)  # let it finish setting up (rings, maps) before the window
        target.send_signal(signal.SIGUSR1)
        target.wait(timeout=args.window + 30)
        if target.returncode != 0:
            raise RuntimeError("spin exited with status %d" % target.returncode)
        with open(out) as f:
            res = json.load(f)
        res["prof_cpu_s"] = res["prof_wall_s"] = res["kprof_cpu_s"] = None
        if prof:
            # Both end by themselves when the target exits; reap() bounds it.
            status, cpu = reap(prof, 30)
            wall = time.monotonic() - t_start
            prof_out.seek(0); prof_err.seek(0)
            text, err = prof_out.read(), prof_err.read()
            prof_out.close(); prof_err.close()
            if status != 0:
                raise RuntimeError("%s exited with status %d: %s" % (name, status, err.strip()[:300]))
            res["prof_cpu_s"], res["prof_wall_s"] = cpu, wall
            m = re.search(r"^profiler:\s+([0-9.]+) s of CPU", text, re.M)
            if m:
                res["kprof_cpu_s"] = float(m.group(1))
        return res
    finally:
        for p in (target, prof):
            if p and p.poll() is None and p.returncode is None:
                p.kill()
                try:
                    os.waitpid(p.pid, 0)
                except ChildProcessError:
                    pass
        pd = os.path.join(work, "perf.data")
        for p in (pd, pd + ".old"):
            if os.path.exists(p):
                os.unlink(p)

rng = random.Random(args.seed)
results = {}
t_begin = time.monotonic()
note("%d configurations x %d rounds, %.1f s windows, target pinned to CPU %s"
     % (len(configs), args.rounds, args.window, target_cpu if target_cpu >= 0 else "none"))
for r in range(args.rounds):
    order = list(range(len(configs)))
    rng.shuffle(order)
    for i in order:
        cfg = configs[i]
        key = cfg[:3]
        try:
            res = run_once(cfg, i)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            note("round %d, %s %s %s Hz: FAILED: %s" % (r + 1, cfg[0], cfg[1], cfg[2], e))
            continue
        res["round"] = r
        results.setdefault(key, []).append(res)
    note("round %d/%d done (%.0f s)" % (r + 1, args.rounds, time.monotonic() - t_begin))

# Two rates per run: the whole window's, and the median of its 100 ms
# slices, which bursts of unrelated load on a shared machine do not move
# (sampling costs the same in every slice).  The robust one leads the table.
def robust(x):
    return statistics.median(x["slice_units_per_s"]) if x.get("slice_units_per_s") else x["units_per_s"]

base_runs = results.get(("baseline", "-", 0), [])
if not base_runs:
    note("no baseline run succeeded"); sys.exit(1)
base = [robust(x) for x in base_runs]
base_med = statistics.median(base)
base_whole_med = statistics.median(x["units_per_s"] for x in base_runs)
target_share = statistics.median(x["cpu_s"] / x["wall_s"] for x in base_runs)

# Paired: each run against the baselines of its own round (taken within
# ~30 s of it), which cancels the slow drift of a shared VM's speed.
round_base = {}
for x in base_runs:
    round_base.setdefault(x["round"], []).append(robust(x))
round_base = {r: statistics.mean(v) for r, v in round_base.items()}

def paired(runs):
    return [100.0 * (1 - robust(x) / round_base[x["round"]]) for x in runs if x["round"] in round_base]

def med(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None

def fmt(v, f="%.1f"):
    return "–" if v is None else f % v

uname = os.uname()
print("Target slowdown from CPU sampling, one-thread CPU-bound target (bench/spin.c)")
print("pinned to CPU %s; %d rounds x %.1f s windows, configurations interleaved; medians."
      % (target_cpu if target_cpu >= 0 else "none", args.rounds, args.window))
print("Machine: %s %s, %d CPUs, load average %s at the end. Baseline: %.0f units/s"
      " (median 100 ms slice), spread %.1f %% min–max; the target had %.0f %% of its CPU."
      % (uname.sysname, uname.release, ncpu, " ".join("%.2f" % l for l in os.getloadavg()),
         base_med, 100 * (max(base) - min(base)) / base_med, 100 * target_share))
if target_share < 0.95 or (max(base) - min(base)) / base_med > 0.05:
    print()
    print("**Warning: the machine was busy (the baseline target did not get its CPU, or"
          " its rate varied by more than 5 %). Differences below the baseline row's spread"
          " are noise; re-run on an idle machine before quoting these numbers.**")
print()
print("| profiler | call graph | rate (Hz) | target slowdown, median % (min … max) | paired with its round's baseline, median % | whole-window slowdown, median % | profiler CPU, % of one core | kprof-top's own report, s CPU |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
bslow = [100.0 * (1 - b / base_med) for b in base]
bwhole = [100.0 * (1 - x["units_per_s"] / base_whole_med) for x in base_runs]
print("| none (baseline: the noise floor) | – | – | %+.2f (%+.1f … %+.1f) | %s | %+.2f | – | – |"
      % (statistics.median(bslow), min(bslow), max(bslow), fmt(med(paired(base_runs)), "%+.2f"),
         statistics.median(bwhole)))
for hz in rates:
    for key in [k for k in (c[:3] for c in configs) if k[2] == hz]:
        if key not in results:
            continue
        runs = results[key]
        slow = [100.0 * (1 - robust(x) / base_med) for x in runs]
        whole = [100.0 * (1 - x["units_per_s"] / base_whole_med) for x in runs]
        prof_pct = [100.0 * x["prof_cpu_s"] / x["prof_wall_s"] for x in runs if x["prof_cpu_s"] is not None]
        print("| %s | %s | %d | %s (%s … %s) | %s | %s | %s | %s |" % (
            key[0], key[1], hz, fmt(med(slow), "%+.2f"), fmt(min(slow), "%+.1f"),
            fmt(max(slow), "%+.1f"), fmt(med(paired(runs)), "%+.2f"), fmt(med(whole), "%+.2f"),
            fmt(med(prof_pct), "%.2f"),
            fmt(med([x["kprof_cpu_s"] for x in runs]), "%.3f")))
print()
print("Slowdown = 1 − (target work rate) / (median baseline work rate); negative = noise.")
print("Work rate = median over the run's 100 ms slices (robust to bursts of other load);")
print("the whole-window column uses the plain rate over the whole window instead.")
print("Profiler CPU = user+sys CPU of the profiler process and its children (wait4 rusage)")
print("over its whole life (attach to exit, incl. perf's file post-processing), / its wall time.")
print()
print("Command: `%s` (%.0f s)" % (command, time.monotonic() - t_begin))
PY
