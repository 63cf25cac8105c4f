#!/bin/sh
# Launch mode: kprof-top -- cpu_split_nofp.  kprof-top must end by itself
# when the fixture exits (status 0), sample from the start (the main thread
# is there), and report the fixture's leaf split within ±5 points.
set -eu
. "$(dirname "$0")/../lib.sh"
setup_test
require_perf_events

fixture="$FIXTURES/cpu_split_nofp"
[ -x "$fixture" ] || fail "fixture not built: $fixture"

RC=0
timeout -k 5 40 "$KPROF_TOP" -b -F "$HZ" --snapshot "$T/s.json" --folded "$T/s.folded" -- \
	"$fixture" --seconds 3 --threads 2 --late-thread-after 1 --truth "$T/truth.json" \
	>"$T/out" 2>"$T/err" || RC=$?
[ "$RC" -ne 124 ] || fail "kprof-top did not end within 40 s although the 3 s fixture exited"
expect_status "$RC" 0 "kprof-top -b -- cpu_split_nofp --seconds 3"
[ -s "$T/truth.json" ] || fail "the fixture wrote no truth (did it run to the end?)"
[ -s "$T/s.json" ] || fail "no snapshot written"
[ -s "$T/out" ] || fail "batch mode printed no report on stdout"

json_check "$T/s.json" "$T/truth.json" <<'PY'
snap, truth = load(sys.argv[1]), load(sys.argv[2])
target = snap.get("target", {})
if int(target.get("pid", -1)) != truth["pid"]:
    fail("target.pid is %r, the fixture's pid was %d" % (target.get("pid"), truth["pid"]))
if target.get("exited") is not True: fail("target.exited is %r, expected true" % target.get("exited"))
check_split(snap, truth)
for t in truth["per_thread"]:
    n = thread_samples(snap, t["tid"])
    note("thread %d (%s): %s samples" % (t["tid"], t["name"], n))
    if not n: fail("thread %d (%s) has no samples in threads[]" % (t["tid"], t["name"]))
PY
