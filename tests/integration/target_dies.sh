#!/bin/sh
# The target is SIGKILLed while kprof-top samples it in batch mode:
# kprof-top must end soon after (not wait for --duration), exit 0, and still
# write a snapshot with the samples taken before the death and
# target.exited true.
set -eu
. "$(dirname "$0")/../lib.sh"
setup_test
require_perf_events

start_fixture cpu_split_nofp "$T/ready" --seconds 60 --threads 2 --truth "$T/truth.json"
pid=$FIXTURE_PID
spawn "$KPROF_TOP" -b --duration 30 -p "$pid" --snapshot "$T/s.json" >"$T/out" 2>"$T/err"
kpid=$BG_PID
wait_attached "$kpid"
sleep 1 # a sampling window before the kill: there must be samples to keep
start=$(now_epoch)
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true # reap it, as any parent would
wait_exit "$kpid" 15
end=$(now_epoch)
expect_status "$RC" 0 "kprof-top -b --duration 30 -p $pid, target killed"
[ -s "$T/s.json" ] || fail "no snapshot written after the target died"
[ -s "$T/out" ] || fail "no batch report on stdout after the target died"

json_check "$T/s.json" "$pid" "$start" "$end" <<'PY'
snap, pid, start, end = load(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
note("kprof-top ended %.2f s after the target was killed" % (end - start))
t = snap.get("target", {})
if int(t.get("pid", -1)) != pid: fail("target.pid is %r, expected %d" % (t.get("pid"), pid))
if t.get("exited") is not True: fail("target.exited is %r, expected true" % t.get("exited"))
taken = int(snap.get("samples", {}).get("taken", 0))
if taken <= 0: fail("samples.taken is %d: the samples before the kill were lost" % taken)
if not snap.get("cpu", {}).get("hotspots"): fail("cpu.hotspots is empty")
note("samples.taken %d" % taken)
PY
