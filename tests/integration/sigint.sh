#!/bin/sh
# SIGINT to kprof-top in batch mode before --duration ends: it writes the
# report and the snapshot, exits 0, and leaves the target running — not
# stopped, not traced.
set -eu
. "$(dirname "$0")/../lib.sh"
setup_test
require_perf_events

start_fixture cpu_split_nofp "$T/ready" --seconds 60 --threads 2 --truth "$T/truth.json"
pid=$FIXTURE_PID
spawn "$KPROF_TOP" -b --duration 30 -p "$pid" --snapshot "$T/s.json" \
	--folded "$T/s.folded" >"$T/out" 2>"$T/err"
kpid=$BG_PID
wait_attached "$kpid"
sleep 1 # a sampling window, so the report has something in it
kill -INT "$kpid"
wait_exit "$kpid" 15
expect_status "$RC" 0 "kprof-top -b --duration 30 -p $pid, then SIGINT"
[ -s "$T/out" ] || fail "no batch report on stdout after SIGINT"
[ -s "$T/s.json" ] || fail "no snapshot written after SIGINT"
[ -s "$T/s.folded" ] || fail "no folded stacks written after SIGINT"

# The target must go on running: state R or S (not T/t), no tracer, and its
# CPU time still growing.
state=$(proc_state "$pid")
case $state in
R | S) ;;
*) fail "target state after kprof-top exited is '$state', expected R or S" ;;
esac
tracer=$(awk '/^TracerPid:/ { print $2 }' "/proc/$pid/status")
[ "$tracer" = 0 ] || fail "target is still traced by pid $tracer"
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat"; }
before=$(cpu_ticks)
_progressed() { [ "$(cpu_ticks)" -gt "$before" ]; }
wait_until 5 _progressed || fail "target's CPU time stopped growing after kprof-top exited"

json_check "$T/s.json" "$pid" <<'PY'
snap, pid = load(sys.argv[1]), int(sys.argv[2])
t = snap.get("target", {})
if int(t.get("pid", -1)) != pid: fail("target.pid is %r, expected %d" % (t.get("pid"), pid))
if t.get("exited") is not False: fail("target.exited is %r, expected false" % t.get("exited"))
if int(snap.get("samples", {}).get("taken", 0)) <= 0: fail("samples.taken is 0")
d = float(snap.get("duration_s", 0))
note("duration_s %.2f after SIGINT at ~1 s" % d)
if d >= 29: fail("duration_s is %.1f: SIGINT did not cut the run short" % d)
PY
stop_fixture "$pid" "$T/truth.json"
