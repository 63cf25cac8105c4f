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
problems = []
def bad(msg):
    # Every check runs; the test fails at the end with all that failed.
    problems.append(msg)
    note("FAIL: " + msg)
def num(d, k):
    v = d.get(k)
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        fail("%s is %r, not a number" % (k, v))
    return float(v)
def near(what, got, want, tol):
    note("%s: kprof-top %.0f, truth %.0f (%+.1f %%, allowed ±%.0f %%)"
         % (what, got, want, 100.0 * (got - want) / want if want else 0, 100 * tol))
    if abs(got - want) > tol * want:
        bad("%s %.0f is off the truth %.0f by more than %.0f %%" % (what, got, want, 100 * tol))
def frames_of(site): return [frame_name(str(f)) for f in site.get("frames") or []]
def is_retain(site): return "retain_leak" in frames_of(site)
def is_churn(site):
    f = frames_of(site)
    return "churn" in f and "retain_leak" not in f
def val(s, k): return float(s.get(k, 0) or 0)

target = snap.get("target", {})
if int(target.get("pid", -1)) != truth["pid"]:
    bad("target.pid %r, the fixture's pid was %d" % (target.get("pid"), truth["pid"]))
if target.get("launched") is not True or target.get("exited") is not True:
    bad("target launched %r, exited %r: expected both true" % (target.get("launched"), target.get("exited")))
if target.get("exit_code") != 0:
    bad("target.exit_code %r (exit_signal %r), expected 0" % (target.get("exit_code"), target.get("exit_signal")))

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
if churn["bytes_allocated"] < 5 * ret["retained_bytes"]:
    fail("churn allocated only %d bytes against %d retained: it did not churn"
         % (churn["bytes_allocated"], ret["retained_bytes"]))
rss_truth = truth["rss"]["growth_bytes_per_s"]
if not truth["rss"]["start_bytes"] or rss_truth <= 0:
    fail("the fixture could not read its RSS: %r" % truth["rss"])

alloc = snap.get("alloc")
if not isinstance(alloc, dict): fail("the snapshot has no alloc section")
note("alloc.mode %r, note %r" % (alloc.get("mode"), alloc.get("note")))
if alloc.get("mode") != "preload":
    fail("alloc.mode is %r, expected preload (note: %r)" % (alloc.get("mode"), alloc.get("note")))
if not isinstance(alloc.get("memory"), dict):
    bad("alloc.memory is %r, expected an object" % (alloc.get("memory"),))

# The memory trend.  RSS includes the shared ring's pages as the shim
# fills them; the fixture's statm reading does too, so the two agree.
near("alloc.rss_growth_bytes_per_s", num(alloc, "rss_growth_bytes_per_s"), rss_truth, 0.25)
r2 = alloc.get("rss_fit_r2")
note("rss_fit_r2 %r, anon_growth_bytes_per_s %r, leak_suspect %r (%r)"
     % (r2, alloc.get("anon_growth_bytes_per_s"), alloc.get("leak_suspect"), alloc.get("leak_reason")))
if not isinstance(r2, (int, float)) or not (0.9 <= r2 <= 1.0 + 1e-9):
    bad("rss_fit_r2 %r: a steady 2 MiB/s ramp fits a line (expected 0.9..1)" % (r2,))
dur = num(snap, "duration_s")
if dur < leak_min + 1:
    fail("duration_s %.2f: too short for the leak rules (%.0f s), the test would test nothing" % (dur, leak_min))
if alloc.get("leak_suspect") is not True or not alloc.get("leak_reason"):
    bad("alloc.leak_suspect %r (leak_reason %r) after %.1f s of RSS growing %.0f B/s"
        % (alloc.get("leak_suspect"), alloc.get("leak_reason"), dur, rss_truth))

sites = alloc.get("sites")
if not isinstance(sites, list) or not sites:
    fail("alloc.sites is empty (%r); note %r" % (sites, alloc.get("note")))
for s in sites[:6]:
    note("site: growth %.0f, alloc %.0f, free %.0f B/s, outstanding %s, allocs %s, oldest %s s, suspect %s: %s"
         % (val(s, "growth_bytes_per_s"), val(s, "alloc_bytes_per_s"), val(s, "free_bytes_per_s"),
            s.get("outstanding_bytes"), s.get("allocs"), s.get("oldest_age_s"), s.get("leak_suspect"),
            ";".join(frames_of(s)[-5:])))
retain_sites = [s for s in sites if is_retain(s)]
churn_sites = [s for s in sites if is_churn(s)]
if not retain_sites:
    fail("no site goes through retain_leak; top sites: %s" % [";".join(frames_of(s)[-4:]) for s in sites[:5]])
key = "growth_bytes_per_s"
if not is_retain(sites[0]):
    bad("the first site does not go through retain_leak (growth %.0f B/s: %s)"
        % (val(sites[0], key), ";".join(frames_of(sites[0])[-5:])))
top = max(sites, key=lambda s: val(s, key))
if not is_retain(top):
    bad("the site growing fastest does not go through retain_leak: %s" % ";".join(frames_of(top)[-5:]))
growth = sum(val(s, key) for s in retain_sites)
near("growth_bytes_per_s through retain_leak (%d sites)" % len(retain_sites), growth, ret["bytes_per_s"], 0.25)
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
if problems: fail("%d check(s) failed: %s" % (len(problems), "; ".join(problems)))
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
