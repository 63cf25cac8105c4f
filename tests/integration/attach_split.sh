#!/bin/sh
# Attach to the cpu_split fixture (-O2, with and without frame pointers,
# two busy threads plus one started after attach) for 4 s in the default
# DWARF mode, and compare with what the fixture measured about itself:
# the leaf_hot/leaf_cold split within ±5 points, ≥ 90 % of each leaf's
# samples under its real caller, the late thread sampled, target.pid right.
set -eu
. "$(dirname "$0")/../lib.sh"
setup_test
require_perf_events

for variant in cpu_split_nofp cpu_split_fp; do
	d="$T/$variant"
	mkdir "$d"
	# --seconds is only a safety net: the fixture is stopped (SIGTERM) as
	# soon as kprof-top is done.
	start_fixture "$variant" "$d/ready" --seconds 60 --threads 2 --truth "$d/truth.json"
	pid=$FIXTURE_PID

	spawn "$KPROF_TOP" -b -F "$HZ" --duration 4 -p "$pid" \
		--snapshot "$d/s.json" --folded "$d/s.folded" >"$d/out" 2>"$T/err"
	kpid=$BG_PID
	wait_attached "$kpid"
	attached_at=$(now_epoch)
	# Let the initial threads be sampled for about a second, then start the
	# late thread: it must be picked up although it did not exist at attach.
	sleep 1
	kill -USR1 "$pid"
	wait_exit "$kpid" 30
	ended_at=$(now_epoch)
	expect_status "$RC" 0 "$variant: kprof-top -b --duration 4 -p $pid"
	stop_fixture "$pid" "$d/truth.json"

	[ -s "$d/s.json" ] || fail "$variant: no snapshot written"
	[ -s "$d/s.folded" ] || fail "$variant: no folded stacks written"

	json_check "$d/s.json" "$d/s.folded" "$d/truth.json" "$pid" "$attached_at" "$variant" \
		"$ended_at" <<'PY'
snap, folded, truth = load(sys.argv[1]), read_folded(sys.argv[2]), load(sys.argv[3])
pid, attached_at, variant, ended_at = int(sys.argv[4]), float(sys.argv[5]), sys.argv[6], float(sys.argv[7])
TEST_NAME += " (%s)" % variant
if snap.get("format") != "kprof-snapshot": fail("format is %r" % snap.get("format"))
if int(snap.get("target", {}).get("pid", -1)) != pid:
    fail("target.pid is %r, expected %d" % (snap.get("target", {}).get("pid"), pid))
if int(snap.get("samples", {}).get("taken", 0)) <= 0: fail("samples.taken is 0")

check_split(snap, truth)

# DWARF mode: the caller of each leaf must be right (path_alpha;leaf_hot).
for leaf, caller in (("leaf_hot", "path_alpha"), ("leaf_cold", "path_beta")):
    share, n = path_share(folded, leaf, caller)
    note("%s: %.1f %% of %d folded samples end in %s;%s" % (leaf, 100 * share, n, caller, leaf))
    if n == 0: fail("no folded stack ends in %s" % leaf)
    if share < 0.90:
        bad = [(";".join(f[-4:]), c) for f, c in folded if f[-1] == leaf and (len(f) < 2 or f[-2] != caller)]
        bad.sort(key=lambda x: -x[1])
        fail("only %.1f %% of %s samples have %s as caller; e.g. %s" % (100 * share, leaf, caller, bad[:3]))

# Every thread the fixture ran, the late one included, was sampled.
late = truth.get("late_thread")
if not late: fail("the fixture started no late thread")
if late["started_epoch_s"] <= attached_at:
    fail("late thread started before kprof-top attached: test is not testing anything")
note("late thread started %.2f s after the fixture was ready, %.2f s after the attach was"
     " seen, %.2f s before kprof-top ended" % (late["started_after_ready_s"],
     late["started_epoch_s"] - attached_at, ended_at - late["started_epoch_s"]))
for t in truth["per_thread"]:
    n = thread_samples(snap, t["tid"])
    note("thread %d (%s%s): %s samples; it ran %.2f s of CPU in all"
         % (t["tid"], t["name"], ", late" if t["late"] else "", n, t["cpu_s"]))
    if not n:
        fail("thread %d (%s) has no samples in threads[]; threads[] = %s; duration_s %s"
             % (t["tid"], t["name"], json.dumps(snap.get("threads")), snap.get("duration_s")))
PY
	log "$variant: ok"
done
