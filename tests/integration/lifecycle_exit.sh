#!/bin/sh
# The target ending mid-run (issue 7, "Lifecycle"), beyond target_dies.sh
# (batch, SIGKILL, snapshot only): in batch mode the target exiting on its
# own and being SIGKILLed, each with both exports written and complete
# (the folded stacks hold the snapshot's samples) and status 0; in the live
# view, a SIGKILLed target shows "exited", its data stays on screen and in
# an `e` snapshot (target.exited true), and q then exits 0.
set -eu
. "$(dirname "$0")/../lib.sh"
setup_test
require_perf_events

check_complete() {
	json_check "$1/s.json" "$1/s.folded" "$2" "$3" <<'PY'
snap, folded, pid, what = load(sys.argv[1]), read_folded(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
TEST_NAME += " (%s)" % what
t = snap.get("target", {})
if int(t.get("pid", -1)) != pid: bad("target.pid %r, expected %d" % (t.get("pid"), pid))
if t.get("exited") is not True: bad("target.exited is %r, expected true" % t.get("exited"))
d = float(snap.get("duration_s", 0))
if d >= 25: bad("duration_s %.1f: kprof-top waited for --duration, not the target" % d)
fs = sum(n for f, n in folded)
hs = sum(int(h.get("self_samples", 0)) for h in snap.get("cpu", {}).get("hotspots", []))
note("duration_s %.2f, %d samples in the folded stacks, %d in the hotspots" % (d, fs, hs))
if fs <= 0: bad("the folded stacks are empty")
if fs != hs: bad("folded stacks hold %d samples, the snapshot's hotspots %d" % (fs, hs))
if not any(f[-1] == "leaf_hot" for f, n in folded): bad("no folded stack ends in leaf_hot")
report()
PY
}

# ---- batch: the target exits by itself, then one is killed ------------------
for how in exits killed; do
	d="$T/$how"
	mkdir "$d"
	if [ "$how" = exits ]; then secs=3; else secs=300; fi
	start_fixture cpu_split_nofp "$d/ready" --seconds "$secs" --threads 2 --truth "$d/truth.json"
	pid=$FIXTURE_PID
	spawn "$KPROF_TOP" -b --duration 30 -p "$pid" --snapshot "$d/s.json" \
		--folded "$d/s.folded" >"$d/out" 2>"$T/err"
	kpid=$BG_PID
	wait_attached "$kpid"
	if [ "$how" = killed ]; then
		sleep 1
		kill -KILL "$pid"
	fi
	wait_exit "$pid" 15 # reap it, as any parent would
	wait_exit "$kpid" 15
	expect_status "$RC" 0 "kprof-top -b -p $pid, target $how"
	[ -s "$d/out" ] || fail "$how: no batch report"
	[ -s "$d/s.json" ] && [ -s "$d/s.folded" ] || fail "$how: an export is missing"
	check_complete "$d" "$pid" "batch, target $how"
done

# ---- the live view: the target is killed, the data stays --------------------
command -v tmux >/dev/null 2>&1 || { log "tmux is not installed: live-view part skipped"; exit 0; }
tmux_start exit

d="$T/tui"
mkdir "$d"
start_fixture cpu_split_nofp "$d/ready" --seconds 300 --threads 2 --truth "$d/truth.json"
pid=$FIXTURE_PID
tmux_run 120 "cd '$d' && LANG=C.UTF-8 '$KPROF_TOP' -p $pid -d 0.5 2>'$d/err'; echo \$? >'$d/status'; exec sleep 60"
wait_until 15 on_screen leaf_hot || fail "TUI: leaf_hot not on screen:
$(screen)"
kill -KILL "$pid"
wait_exit "$pid" 10
wait_until 10 on_screen exited || fail "TUI: 'exited' not shown after the target was killed:
$(screen)"
sleep 1.5   # three refreshes: the rows must not go away
# (retried briefly: a capture can catch a frame half-way through drawing)
wait_until 2 on_screen leaf_hot || fail "TUI: the data went away after the target exited:
$(screen)"
alive "$kpid" || fail "TUI: kprof-top ended when the target did (it must stay to browse)"
tm send-keys -t kp e
wait_until 5 on_screen "wrote kprof-$pid-" || fail "TUI: e wrote no snapshot after the exit:
$(screen)"
snap=$(ls "$d"/kprof-"$pid"-*.json 2>/dev/null | head -n 1)
[ -n "$snap" ] || fail "TUI: no kprof-$pid-*.json in $d"
json_check "$snap" "$pid" <<'PY'
snap, pid = load(sys.argv[1]), int(sys.argv[2])
if snap.get("target", {}).get("exited") is not True: fail("target.exited is %r" % snap.get("target", {}).get("exited"))
names = [h.get("function") for h in snap.get("cpu", {}).get("hotspots", [])]
if "leaf_hot" not in names: fail("leaf_hot not in the snapshot after the exit: %r" % names[:10])
PY
tm send-keys -t kp q
wait_until 2 _not_alive "$kpid" || fail "TUI: kprof-top still running 2 s after q"
wait_for_file "$d/status" 5 "TUI: exit status"
[ "$(cat "$d/status")" = 0 ] || fail "TUI: status $(cat "$d/status") after q; stderr: $(head -c 300 "$d/err")"
