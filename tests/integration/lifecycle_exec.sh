#!/bin/sh
# exec() in the target (issue 7, "Lifecycle"): exec_image_a computes in
# a_hot for 2 s of CPU, then execs exec_image_b, which computes in b_hot
# for 2 s and exits.  Attached before the exec (-p) and launching it
# (-- CMD), kprof-top must name both functions — b_hot from the new image's
# symbols, not exec_image_b+0x… — with samples matching each phase's CPU
# time as the fixture measured it (cpu-clock at -F 499 is a fixed period
# of CPU time: samples ≈ cpu_s × 499, ±10 %; the binomial noise on ~1000
# samples is ~3 %), and end by itself when the target exits (status 0,
# target.exited true).
set -eu
. "$(dirname "$0")/../lib.sh"
setup_test
require_perf_events

check_exec() {
	json_check "$1/s.json" "$1/s.folded" "$1/truth.json" "$HZ" "$2" <<'PY'
snap, folded, truth, hz, mode = load(sys.argv[1]), read_folded(sys.argv[2]), load(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
TEST_NAME += " (%s)" % mode
t = snap.get("target", {})
if int(t.get("pid", -1)) != truth["pid"]: bad("target.pid %r, the fixture was %d" % (t.get("pid"), truth["pid"]))
if truth["a_pid"] != truth["pid"]: fail("the fixture's pid changed over the exec: test broken")
if t.get("exited") is not True: bad("target.exited is %r, expected true" % t.get("exited"))
if truth.get("stopped_early"): fail("the fixture was stopped early")
hot = snap.get("cpu", {}).get("hotspots", [])
total = sum(int(h.get("self_samples", 0)) for h in hot)
# Samples in stacks through each hot function (its clock_gettime calls, a
# syscall, included: the fixture's CPU time counts them too).
s = {"a_hot": 0, "b_hot": 0}
for h in hot:
    if frame_name(str(h.get("function", ""))) in s:
        s[frame_name(h["function"])] += int(h.get("total_samples", 0))
for fn in ("a_hot", "b_hot"):
    cpu = truth[fn]["cpu_s"]
    near("%s samples" % fn, s[fn], cpu * hz, 0.10, "fixture CPU %.3f s × %d Hz" % (cpu, hz))
# Unnamed code of either image: samples there mean a symbol was missed.
unnamed = [(h["function"], h.get("self_samples")) for h in hot
           if str(h.get("function", "")).startswith(("exec_image_a+", "exec_image_b+"))]
un = sum(int(n or 0) for _, n in unnamed)
note("%d of %d samples in unnamed code of the two images: %s" % (un, total, unnamed[:5]))
if un > 0.02 * total: bad("%d samples are in unnamed code of the images: %s" % (un, unnamed[:5]))
# The folded stacks agree, and b_hot's stacks run in the new image only.
fa = sum(n for f, n in folded if "a_hot" in f)
fb = sum(n for f, n in folded if "b_hot" in f)
note("folded: a_hot %d, b_hot %d" % (fa, fb))
if fa != s["a_hot"] or fb != s["b_hot"]:
    bad("folded counts a_hot %d, b_hot %d differ from the hotspots' %d, %d" % (fa, fb, s["a_hot"], s["b_hot"]))
mixed = [";".join(f) for f, n in folded if "a_hot" in f and "b_hot" in f]
if mixed: bad("stacks hold both images' functions: %s" % mixed[:3])
report()
PY
}

# ---- attach before the exec -------------------------------------------------
d="$T/attach"
mkdir "$d"
start_fixture exec_image_a "$d/ready" --a-seconds 2 --b-seconds 2 --truth "$d/truth.json"
pid=$FIXTURE_PID
spawn "$KPROF_TOP" -b -F "$HZ" --duration 60 -p "$pid" --snapshot "$d/s.json" \
	--folded "$d/s.folded" >"$d/out" 2>"$T/err"
kpid=$BG_PID
wait_attached "$kpid"
wait_events_settled "$kpid"
kill -USR1 "$pid"   # a_hot starts now, with kprof-top attached
wait_exit "$kpid" 60
expect_status "$RC" 0 "kprof-top -b -p $pid, the target exec'd and exited"
[ -s "$d/truth.json" ] || fail "attach: the fixture wrote no truth"
[ -s "$d/s.json" ] && [ -s "$d/s.folded" ] || fail "attach: snapshot or folded stacks not written"
check_exec "$d" attach
log "attach: ok"

# ---- launch: from the first instruction, through the exec -------------------
d="$T/launch"
mkdir "$d"
run_kprof 60 -b -F "$HZ" --snapshot "$d/s.json" --folded "$d/s.folded" -- \
	"$FIXTURES/exec_image_a" --now --a-seconds 2 --b-seconds 2 --truth "$d/truth.json"
expect_status "$RC" 0 "kprof-top -b -- exec_image_a"
[ -s "$d/truth.json" ] || fail "launch: the fixture wrote no truth"
[ -s "$d/s.json" ] && [ -s "$d/s.folded" ] || fail "launch: snapshot or folded stacks not written"
check_exec "$d" launch
log "launch: ok"
