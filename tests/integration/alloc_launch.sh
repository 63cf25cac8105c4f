#!/bin/sh
# Allocation growth in launch mode: kprof-top -b -- alloc_sites --now
# --seconds 12.  kprof-top preloads its shim (libkprof-alloc.so), which
# samples the fixture's allocations by bytes into a shared-memory ring
# (alloc mode "preload").  The fixture retains ~2 MiB/s from retain_leak()
# (64–256 KiB blocks, memset, never freed) and allocates and frees about a
# million small blocks a second from churn(); its window is its whole run,
# as kprof-top's is.  Checks on the snapshot's alloc section:
#   - mode "preload"; retain_leak first by growth_bytes_per_s, all its sites
#     together within ±25 % of the fixture's retained rate, a leak suspect
#     (the run is longer than the leak rules' 10 s), and the process one too;
#   - churn not growth: |growth| under 10 % of retain_leak's, not a suspect;
#     its allocated bytes/s (an estimate from the byte samples) within
#     ±25 % of the fixture's count, and it frees what it allocates;
#   - alloc.rss_growth_bytes_per_s within ±25 % of the RSS growth the
#     fixture read itself (/proc/self/statm at its window's bounds);
#   - the target is unharmed: it ran to its end, exit code 0 (kprof-top's
#     too), its truth written, nothing of its own on stderr;
#   - no ring file /dev/shm/kprof-alloc-<kprof-top pid>-* is left behind,
#     after a normal end and after SIGINT to kprof-top in the middle of a
#     run (whose snapshot must still be written).
# The sampling mean is 64 KiB (--alloc-sample 64), not the default 512: at
# 512 KiB a 2 MiB/s leak needs ~10 s of samples for ±25 %
# (docs/alloc-shim.md); at 64 KiB nearly every retained block is sampled.
set -eu
. "$(dirname "$0")/../lib.sh"
setup_test
require_perf_events

# Long enough for the leak rules (alloc.h ALLOC_LEAK_MIN_SECS and usage.h
# USAGE_LEAK_MIN_SECS: 10 s of the run), so leak_suspect is checked.
SECONDS_RUN=12
LEAK_MIN_SECS=10
fixture="$FIXTURES/alloc_sites"
[ -x "$fixture" ] || fail "fixture not built: $fixture"

# ring_files KPID: the ring files a kprof-top of that pid made, if left.
ring_files() {
	for _f in /dev/shm/kprof-alloc-"$1"-*; do
		[ -e "$_f" ] && printf '%s ' "$_f"
	done
	return 0
}

# shim_in PID: the launched target has the shim loaded.
shim_in() { grep -q 'libkprof-alloc' "/proc/$1/maps" 2>/dev/null; }

# ---- 1. a whole run ----------------------------------------------------------
spawn "$KPROF_TOP" -b --alloc-sample 64 --snapshot "$T/s.json" -- \
	"$fixture" --now --seconds "$SECONDS_RUN" --block-max 262144 \
	--ready "$T/ready" --truth "$T/truth.json" >"$T/out" 2>"$T/err"
kpid=$BG_PID
wait_for_file "$T/ready" 10 "alloc_sites under kprof-top" "$kpid"
fpid=$(cat "$T/ready")
track_pid "$fpid"
# While it runs: the shim is in the target (this is the preload path, not a
# fallback); the ring file may already be unlinked.
shim_in "$fpid" || fail "libkprof-alloc.so is not mapped in the launched target $fpid"
log "launched target $fpid has the shim; ring files of kprof-top $kpid now: $(ring_files "$kpid")"
wait_exit "$kpid" $((SECONDS_RUN + 40))
expect_status "$RC" 0 "kprof-top -b -- alloc_sites --now --seconds $SECONDS_RUN"
left=$(ring_files "$kpid")
[ -z "$left" ] || fail "ring file(s) left behind after kprof-top ended: $left"
[ -s "$T/truth.json" ] || fail "the fixture wrote no truth (did it run to its end?)"
[ -s "$T/s.json" ] || fail "no snapshot written"
[ -s "$T/out" ] || fail "batch mode printed no report on stdout"
if grep -q 'alloc_sites:' "$T/err"; then
	fail "the fixture complained under the shim: $(grep 'alloc_sites:' "$T/err" | head -n 3)"
fi

json_check "$T/s.json" "$T/truth.json" "$LEAK_MIN_SECS" <<'PY'
snap, truth, leak_min = load(sys.argv[1]), load(sys.argv[2]), float(sys.argv[3])
target = snap.get("target", {})
if int(target.get("pid", -1)) != truth["pid"]:
    bad("target.pid %r, the fixture's pid was %d" % (target.get("pid"), truth["pid"]))
if target.get("launched") is not True or target.get("exited") is not True:
    bad("target launched %r, exited %r: expected both true" % (target.get("launched"), target.get("exited")))
if target.get("exit_code") != 0:
    bad("target.exit_code %r (exit_signal %r), expected 0" % (target.get("exit_code"), target.get("exit_signal")))

ret, churn, win, rss_truth = alloc_truth(truth, 5)

# The memory trend.  RSS includes the shared ring's pages as the shim
# fills them; the fixture's statm reading does too, so the two agree.
alloc = alloc_section(snap, "preload", rss_truth)
dur = num(snap, "duration_s")
if dur < leak_min + 1:
    fail("duration_s %.2f: too short for the leak rules (%.0f s), the test would test nothing" % (dur, leak_min))
if alloc.get("leak_suspect") is not True or not alloc.get("leak_reason"):
    bad("alloc.leak_suspect %r (leak_reason %r) after %.1f s of RSS growing %.0f B/s"
        % (alloc.get("leak_suspect"), alloc.get("leak_reason"), dur, rss_truth))

sites, retain_sites, churn_sites = alloc_sites_split(alloc, lambda s:
    "growth %.0f, alloc %.0f, free %.0f B/s, outstanding %s, allocs %s, oldest %s s, suspect %s"
    % (val(s, "growth_bytes_per_s"), val(s, "alloc_bytes_per_s"), val(s, "free_bytes_per_s"),
       s.get("outstanding_bytes"), s.get("allocs"), s.get("oldest_age_s"), s.get("leak_suspect")))
key = "growth_bytes_per_s"
growth = check_retain_first(sites, retain_sites, key, "growing fastest", ret["bytes_per_s"])
r0 = max(retain_sites, key=lambda s: val(s, key))
if int(r0.get("frees", 0) or 0) != 0:
    bad("retain_leak shows %s frees; it never frees" % r0.get("frees"))
near("retain_leak outstanding_bytes", float(r0.get("outstanding_bytes", 0) or 0), ret["retained_bytes"], 0.25)
if val(r0, "oldest_age_s") < 0.7 * win:
    bad("retain_leak oldest_age_s %r, but it has kept blocks since the start of the %.1f s run"
        % (r0.get("oldest_age_s"), win))
if r0.get("leak_suspect") is not True:
    bad("retain_leak is not a leak suspect (leak_suspect %r) after %.1f s of steady growth"
        % (r0.get("leak_suspect"), win))

if not churn_sites:
    bad("no site goes through churn: at one sample per 64 KiB its %.0f MB/s gives thousands"
        % (churn["bytes_allocated"] / win / 1e6))
else:
    cg = sum(val(s, key) for s in churn_sites)
    ca = sum(val(s, "alloc_bytes_per_s") for s in churn_sites)
    cf = sum(val(s, "free_bytes_per_s") for s in churn_sites)
    note("churn: %d sites, growth %.0f B/s, alloc %.0f B/s, free %.0f B/s, outstanding %d"
         % (len(churn_sites), cg, ca, cf, sum(int(s.get("outstanding_bytes", 0) or 0) for s in churn_sites)))
    if abs(cg) > 0.10 * growth:
        bad("churn growth %.0f B/s is over 10 %% of retain_leak's %.0f" % (cg, growth))
    if any(s.get("leak_suspect") for s in churn_sites):
        bad("a churn site is a leak suspect")
    near("churn alloc_bytes_per_s", ca, churn["bytes_allocated"] / win, 0.25)
    if ca > 0 and abs(ca - cf) > 0.05 * ca:
        bad("churn frees %.0f B/s against %.0f allocated: a bounded pool frees what it allocates" % (cf, ca))
report()
PY

# ---- 2. SIGINT to kprof-top in the middle of a run ---------------------------
rm -f "$T/ready"
spawn "$KPROF_TOP" -b --snapshot "$T/int.json" -- \
	"$fixture" --now --seconds 60 --ready "$T/ready" --truth "$T/int.truth.json" \
	>"$T/int.out" 2>"$T/err"
kpid=$BG_PID
wait_for_file "$T/ready" 10 "alloc_sites under kprof-top" "$kpid"
fpid=$(cat "$T/ready")
track_pid "$fpid"
wait_until 5 shim_in "$fpid" || fail "libkprof-alloc.so is not mapped in the launched target $fpid"
# Some samples in flight: churn makes ~500 a second at the default mean.
sleep 1
alive "$kpid" || fail "kprof-top ended early; stderr: $(head -c 400 "$T/err")"
kill -INT "$kpid"
wait_exit "$kpid" 20
log "kprof-top exited with $RC after SIGINT; the target is $(proc_state "$fpid")"
case $RC in
0 | 130) ;;
*) fail "kprof-top exited with status $RC after SIGINT; stderr: $(head -c 400 "$T/err")" ;;
esac
left=$(ring_files "$kpid")
[ -z "$left" ] || fail "ring file(s) left behind after SIGINT to kprof-top: $left"
[ -s "$T/int.json" ] || fail "no snapshot written after SIGINT"
json_check "$T/int.json" <<'PY'
a = load(sys.argv[1]).get("alloc", {})
note("after SIGINT: alloc.mode %r, %d sites" % (a.get("mode"), len(a.get("sites") or [])))
if a.get("mode") != "preload": fail("after SIGINT: alloc.mode is %r, expected preload" % a.get("mode"))
if not a.get("sites"): fail("after SIGINT: no allocation sites in the snapshot")
PY
log "ok"
