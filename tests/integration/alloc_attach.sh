#!/bin/sh
# Allocation growth in attach mode, against the alloc_sites fixture: one
# thread retains 2 MiB/s (1 MiB/s in run 2) from retain_leak() (blocks of
# 64–256 KiB, memset, never freed: RSS grows by the same rate), another
# allocates and frees small blocks in a bounded pool from churn() (a lot of
# malloc/free, no growth).  Two batch runs with --snapshot, each on its own fixture:
#
#   1. default (alloc mode "faults": sampled page faults): the first site by
#      touched bytes/s goes through retain_leak, and all retain_leak sites
#      together touch within ±25 % of the fixture's retained rate; churn
#      touches next to nothing (under 10 % of that) and shows no growth;
#      alloc.rss_growth_bytes_per_s within ±25 % of the RSS growth the
#      fixture read itself (/proc/self/statm at its window's bounds).
#   2. --alloc-sites (mode "uprobes" on malloc/free), over 11 s, long
#      enough for the leak rules (10 s): retain_leak first by
#      growth_bytes_per_s, within ±25 % of the truth, a leak suspect, and the
#      process a leak suspect by its RSS trend;
#      churn's growth under 10 % of that (in absolute value) and not a
#      suspect; its allocation rate matches the fixture's count; the RSS
#      slope as in 1.  Skipped (with the reason) if uprobes are refused,
#      unless KPROF_REQUIRE_PERF=1.
#
# The window: the fixture measures from SIGUSR1, sent once kprof-top has
# attached and its perf fd count has held still for 0.5 s (page-fault events
# and uprobes are perf fds too), to SIGUSR2, which writes the truth; then
# SIGINT ends kprof-top at once (it writes the snapshot and leaves the
# target running).  kprof-top's window is the fixture's plus its settling
# time at the start; the fixture's rates are steady (paced from its
# start, long before the attach), so both windows see the same rates.  The
# retained blocks are kept to 64–256 KiB (--block-max), ~14 a second, so a
# 3 s window is not lumpy (one 1 MiB block more or less would be 16 %).
# Churn runs at 30 000 pairs/s in run 2: every probed malloc+free costs
# microseconds (bench/alloc.sh), and at the default million pairs/s the
# probes alone would take more than the machine's CPUs.  That is still
# ~8 MB/s allocated and freed, against 1 MiB/s retained in that run: on a
# machine at load 11-25 the probed churn managed only 5 000-10 000 pairs/s,
# 1.3-2.6 MB/s, and at 2 MiB/s it sometimes allocated less than retain_leak
# kept.  The probed calls are sampled by bytes, as in launch mode: at the
# default mean (512 KiB) 11 s of a 1 MiB/s leak are ~22 samples, ±21 % by
# chance alone, so run 2 asks for one per 64 KiB (--alloc-sample 64), where
# nearly every retained block (>= 64 KiB) is taken.
set -eu
. "$(dirname "$0")/../lib.sh"
setup_test
require_perf_events

RATE=2097152   # bytes/s retained
# Seconds the fixture measures: short with page faults; with uprobes long
# enough for the leak rules (alloc.h: ALLOC_LEAK_MIN_SECS, usage.h:
# USAGE_LEAK_MIN_SECS, both 10 s of the run), so leak_suspect is checked.
WINDOW_FAULTS=3
WINDOW_UPROBES=11
LEAK_MIN_SECS=10

# measure NAME WINDOW CHURN_RATE RETAIN_RATE [KPROF ARGS...]: start a
# fixture, attach kprof-top over its window; leaves $T/NAME.json
# (snapshot), $T/NAME.truth.json and $T/NAME.err.
measure() {
	m_name=$1 m_window=$2 m_churn=$3 m_retain=$4
	shift 4
	start_fixture alloc_sites "$T/$m_name.ready" --seconds 120 --retain-rate "$m_retain" \
		--block-max 262144 --churn-rate "$m_churn" --truth "$T/$m_name.truth.json"
	m_pid=$FIXTURE_PID
	spawn "$KPROF_TOP" -b --duration 60 "$@" -p "$m_pid" --snapshot "$T/$m_name.json" \
		>"$T/$m_name.out" 2>"$T/err"
	m_kpid=$BG_PID
	wait_attached "$m_kpid"
	# Page-fault events and uprobes are perf fds too: up to 15 s to settle.
	wait_events_settled "$m_kpid" 15
	kill -USR1 "$m_pid"
	# The measured window itself: a fixed length of steady allocation.
	sleep "$m_window"
	kill -USR2 "$m_pid"
	wait_for_file "$T/$m_name.truth.json" 10 "alloc_sites' truth" "$m_pid"
	alive "$m_kpid" || fail "kprof-top ($*) ended before the fixture's window closed; stderr: $(head -c 400 "$T/err")"
	kill -INT "$m_kpid"
	wait_exit "$m_kpid" 30
	cp "$T/err" "$T/$m_name.err"
	expect_status "$RC" 0 "kprof-top -b $* -p $m_pid, ended by SIGINT"
	[ -s "$T/$m_name.json" ] || fail "kprof-top $*: no snapshot written"
	# The target must outlive the profiler, untraced and unharmed.
	alive "$m_pid" || fail "the fixture died while kprof-top $* was attached"
	stop_fixture "$m_pid" "$T/$m_name.truth.json"
}

# The checks both runs share; argv: snapshot, truth, expected mode, the
# leak rules' minimum run in seconds (0: the run is too short for them).
CHECKS='
snap, truth, want_mode = load(sys.argv[1]), load(sys.argv[2]), sys.argv[3]
leak_min = float(sys.argv[4])
ret, churn, win, rss_truth = alloc_truth(truth, 3)
# The memory trend: RSS slope over the window against the fixture own.
alloc = alloc_section(snap, want_mode, rss_truth)
if num(alloc, "rss_bytes") < truth["rss"]["start_bytes"]:
    bad("alloc.rss_bytes %d is below the RSS the fixture had at its window start (%d)"
        % (num(alloc, "rss_bytes"), truth["rss"]["start_bytes"]))
if alloc.get("anon_growth_bytes_per_s") is not None:
    near("alloc.anon_growth_bytes_per_s", num(alloc, "anon_growth_bytes_per_s"), rss_truth, 0.25)
dur = num(snap, "duration_s")
if leak_min:
    # Long enough for the leak rules: a steady ramp must be called a leak.
    if dur < leak_min + 1:
        fail("duration_s %.2f: too short for the leak rules (%.0f s), the test would test nothing"
             % (dur, leak_min))
    if alloc.get("leak_suspect") is not True or not alloc.get("leak_reason"):
        bad("alloc.leak_suspect %r (leak_reason %r) after %.1f s of RSS growing %.0f B/s"
            % (alloc.get("leak_suspect"), alloc.get("leak_reason"), dur, rss_truth))
elif alloc.get("leak_suspect") and not alloc.get("leak_reason"):
    bad("alloc.leak_suspect is true with no leak_reason")

sites, retain_sites, churn_sites = alloc_sites_split(alloc, lambda s:
    "growth %.0f, touched %.0f, alloc %.0f B/s, outstanding %s, suspect %s"
    % (val(s, "growth_bytes_per_s"), val(s, "touched_bytes_per_s"), val(s, "alloc_bytes_per_s"),
       s.get("outstanding_bytes"), s.get("leak_suspect")))
'

# ---- 1. page-fault sampling (the default) -----------------------------------
measure faults "$WINDOW_FAULTS" 1000000 "$RATE"
json_check "$T/faults.json" "$T/faults.truth.json" faults 0 <<PY
$CHECKS
key = "touched_bytes_per_s"
touched = check_retain_first(sites, retain_sites, key, "touching the most bytes/s", ret["bytes_per_s"])
# Churn reuses its pool: it touches next to nothing new and is no growth.
ct = sum(val(s, key) for s in churn_sites)
cg = sum(val(s, "growth_bytes_per_s") for s in churn_sites)
note("churn: %d sites, touched %.0f B/s, growth %.0f B/s" % (len(churn_sites), ct, cg))
if ct > 0.10 * touched:
    bad("churn touches %.0f B/s, over 10 %% of retain_leak's %.0f: reused memory counted as new"
        % (ct, touched))
if abs(cg) > 0.10 * touched:
    bad("churn shows growth %.0f B/s, over 10 %% of retain_leak's touched rate" % cg)
if any(s.get("leak_suspect") for s in churn_sites):
    bad("a churn site is a leak suspect")
report()
PY

# ---- 2. uprobes on malloc/free (--alloc-sites) ------------------------------
measure uprobes "$WINDOW_UPROBES" 30000 $((RATE / 2)) --alloc-sites --alloc-sample 64
mode=$(snap_mode "$T/uprobes.json" alloc.mode alloc.note) ||
	fail "uprobes snapshot is not valid JSON"
case $mode in
uprobes*) ;;
*) skip_no_perf "--alloc-sites: alloc.mode is not uprobes (page-fault checks passed): $mode; stderr: $(head -c 300 "$T/uprobes.err")" ;;
esac
json_check "$T/uprobes.json" "$T/uprobes.truth.json" uprobes "$LEAK_MIN_SECS" <<PY
$CHECKS
key = "growth_bytes_per_s"
growth = check_retain_first(sites, retain_sites, key, "growing fastest", ret["bytes_per_s"])
# Retained blocks are never freed: no frees, outstanding at least what the
# window kept, the oldest one older than the window, a leak suspect.
r0 = max(retain_sites, key=lambda s: val(s, key))
if int(r0.get("frees", 0) or 0) != 0 or val(r0, "free_bytes_per_s") != 0:
    bad("retain_leak shows frees (%s, %s B/s); it never frees" % (r0.get("frees"), r0.get("free_bytes_per_s")))
near("retain_leak alloc_bytes_per_s", val(r0, "alloc_bytes_per_s"), ret["bytes_per_s"], 0.25)
if int(r0.get("outstanding_bytes", 0) or 0) < 0.75 * ret["retained_bytes"]:
    bad("retain_leak outstanding_bytes %s, less than the %d the window retained"
        % (r0.get("outstanding_bytes"), ret["retained_bytes"]))
if val(r0, "oldest_age_s") < 0.9 * win:
    bad("retain_leak oldest_age_s %r, but it has held blocks since before the %.1f s window"
        % (r0.get("oldest_age_s"), win))
if r0.get("leak_suspect") is not True:
    bad("retain_leak is not a leak suspect (leak_suspect %r) after %.1f s of steady growth (duration_s %.2f)"
        % (r0.get("leak_suspect"), win, dur))
# Churn: it allocates and frees, a lot, and holds no more.
if not churn_sites:
    bad("no site goes through churn: uprobes see every malloc, churn made %d" % churn["allocs"])
else:
    cg = sum(val(s, key) for s in churn_sites)
    ca = sum(val(s, "alloc_bytes_per_s") for s in churn_sites)
    cf = sum(val(s, "free_bytes_per_s") for s in churn_sites)
    cn = sum(int(s.get("allocs", 0) or 0) for s in churn_sites)
    note("churn: %d sites, growth %.0f B/s, alloc %.0f B/s, free %.0f B/s, %d allocs in the run"
         % (len(churn_sites), cg, ca, cf, cn))
    if abs(cg) > 0.10 * growth:
        bad("churn growth %.0f B/s is over 10 %% of retain_leak's %.0f" % (cg, growth))
    if any(s.get("leak_suspect") for s in churn_sites):
        bad("a churn site is a leak suspect: %s" % [show(s, key) for s in churn_sites if s.get("leak_suspect")])
    # Every call is seen: the allocation rate is the fixture's (the run is
    # a little longer than the window, the rate the same).
    near("churn alloc_bytes_per_s", ca, churn["bytes_allocated"] / win, 0.25)
    if ca > 0 and abs(ca - cf) > 0.05 * ca:
        bad("churn frees %.0f B/s against %.0f allocated: a bounded pool frees what it allocates" % (cf, ca))
report()
PY
log "ok"
