#!/bin/sh
# --speedscope, validated by speedscope's own JSON schema (shipped in the
# speedscope npm package; ajv) and semantic checks (tests/js/speedscope-
# check.js), against the fixtures' truth and the snapshot of the same run:
# 1. cpu_split_nofp for 4 s: one sampled profile per pane in profile.h's
#    order with speedscope's units, CPU the active one; leaf_hot's share
#    within ±5 points of the fixture's truth, every leaf's samples exactly
#    the snapshot's self samples, frames carrying their module as file.
# 2. lock_contend: the lock profile's [lock g_ledger] leaf weighs exactly
#    the wait ns of the snapshot's g_ledger call sites.
# 3. Files speedscope would refuse (a unit it does not know, a frame index
#    past the table) are refused by the checks: they can fail.
set -eu
. "$(dirname "$0")/../lib.sh"
. "${KPROF_JS_DIR:-$(dirname "$0")/../js}/readers.sh"
setup_test
require_js_readers
require_perf_events

# ---- 1. CPU ------------------------------------------------------------------
start_fixture cpu_split_nofp "$T/ready" --seconds 60 --threads 2 --truth "$T/truth.json"
pid=$FIXTURE_PID
run_kprof 40 -b -F "$HZ" --duration 4 -p "$pid" --speedscope "$T/cpu.speedscope.json" --snapshot "$T/cpu.json"
expect_status "$RC" 0 "kprof-top -b --duration 4 -p $pid --speedscope"
stop_fixture "$pid" "$T/truth.json"
[ -s "$T/cpu.speedscope.json" ] || fail "no speedscope file written"
speedscope_check "$T/cpu.speedscope.json" "$T/cpu.check.json"

json_check "$T/cpu.check.json" "$T/cpu.json" "$T/truth.json" <<'PY'
d, snap, truth = load(sys.argv[1]), load(sys.argv[2]), load(sys.argv[3])
profs = d["profiles"]
note("exporter %r, %d frames, profiles %s" % (d["exporter"], d["frames"],
     [(p["name"], p["unit"], p["samples"], p["total"]) for p in profs]))
if not str(d["exporter"]).startswith("kprof-top "): bad("exporter %r" % d["exporter"])
units = [p["unit"] for p in profs]
if units != ["none", "bytes", "bytes", "nanoseconds"]: bad("profile units %s" % units)
if d["active"] != 0: bad("activeProfileIndex %r, expected 0 (CPU)" % d["active"])
cpu = profs[0]
if cpu["total"] != int(snap["samples"]["in_window"]):
    bad("CPU profile weighs %d samples, the snapshot has %d" % (cpu["total"], int(snap["samples"]["in_window"])))
snap_self = {}
for h in snap["cpu"]["hotspots"]:
    snap_self[h["function"]] = snap_self.get(h["function"], 0) + int(h["self_samples"])
diff = dict((f, (cpu["self"].get(f, 0), snap_self.get(f, 0))) for f in set(cpu["self"]) | set(snap_self)
            if cpu["self"].get(f, 0) != snap_self.get(f, 0))
if diff: bad("leaf weights differ from the snapshot's self samples (speedscope, snapshot): %s" % sorted(diff.items())[:8])
check_leaf_split(cpu["self"], truth, "speedscope")
if d["files"].get("leaf_hot") != "cpu_split_nofp": bad("leaf_hot's file is %r" % d["files"].get("leaf_hot"))
report()
PY
log "cpu: ok"

# ---- 2. Lock waits -------------------------------------------------------------
contend_run "$T/ltruth.json" 7 2 --speedscope "$T/lock.speedscope.json" --snapshot "$T/lock.json"
case $(snap_mode "$T/lock.json" locks_mode locks_note) in
traced*) ;;
*) skip_no_perf "locks_mode is not traced: $(snap_mode "$T/lock.json" locks_mode locks_note)" ;;
esac
speedscope_check "$T/lock.speedscope.json" "$T/lock.check.json"

json_check "$T/lock.check.json" "$T/lock.json" <<'PY'
d, snap = load(sys.argv[1]), load(sys.argv[2])
locks = d["profiles"][3]
note("lock profile %r (%s): %d samples, leaves %s" % (locks["name"], locks["unit"], locks["samples"],
     sorted(locks["self"].items(), key=lambda x: -x[1])[:4]))
want = ledger_site_wait(snap)
got = locks["self"].get("[lock g_ledger]", 0)
note("g_ledger: speedscope %d ns, snapshot's sites %d ns" % (got, want))
if got != want: bad("[lock g_ledger] weighs %d ns, the snapshot's sites %d ns" % (got, want))
report()
PY
log "locks: ok"

# ---- 3. The checks can say no ---------------------------------------------------
python3 - "$T/lock.speedscope.json" "$T/bad_unit.json" "$T/bad_frame.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["profiles"][0]["unit"] = "samples"
json.dump(d, open(sys.argv[2], "w"))
d = json.load(open(sys.argv[1]))
p = next(p for p in d["profiles"] if p["samples"])
p["samples"][0] = p["samples"][0] + [len(d["shared"]["frames"])]
json.dump(d, open(sys.argv[3], "w"))
PY
for bad in bad_unit bad_frame; do
	if NODE_PATH=$JS_MODULES node "$JS_DIR/speedscope-check.js" "$T/$bad.json" >/dev/null 2>"$T/$bad.err"; then
		fail "$bad.json was accepted: the checks above could not fail"
	fi
	log "$bad.json refused: $(cut -c1-160 "$T/$bad.err")"
done
log "ok"
