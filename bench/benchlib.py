"""benchlib: what the profiler benchmarks (overhead.sh, syscalls.sh,
alloc.sh) have in common.  Each script's embedded Python imports it (the
script puts bench/ on sys.path) and keeps only what is its own: its
configurations, how one run goes, and its tables.

Shared here: the command line's common options, finding the profilers,
starting a target or profiler and waiting until it is ready or set up,
reading CPU times from /proc and from wait4, the shuffled rounds, and
the statistics and Markdown of the tables.
"""
import argparse, os, random, shlex, signal, statistics, subprocess, sys, time


def opt(*names, **kw):
    """One script-specific option, for Bench(before_kprof=..., after_kprof=...)."""
    return names, kw


class Bench:
    """One benchmark's options, its stderr notes, and its rounds."""

    def __init__(self, tag, prog, top, argv, rounds, window, before_kprof=(), after_kprof=(),
                 no_kprof_help="leave out kprof-top"):
        ap = argparse.ArgumentParser(prog=prog)
        ap.add_argument("--rounds", type=int, default=rounds)
        ap.add_argument("--window", type=float, default=window, help="measured seconds per run")
        for names, kw in before_kprof:
            ap.add_argument(*names, **kw)
        ap.add_argument("--kprof", default=os.path.join(top, "kprof-top"))
        for names, kw in after_kprof:
            ap.add_argument(*names, **kw)
        ap.add_argument("--no-kprof", action="store_true", help=no_kprof_help)
        ap.add_argument("--seed", type=int, default=1)
        self.args = ap.parse_args(argv)
        self.tag = tag
        self.command = " ".join(shlex.quote(a) for a in [prog] + argv)
        self.ncpu = os.cpu_count() or 1
        self.have_kprof = not self.args.no_kprof and os.access(self.args.kprof, os.X_OK)
        if not self.args.no_kprof and not self.have_kprof:
            self.note("%s not found or not executable: kprof-top rows left out" % self.args.kprof)
        self.t_begin = time.monotonic()

    def note(self, msg):
        sys.stderr.write("%s: %s\n" % (self.tag, msg))
        sys.stderr.flush()

    def run_rounds(self, configs, run_once, workloads=(None,),
                   key=lambda w, c: (w, c[0]), label=lambda w, c: "%s, %s" % (w, c[0]),
                   errors=(RuntimeError, subprocess.TimeoutExpired)):
        """Every round runs every workload under all configurations, in an
        order shuffled afresh each time (a fixed seed), so slow drift of the
        machine hits all of them alike.  Returns {key: [result, ...]}, each
        result tagged with its round; a failed run is noted and left out."""
        rng = random.Random(self.args.seed)
        results = {}
        self.t_begin = time.monotonic()
        for r in range(self.args.rounds):
            for workload in workloads:
                order = list(range(len(configs)))
                rng.shuffle(order)
                for i in order:
                    cfg = configs[i]
                    try:
                        res = run_once(workload, cfg)
                    except errors as e:
                        self.note("round %d, %s: FAILED: %s" % (r + 1, label(workload, cfg), e))
                        continue
                    res["round"] = r
                    results.setdefault(key(workload, cfg), []).append(res)
            self.note("round %d/%d done (%.0f s)" % (r + 1, self.args.rounds, self.elapsed()))
        return results

    def elapsed(self):
        return time.monotonic() - self.t_begin

    def print_command(self):
        print("Command: `%s` (%.0f s)" % (self.command, self.elapsed()))


def which(name):
    """The path of a command, or None."""
    return subprocess.run(["sh", "-c", "command -v " + name], stdout=subprocess.PIPE,
                          universal_newlines=True).stdout.strip() or None


def config_names(configs):
    """The configurations' names in order, once each (the baseline is listed twice)."""
    names = []
    for c in configs:
        if c[0] not in names:
            names.append(c[0])
    return names


def unlink(*paths):
    for p in paths:
        if os.path.exists(p):
            os.unlink(p)


def wait_file(path, secs, procs):
    """Wait until path is written (non-empty), as long as procs all live."""
    end = time.monotonic() + secs
    while not (os.path.exists(path) and os.path.getsize(path) > 0):
        for p in procs:
            if p.poll() is not None:
                raise RuntimeError("%s ended (status %s) before writing %s"
                                   % (os.path.basename(p.args[0]), p.returncode, path))
        if time.monotonic() > end:
            raise RuntimeError("%s not written within %s s" % (path, secs))
        time.sleep(0.02)


def perf_fds(pid):
    """How many perf event fds pid holds (uprobes and tracepoints are perf fds too)."""
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


def stat_fields(pid):
    """/proc/PID/stat after the command name: [0] is field 3 (state)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def proc_cpu(pid):
    """utime+stime (+ reaped children's) of pid in seconds, from /proc."""
    f = stat_fields(pid)
    if f is None:
        return None
    return sum(int(x) for x in f[11:15]) / os.sysconf("SC_CLK_TCK")


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


def reap(proc, secs, timeout_sig=signal.SIGKILL, grace=10):
    """Wait (bounded) for proc; return (status, cpu s incl. reaped children).
    Past secs it is sent timeout_sig, and given grace s more each time."""
    end = time.monotonic() + secs
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, ru.ru_utime + ru.ru_stime
        if time.monotonic() > end:
            # os.kill, not send_signal or kill: those poll, and would reap
            # the exit status (and rusage) wanted here.
            os.kill(proc.pid, timeout_sig)
            end = time.monotonic() + grace
        time.sleep(0.02)


def kill_all(*procs):
    """Kill and reap whatever of procs (None allowed) is still running."""
    for p in procs:
        if p and p.returncode is None and p.poll() is None:
            p.kill()
            try:
                os.waitpid(p.pid, 0)
            except ChildProcessError:
                pass


class Profiler:
    """A profiler run: its process, with stdout and stderr to files, not
    pipes (nobody reads a pipe while we wait), and its life's wall time
    from when this is made."""

    def __init__(self, name, work):
        self.name, self.proc = name, None
        self.out = open(os.path.join(work, "prof.out"), "w+")
        self.err = open(os.path.join(work, "prof.err"), "w+")
        self.t_start = time.monotonic()

    def start(self, argv):
        self.proc = subprocess.Popen(argv, stdout=self.out, stderr=self.err)
        return self.proc

    def error(self, what):
        """A RuntimeError naming what went wrong, with its stderr's tail."""
        self.err.seek(0)
        return RuntimeError("%s %s: %s" % (self.name, what, self.err.read().strip()[-300:]))

    def wait_set_up(self, secs, settle, ok=lambda n: n > 0):
        """Wait until ok(its perf fd count) holds and that count has held
        still for settle s: done opening events (CPU events come first;
        tracepoints, page faults or uprobes may follow)."""
        end, last, since = time.monotonic() + secs, -1, time.monotonic()
        while True:
            if self.proc.poll() is not None:
                raise self.error("ended early")
            n = perf_fds(self.proc.pid)
            if n != last:
                last, since = n, time.monotonic()
            if ok(n) and time.monotonic() - since >= settle:
                return
            if time.monotonic() > end:
                raise self.error("not set up within %g s" % secs)
            time.sleep(0.02)

    def finish(self, secs, sig=None, timeout_sig=signal.SIGKILL, grace=10,
               ok_status=(0, 130, -signal.SIGINT)):
        """Send it sig (if any), reap it (bounded); return (cpu s over its
        life incl. its children, wall s)."""
        if sig is not None:
            # os.kill, not send_signal: that polls, and would reap the exit
            # status (and rusage) reap() wants.  An exited profiler is a
            # zombie until reaped, so the pid is still its own.
            os.kill(self.proc.pid, sig)
        status, cpu = reap(self.proc, secs, timeout_sig, grace)
        wall = time.monotonic() - self.t_start
        if status not in ok_status:
            raise self.error("exited with status %d" % status)
        return cpu, wall

    def output(self):
        self.out.seek(0)
        return self.out.read()

    def close(self):
        self.out.close()
        self.err.close()


# ---- the tables --------------------------------------------------------------

def slice_rate(x, key):
    """A run's rate: the median of its 100 ms slices' (x["slice_" + key]),
    which bursts of unrelated load on a shared machine do not move, or the
    whole window's (x[key]) if it has none."""
    s = x.get("slice_" + key)
    return statistics.median(s) if s else x[key]


def round_means(runs, value):
    """{round: mean of value(run)} over runs (the baselines): each run is
    paired with the baselines of its own round, taken within a minute of
    it, which cancels the slow drift of a shared VM's speed."""
    by_round = {}
    for x in runs:
        by_round.setdefault(x["round"], []).append(value(x))
    return dict((r, statistics.mean(v)) for r, v in by_round.items())


def spread_pct(values, centre=None):
    """(max − min) in % of the median (or of centre)."""
    c = statistics.median(values) if centre is None else centre
    return 100.0 * (max(values) - min(values)) / c


def med(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None


def fmt(v, f="%.1f"):
    return "–" if v is None else f % v


def machine(ncpu):
    u = os.uname()
    return "%s %s, %d CPUs" % (u.sysname, u.release, ncpu)


def loadavg():
    return " ".join("%.2f" % l for l in os.getloadavg())


def table_head(titles, right_from=1):
    """A Markdown table's header; columns from right_from on are right-aligned."""
    row(titles)
    print("|" + "|".join("---:" if i >= right_from else "---" for i in range(len(titles))) + "|")


def row(cells):
    print("| " + " | ".join(cells) + " |")
