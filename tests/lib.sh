#!/bin/sh
# Shared helpers for the integration tests (POSIX sh; sourced, not run).
#
# Conventions (automake's test driver): exit 0 pass, 77 skip, anything else
# fail.  A skip for lack of perf events becomes a failure when
# KPROF_REQUIRE_PERF=1 (CI sets it), so a misconfigured CI machine cannot
# pass by skipping everything.  Every wait is a bounded loop on a condition,
# never a blind sleep; every process a test starts is killed on exit.
#
# Environment from `make check`: KPROF_TOP (the binary), FIXTURES (fixture
# binaries).  Optional: KPROF_TEST_KEEP=DIR keeps a failed test's temporary
# files (snapshot, folded stacks, truth, stderr) in DIR.  Tests also run by
# hand:
#   KPROF_TOP=./kprof-top FIXTURES=tests/fixtures sh tests/integration/X.sh

TEST_NAME=$(basename "$0" .sh)

# Sampling rate for the tests that compare shares with a fixture's truth.
# At 499 Hz a 4 s run of the 2–3 thread fixture gives 1500–4000 leaf samples:
# binomial noise on a 70 % share is then about 1 point, so the ±5 point
# tolerance is ~4–6 sigma and a failure means a bug, not bad luck (at the
# default 99 Hz, ~600 samples, it would be ~2.7 sigma: flaky).
# shellcheck disable=SC2034 # used by the tests that source this file
HZ=${KPROF_TEST_HZ:-499}
KPROF_TMP=
KPROF_PIDS=
KPROF_MOUNTS=

log() { printf '%s: %s\n' "$TEST_NAME" "$*" >&2; }
fail() { printf '%s: FAIL: %s\n' "$TEST_NAME" "$*" >&2; exit 1; }
skip() { printf '%s: SKIP: %s\n' "$TEST_NAME" "$*" >&2; exit 77; }

# A skip that is only acceptable where perf events are really unavailable.
skip_no_perf() {
	if [ "${KPROF_REQUIRE_PERF:-0}" = 1 ]; then
		fail "perf events unusable, and KPROF_REQUIRE_PERF=1 forbids skipping: $*"
	fi
	skip "$*"
}

# ---- processes and cleanup --------------------------------------------------

# Remember a pid to kill at exit (by pid only, never by name).
track_pid() { KPROF_PIDS="$KPROF_PIDS $1"; }

# Process state letter from /proc/PID/stat (R, S, D, T, t, Z, …), or "gone".
# The comm field may hold spaces and parentheses: cut after the last ')'.
proc_state() {
	_st=$(cat "/proc/$1/stat" 2>/dev/null) || { echo gone; return 0; }
	_st=${_st##*) }
	echo "${_st%% *}"
}

# True while PID exists and is not a zombie.
alive() {
	case $(proc_state "$1") in
	gone | Z | X) return 1 ;;
	*) return 0 ;;
	esac
}

cleanup() {
	_rc=$?
	trap - EXIT INT TERM
	for _p in $KPROF_PIDS; do
		if alive "$_p"; then
			kill -TERM "$_p" 2>/dev/null || true
		fi
	done
	for _p in $KPROF_PIDS; do
		_n=0
		while alive "$_p" && [ "$_n" -lt 40 ]; do
			sleep 0.05
			_n=$((_n + 1))
		done
		if alive "$_p"; then
			kill -KILL "$_p" 2>/dev/null || true
		fi
	done
	for _m in $KPROF_MOUNTS; do
		umount "$_m" 2>/dev/null || true
	done
	if [ -n "$KPROF_TMP" ] && [ -d "$KPROF_TMP" ]; then
		chmod -R u+w "$KPROF_TMP" 2>/dev/null || true
		# KPROF_TEST_KEEP=DIR keeps a failed test's files for a post-mortem.
		if [ "$_rc" -ne 0 ] && [ "$_rc" -ne 77 ] && [ -n "${KPROF_TEST_KEEP:-}" ]; then
			mkdir -p "$KPROF_TEST_KEEP" &&
				cp -R "$KPROF_TMP" "$KPROF_TEST_KEEP/" 2>/dev/null &&
				printf '%s: files kept in %s\n' "$TEST_NAME" \
					"$KPROF_TEST_KEEP/${KPROF_TMP##*/}" >&2
		fi
		rm -rf "$KPROF_TMP"
	fi
	exit "$_rc"
}

# Make the per-test temporary directory ($T) and install the cleanup trap.
setup_test() {
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	KPROF_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kprof-$TEST_NAME.XXXXXX") ||
		fail "cannot create a temporary directory"
	T=$KPROF_TMP
	[ -n "${KPROF_TOP:-}" ] || fail "KPROF_TOP is not set (run through make check)"
	[ -x "$KPROF_TOP" ] || fail "kprof-top binary not found or not executable: $KPROF_TOP"
	[ -n "${FIXTURES:-}" ] || fail "FIXTURES is not set (run through make check)"
	command -v python3 >/dev/null 2>&1 || fail "python3 is needed by the integration tests"
}

# Poll a condition (a shell command) every 50 ms for at most SECS seconds.
# wait_until SECS COMMAND [ARGS...]; returns 1 on timeout.
wait_until() {
	_limit=$(($1 * 20))
	shift
	_n=0
	while ! "$@"; do
		_n=$((_n + 1))
		[ "$_n" -le "$_limit" ] || return 1
		sleep 0.05
	done
	return 0
}

_file_exists() { [ -s "$1" ]; }
_not_alive() { ! alive "$1"; }

# wait_for_file FILE SECS WHAT [PID]: bounded wait for FILE to exist and be
# non-empty; fails fast with a clear message if PID (the writer) dies first.
wait_for_file() {
	_f=$1 _secs=$2 _what=$3 _pid=${4:-}
	_n=0
	while [ ! -s "$_f" ]; do
		if [ -n "$_pid" ] && ! alive "$_pid"; then
			fail "$_what: process $_pid ended before writing $_f"
		fi
		_n=$((_n + 1))
		[ "$_n" -le $((_secs * 20)) ] || fail "$_what: $_f not written within ${_secs}s"
		sleep 0.05
	done
}

# wait_exit PID SECS: wait (bounded) for a background child to end and set
# RC to its exit status.  On timeout: kill it and fail.
wait_exit() {
	if ! wait_until "$2" _not_alive "$1"; then
		kill -KILL "$1" 2>/dev/null || true
		fail "process $1 did not end within $2 s"
	fi
	RC=0
	wait "$1" || RC=$?
}

# Run a command in the background with SIGINT and SIGQUIT at their defaults:
# a non-interactive shell starts background jobs with them ignored, which is
# not how a user's Ctrl-C finds a program.  Sets BG_PID.  GNU env (coreutils
# >= 8.31) resets them without delay; the python fallback can take over a
# second to start on a loaded machine (pyenv shims), so it is only a fallback.
if env --default-signal=INT true 2>/dev/null; then
	spawn() {
		env --default-signal=INT,QUIT "$@" &
		BG_PID=$!
		track_pid "$BG_PID"
	}
else
	spawn() {
		python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
signal.signal(signal.SIGQUIT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' "$@" &
		BG_PID=$!
		track_pid "$BG_PID"
	}
fi

# start_fixture NAME READY_FILE [ARGS...]: start a fixture, wait for its
# ready file (bounded), set FIXTURE_PID.
start_fixture() {
	_name=$1 _ready=$2
	shift 2
	[ -x "$FIXTURES/$_name" ] || fail "fixture not built: $FIXTURES/$_name"
	spawn "$FIXTURES/$_name" --ready "$_ready" "$@"
	FIXTURE_PID=$BG_PID
	wait_for_file "$_ready" 10 "fixture $_name" "$FIXTURE_PID"
	[ "$(cat "$_ready")" = "$FIXTURE_PID" ] ||
		fail "fixture $_name: ready file says pid $(cat "$_ready"), expected $FIXTURE_PID"
}

# stop_fixture PID TRUTH_FILE: SIGTERM makes the fixture write its truth.
stop_fixture() {
	kill -TERM "$1" 2>/dev/null || true
	wait_exit "$1" 10
	[ "$RC" -eq 0 ] || fail "fixture $1 exited with status $RC"
	[ -s "$2" ] || fail "fixture $1 wrote no truth file $2"
}

# contend_run TRUTH SECS WINDOW ARGS...: lock_contend (4 threads on g_ledger,
# 2 idle on a condvar) under `kprof-top -b --trace all --duration SECS -p PID
# ARGS` (stdout in $T/out), contending for WINDOW seconds once kprof-top's
# events are in place; the fixture writes TRUTH and is stopped.  --trace all:
# these runs check precision, not the cost guard, which must not stop
# tracing on a loaded machine.  Fails unless kprof-top exits 0.
contend_run() {
	_truth=$1 _secs=$2 _win=$3
	shift 3
	start_fixture lock_contend "$_truth.ready" --threads 4 --idle 2 --truth "$_truth"
	_cpid=$FIXTURE_PID
	spawn "$KPROF_TOP" -b --trace all --duration "$_secs" -p "$_cpid" "$@" >"$T/out" 2>"$T/err"
	_ckp=$BG_PID
	wait_attached "$_ckp"
	wait_events_settled "$_ckp"
	kill -USR1 "$_cpid"
	# The measured window: a fixed length of contention, not a wait for
	# something to happen.
	sleep "$_win"
	kill -USR2 "$_cpid"
	wait_for_file "$_truth" 10 "lock_contend's truth" "$_cpid"
	wait_exit "$_ckp" 40
	expect_status "$RC" 0 "kprof-top -b --trace all --duration $_secs -p $_cpid $*"
	stop_fixture "$_cpid" "$_truth"
}

# True once PID holds at least one perf_event fd: kprof-top has attached.
has_perf_fd() {
	for _fd in /proc/"$1"/fd/*; do
		case $(readlink "$_fd" 2>/dev/null) in
		*perf_event*) return 0 ;;
		esac
	done
	return 1
}

# wait_attached PID: bounded wait until kprof-top (PID) opened perf events.
wait_attached() {
	_n=0
	until has_perf_fd "$1"; do
		alive "$1" || fail "kprof-top (pid $1) ended before attaching; stderr: $(head -c 400 "$T/err" 2>/dev/null)"
		_n=$((_n + 1))
		[ "$_n" -le 200 ] || fail "kprof-top (pid $1) opened no perf event within 10 s"
		sleep 0.05
	done
}

# Number of perf event fds PID holds.  One ls, not a readlink per fd: cheap
# enough to poll every 50 ms with ~60 fds on a loaded machine.
perf_fd_count() {
	# shellcheck disable=SC2010 # it greps the link targets, not file names
	ls -l "/proc/$1/fd" 2>/dev/null | grep -c 'perf_event' || true
}

# wait_events_settled PID [SECS]: bounded wait (default 10 s) until
# kprof-top's perf fd count has not changed for 0.5 s.  The CPU events open
# first; syscall tracepoints, page-fault events and uprobes may follow, and
# a test's measured window must not start before those.
wait_events_settled() {
	_limit=$((${2:-10} * 20)) _prev=-1 _same=0 _n=0
	while [ "$_same" -lt 10 ]; do
		alive "$1" || fail "kprof-top (pid $1) ended before its perf events settled (a --duration too short for this machine?); stderr: $(head -c 400 "$T/err")"
		_c=$(perf_fd_count "$1")
		if [ "$_c" -eq "$_prev" ]; then _same=$((_same + 1)); else _same=0; fi
		_prev=$_c
		_n=$((_n + 1))
		[ "$_n" -le "$_limit" ] || fail "kprof-top's perf fd count did not settle within ${2:-10} s (now $_c)"
		sleep 0.05
	done
	log "kprof-top holds $_prev perf event fds"
}

# Wall-clock time in seconds with a fraction (GNU date; python3 otherwise).
# Timing matters here: it is taken between attach and the late thread.
if [ "$(date +%N 2>/dev/null)" != "%N" ] && [ -n "$(date +%N 2>/dev/null)" ]; then
	now_epoch() { date +%s.%N; }
else
	now_epoch() { python3 -c 'import time; print("%.6f" % time.time())'; }
fi

# ---- perf events ------------------------------------------------------------

# Probe: can this user open a cpu-clock sampling event on its own process?
# Done with the raw syscall (python ctypes), so it needs neither perf nor
# kprof-top.  Prints the reason on failure.
perf_events_probe() {
	python3 - <<'EOF'
import ctypes, ctypes.util, os, struct, sys
libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
NR_perf_event_open = {"x86_64": 298, "aarch64": 241}.get(os.uname().machine)
if NR_perf_event_open is None:
    print("unknown architecture %s" % os.uname().machine); sys.exit(1)
# struct perf_event_attr, PERF_ATTR_SIZE_VER5 = 112 bytes: type=SOFTWARE(1),
# config=CPU_CLOCK(0), sample_period=10 ms, flags: disabled | exclude_kernel
# | exclude_hv (bits 0, 5, 6).
attr = bytearray(112)
struct.pack_into("=IIQQQQ", attr, 0, 1, 112, 0, 10_000_000, 0, 0)
struct.pack_into("=Q", attr, 40, (1 << 0) | (1 << 5) | (1 << 6))
buf = ctypes.create_string_buffer(bytes(attr), len(attr))
fd = libc.syscall(NR_perf_event_open, buf, 0, -1, -1, 0)
if fd < 0:
    e = ctypes.get_errno()
    try:
        paranoid = open("/proc/sys/kernel/perf_event_paranoid").read().strip()
    except OSError:
        paranoid = "absent"
    print("perf_event_open(cpu-clock) failed: %s (kernel.perf_event_paranoid=%s)"
          % (os.strerror(e), paranoid))
    sys.exit(1)
os.close(fd)
EOF
}

require_perf_events() {
	[ -e /proc/sys/kernel/perf_event_paranoid ] ||
		skip_no_perf "this kernel has no perf events (/proc/sys/kernel/perf_event_paranoid missing)"
	_why=$(perf_events_probe 2>&1) || skip_no_perf "$_why"
}

# ---- checks -----------------------------------------------------------------

# run_kprof SECS ARGS...: run kprof-top in the foreground, bounded by
# timeout; stdout in $T/out, stderr in $T/err, status in RC.
run_kprof() {
	_secs=$1
	shift
	RC=0
	timeout -k 5 "$_secs" "$KPROF_TOP" "$@" >"$T/out" 2>"$T/err" || RC=$?
	[ "$RC" -ne 124 ] || fail "kprof-top $* did not end within $_secs s"
}

# expect_status GOT WANT WHAT
expect_status() {
	[ "$1" -eq "$2" ] || fail "$3: exit status $1, expected $2; stderr: $(head -c 600 "$T/err" 2>/dev/null)"
}

# expect_one_line FILE WHAT: FILE (stderr of a run) holds exactly one line.
expect_one_line() {
	_lines=$(wc -l <"$1")
	[ "$_lines" -eq 1 ] || fail "$2: expected exactly one line on stderr, got $_lines: $(head -c 600 "$1")"
}

# snap_mode SNAPSHOT MODE_KEY NOTE_KEY: print "MODE<tab>NOTE" from a
# snapshot, the keys dotted paths (io.mode io.note, or locks_mode locks_note);
# a missing mode prints as None.  Fails (status 1) if it is not valid JSON.
snap_mode() {
	python3 -c 'import json, sys
def get(d, path):
    for k in path.split("."):
        d = d.get(k) if isinstance(d, dict) else None
    return d
s = json.load(open(sys.argv[1]))
print("%s\t%s" % (get(s, sys.argv[2]), get(s, sys.argv[3]) or ""))' "$@"
}

# Python helpers prepended to every json_check script.  fail() ends the
# check at once; bad() records a failure and lets the other checks run, and
# report() then fails with all of them (a script using bad() must end with
# report()).
KPROF_PY_PRELUDE='
import json, sys
def fail(msg):
    sys.stderr.write("%s: FAIL: %s\n" % (TEST_NAME, msg)); sys.exit(1)
def note(msg):
    sys.stderr.write("%s: %s\n" % (TEST_NAME, msg))
problems = []
def bad(msg):
    problems.append(msg)
    note("FAIL: " + msg)
def report():
    if problems: fail("%d check(s) failed: %s" % (len(problems), "; ".join(problems)))
def num(d, k):
    """d[k] as a float; fails unless it is a number."""
    v = d.get(k)
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        fail("%s is %r, not a number" % (k, v))
    return float(v)
def val(d, k): return float(d.get(k, 0) or 0)
def near(what, got, want, tol, ref="truth"):
    """bad() unless got is within tol (a fraction) of want, the ref value."""
    got = float(got)
    note("%s: kprof-top %.0f, %s %.0f (%+.1f %%, allowed ±%.0f %%)"
         % (what, got, ref, want, 100.0 * (got - want) / want if want else 0, 100 * tol))
    if abs(got - want) > tol * want:
        bad("%s %.0f is off the %s %.0f by more than %.0f %%" % (what, got, ref, want, 100 * tol))
def within(what, got, lo, hi, why):
    """bad() unless lo <= got <= hi; why names the two bounds."""
    note("%s: kprof-top %.0f, expected %.0f..%.0f (%s)" % (what, got, lo, hi, why))
    if not lo <= got <= hi:
        bad("%s %.0f is outside %.0f..%.0f (%s)" % (what, got, lo, hi, why))
def load(path):
    try:
        with open(path) as f: return json.load(f)
    except (OSError, ValueError) as e: fail("%s: not valid JSON: %s" % (path, e))
def frame_name(f):
    # Frames are function names; tolerate "function (module)" decorations.
    return f.split(" (")[0].strip()
def leaf_samples(snap, names):
    """self_samples per function name, from cpu.hotspots[] (summed over modules)."""
    out = dict((n, 0) for n in names)
    for h in snap.get("cpu", {}).get("hotspots", []):
        n = frame_name(str(h.get("function", "")))
        if n in out: out[n] += int(h.get("self_samples", 0))
    return out
def read_folded(path):
    """[(frames root-first, count)] from a folded-stacks file; checks the syntax."""
    stacks = []
    with open(path) as f:
        for i, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line: continue
            stack, sep, count = line.rpartition(" ")
            if not sep or not count.isdigit() or not stack:
                fail("%s:%d: not a folded line: %r" % (path, i, line[:200]))
            stacks.append(([frame_name(x) for x in stack.split(";")], int(count)))
    return stacks
def path_share(stacks, leaf, caller):
    """(share of leaf samples whose last two frames are caller;leaf, leaf samples)."""
    total = good = 0
    for frames, n in stacks:
        if frames[-1] != leaf: continue
        total += n
        if len(frames) >= 2 and frames[-2] == caller: good += n
    return (good / total if total else 0.0), total
def check_leaf_split(counts, truth, what, tolerance=5.0, min_samples=100):
    """cpu_split: the share of leaf_hot in counts (self samples or weight per
    function name, as what read them) against the truth of the fixture."""
    hot, cold = counts.get("leaf_hot", 0), counts.get("leaf_cold", 0)
    n = hot + cold
    if n < min_samples:
        fail("only %d samples in leaf_hot+leaf_cold (need >= %d) in %s" % (n, min_samples, what))
    got = 100.0 * hot / n
    want = truth["leaves"]["leaf_hot"]["pct"]
    note("leaf_hot share in %s: %.1f %% (%d of %d), fixture truth %.1f %%" % (what, got, hot, n, want))
    if abs(got - want) > tolerance:
        fail("leaf_hot share %.1f %% in %s is off the truth %.1f %% by more than %.0f points"
             % (got, what, want, tolerance))
def check_split(snap, truth, tolerance=5.0, min_samples=100):
    counts = leaf_samples(snap, ["leaf_hot", "leaf_cold"])
    if sum(counts.values()) < min_samples:
        note("hotspots: %s" % json.dumps(snap.get("cpu", {}).get("hotspots", [])[:8]))
    check_leaf_split(counts, truth, "the snapshot", tolerance, min_samples)
def ledger_site_wait(snap):
    """lock_contend: the wait in ns of g_ledger'"'"'s call sites in a snapshot."""
    led = [l for l in snap.get("locks", []) if l.get("lock") == "g_ledger"]
    if len(led) != 1: fail("the snapshot has %d locks named g_ledger" % len(led))
    want = sum(int(s["wait_ns"]) for s in led[0].get("sites", []))
    if want <= 0: fail("g_ledger has no site wait in the snapshot: nothing to compare")
    return want
def frames_of(item):
    """Function names of a site'"'"'s (or lock'"'"'s, fd'"'"'s) frames, root first."""
    return [frame_name(str(f)) for f in item.get("frames") or []]
# The alloc_sites fixture: retain_leak() keeps memory, churn() only recycles.
def is_retain(site): return "retain_leak" in frames_of(site)
def is_churn(site):
    f = frames_of(site)
    return "churn" in f and "retain_leak" not in f
def show(site, key):
    return "%s %.0f B/s: %s" % (key, val(site, key), ";".join(frames_of(site)[-5:]))
def alloc_truth(truth, churn_factor):
    """Notes alloc_sites'"'"' truth and fails unless it did what the tests rely
    on: churn allocating more than was retained, so that a ranking by bytes
    allocated would put churn first (churn_factor x is the plan; under
    uprobes on a machine at load 16 churn managed only 1.1-1.2 x, enough
    for the checks to tell the two apart).
    Returns (retain_leak, churn, window seconds, RSS growth in bytes/s)."""
    ret, churn = truth["sites"]["retain_leak"], truth["sites"]["churn"]
    win = truth["window"]["seconds"]
    note("fixture over %.2f s: retain_leak kept %d bytes in %d blocks (%.0f B/s; asked %.0f), churn"
         " %d pairs (%.0f/s, %.1f MB/s), RSS %d -> %d (%.0f B/s)"
         % (win, ret["retained_bytes"], ret["blocks"], ret["bytes_per_s"], truth["retain_rate"],
            churn["allocs"], churn["allocs_per_s"], churn["bytes_allocated"] / win / 1e6,
            truth["rss"]["start_bytes"], truth["rss"]["end_bytes"], truth["rss"]["growth_bytes_per_s"]))
    if ret["blocks"] < 20 or abs(ret["bytes_per_s"] - truth["retain_rate"]) > 0.2 * truth["retain_rate"]:
        fail("the fixture retained %.0f B/s in %d blocks, not the %.0f it was asked for: loaded machine?"
             % (ret["bytes_per_s"], ret["blocks"], truth["retain_rate"]))
    if churn["bytes_allocated"] <= ret["retained_bytes"]:
        fail("churn allocated only %d bytes against %d retained: it did not churn"
             % (churn["bytes_allocated"], ret["retained_bytes"]))
    if churn["bytes_allocated"] < churn_factor * ret["retained_bytes"]:
        note("churn allocated %.1f x what was retained, under the planned %d x (a slow machine)"
             % (churn["bytes_allocated"] / ret["retained_bytes"], churn_factor))
    rss_truth = truth["rss"]["growth_bytes_per_s"]
    if not truth["rss"]["start_bytes"] or rss_truth <= 0:
        fail("the fixture could not read its RSS: %r" % truth["rss"])
    return ret, churn, win, rss_truth
def alloc_section(snap, want_mode, rss_truth):
    """The snapshot'"'"'s alloc section, checked: its mode (fails unless
    want_mode), memory, and the RSS slope against the fixture'"'"'s own."""
    alloc = snap.get("alloc")
    if not isinstance(alloc, dict): fail("the snapshot has no alloc section")
    note("alloc.mode %r, note %r" % (alloc.get("mode"), alloc.get("note")))
    if alloc.get("mode") != want_mode:
        fail("alloc.mode is %r, expected %r (note: %r)" % (alloc.get("mode"), want_mode, alloc.get("note")))
    if not isinstance(alloc.get("memory"), dict):
        bad("alloc.memory is %r, expected an object" % (alloc.get("memory"),))
    near("alloc.rss_growth_bytes_per_s", num(alloc, "rss_growth_bytes_per_s"), rss_truth, 0.25)
    r2 = alloc.get("rss_fit_r2")
    note("rss_fit_r2 %r, anon_growth_bytes_per_s %r, leak_suspect %r (%r)"
         % (r2, alloc.get("anon_growth_bytes_per_s"), alloc.get("leak_suspect"), alloc.get("leak_reason")))
    if not isinstance(r2, (int, float)) or not (0.9 <= r2 <= 1.0 + 1e-9):
        bad("rss_fit_r2 %r: a steady 2 MiB/s ramp fits a line (expected 0.9..1)" % (r2,))
    return alloc
def alloc_sites_split(alloc, describe):
    """(sites, retain_leak'"'"'s, churn'"'"'s), noting the first six with
    describe(site); fails if there are none, or none through retain_leak."""
    sites = alloc.get("sites")
    if not isinstance(sites, list) or not sites:
        fail("alloc.sites is empty (%r); note %r" % (sites, alloc.get("note")))
    for s in sites[:6]:
        note("site: %s: %s" % (describe(s), ";".join(frames_of(s)[-5:])))
    retain_sites = [s for s in sites if is_retain(s)]
    churn_sites = [s for s in sites if is_churn(s)]
    if not retain_sites:
        fail("no site goes through retain_leak; top sites: %s"
             % [";".join(frames_of(s)[-4:]) for s in sites[:5]])
    return sites, retain_sites, churn_sites
def check_retain_first(sites, retain_sites, key, what, want):
    """bad() unless retain_leak leads sites (as listed, and by key) and its
    sites sum to want within 25 %; returns that sum."""
    if not is_retain(sites[0]):
        bad("the first site does not go through retain_leak (%s)" % show(sites[0], key))
    top = max(sites, key=lambda s: val(s, key))
    if not is_retain(top):
        bad("the site %s does not go through retain_leak (%s)" % (what, show(top, key)))
    total = sum(val(s, key) for s in retain_sites)
    near("%s through retain_leak (%d sites)" % (key, len(retain_sites)), total, want, 0.25)
    return total
def thread_samples(snap, tid):
    for t in snap.get("threads", []):
        if int(t.get("tid", -1)) == int(tid): return int(t.get("samples", 0))
    return None
'

# json_check ARGS... <<'EOF' python EOF: run a python check with the prelude;
# the script sees its arguments in sys.argv[1:].
json_check() {
	_script=$(cat)
	python3 -c "TEST_NAME = '$TEST_NAME'
$KPROF_PY_PRELUDE
$_script" "$@" || fail "check failed (see above)"
}

# ---- driving the live view in tmux ------------------------------------------

# tmux_start NAME: a private tmux server for this test (socket kprof-NAME-PID)
# and tm/screen/on_screen/off_screen/expect_screen to drive it; the server is
# killed at exit, before the usual cleanup.
tmux_start() {
	SOCK="kprof-$1-$$"
	trap tmux_cleanup EXIT
}
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
screen() { tm capture-pane -p -t kp; }
# on_screen TEXT: the pane shows TEXT (a fixed string) right now.
on_screen() { screen | grep -F -q -- "$1"; }
off_screen() { ! on_screen "$1"; }
expect_screen() {
	wait_until "$2" on_screen "$1" || fail "$3: '$1' not on screen within $2 s; screen:
$(screen)"
}
# tmux_run WIDTH COMMAND: COMMAND (a shell line that runs kprof-top
# attached to a target) in the session kp of WIDTH x 40; sets kpid once
# kprof-top has attached.
tmux_run() {
	tm new-session -d -s kp -x "$1" -y 40 "$2"
	tm set-option -w -t kp remain-on-exit on
	_shpid=$(tm display-message -p -t kp '#{pane_pid}')
	wait_until 5 _tmux_kprof_started || fail "kprof-top did not start in tmux"
	track_pid "$kpid"
	wait_attached "$kpid"
}
# tmux_attach DIR WIDTH PID: kprof-top -p PID -d 0.5 run from DIR (where
# its e/f/s files go).  -d 0.5: refreshes come quickly, so waits stay
# short.  The shell in the pane writes kprof-top's exit status to
# $T/status (tmux itself does not always learn it), its stderr goes to
# $T/err.
tmux_attach() {
	tmux_run "$2" "cd '$1' && LANG=C.UTF-8 '$KPROF_TOP' -p $3 -d 0.5 2>'$T/err'; echo \$? >'$T/status'"
}
_tmux_kprof_started() { kpid=$(pgrep -P "$_shpid" -x kprof-top) && [ -n "$kpid" ]; }
tmux_cleanup() {
	_tui_rc=$?
	tm kill-server 2>/dev/null || true
	set +e
	(exit "$_tui_rc") # cleanup reads the status from $?
	cleanup
}
