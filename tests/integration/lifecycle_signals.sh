#!/bin/sh
# SIGINT, SIGTERM and SIGHUP to kprof-top (issue 7, "Lifecycle"), in batch
# mode and in the live view (driven in tmux like tui.sh): each time the
# exports are written and complete, the status is 0 (README: a stop asked
# for is a success), the terminal is restored (the pane left the alternate
# screen and `stty -a` after kprof-top shows icanon and echo back on), and
# the target is left alone: not stopped, not traced, using CPU, its code
# as on disk (the malloc/free uprobes of --alloc-sites are int3s in its
# libc while attached: lifecycle_kill9.sh shows this check sees them), no
# probe left in tracefs.
set -eu
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lifecycle_lib.sh"
setup_test
require_perf_events

start_fixture cpu_split_nofp "$T/ready" --seconds 300 --threads 2 --truth "$T/truth.json"
pid=$FIXTURE_PID
probes_baseline

# check_exports DIR WHAT: the snapshot parses, has samples and leaf_hot; the
# folded stacks parse and agree with it.
check_exports() {
	[ -s "$1/s.json" ] || fail "$2: no snapshot written"
	[ -s "$1/s.folded" ] || fail "$2: no folded stacks written"
	json_check "$1/s.json" "$1/s.folded" "$pid" "$2" <<'PY'
snap, folded, pid, what = load(sys.argv[1]), read_folded(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
TEST_NAME += " (%s)" % what
if int(snap.get("target", {}).get("pid", -1)) != pid: fail("target.pid is wrong")
if snap.get("target", {}).get("exited") is not False: fail("target.exited is %r" % snap["target"].get("exited"))
taken = int(snap.get("samples", {}).get("taken", 0))
if taken <= 0: fail("samples.taken is 0")
if not any(f[-1] == "leaf_hot" for f, n in folded): fail("no folded stack ends in leaf_hot")
fs = sum(n for f, n in folded)
hs = sum(int(h.get("self_samples", 0)) for h in snap.get("cpu", {}).get("hotspots", []))
if fs != hs: fail("folded stacks hold %d samples, the snapshot's hotspots %d" % (fs, hs))
PY
}

# ---- batch ------------------------------------------------------------------
for sig in INT TERM HUP; do
	d="$T/batch-$sig"
	mkdir "$d"
	spawn "$KPROF_TOP" -b --trace all --alloc-sites --duration 60 -p "$pid" \
		--snapshot "$d/s.json" --folded "$d/s.folded" >"$d/out" 2>"$T/err"
	kpid=$BG_PID
	wait_attached "$kpid"
	wait_events_settled "$kpid" 15
	sleep 0.5
	kill -"$sig" "$kpid"
	wait_exit "$kpid" 15
	expect_status "$RC" 0 "kprof-top -b -p $pid, then SIG$sig"
	[ -s "$d/out" ] || fail "SIG$sig: no batch report"
	check_exports "$d" "batch SIG$sig"
	expect_left_alone "$pid" "batch, after SIG$sig"
done

# ---- the live view ----------------------------------------------------------
command -v tmux >/dev/null 2>&1 || { log "tmux is not installed: live-view part skipped"; exit 0; }
tmux_start sig

for sig in INT TERM HUP; do
	d="$T/tui-$sig"
	mkdir "$d"
	# After kprof-top: its status, then the terminal's modes as it left them.
	tmux_run 120 "cd '$d' && LANG=C.UTF-8 '$KPROF_TOP' -p $pid -d 0.5 --trace all --alloc-sites \
--snapshot s.json --folded s.folded 2>'$d/err'; echo \$? >'$d/status'; stty -a >'$d/stty'; \
echo kprof-top-done; exec sleep 60"
	wait_until 15 on_screen leaf_hot || fail "TUI SIG$sig: leaf_hot not on screen:
$(screen)"
	[ "$(tm display-message -p -t kp '#{alternate_on}')" = 1 ] ||
		fail "TUI SIG$sig: the live view is not on the alternate screen: test broken"
	kill -"$sig" "$kpid"
	wait_until 5 _not_alive "$kpid" || fail "TUI: kprof-top still running 5 s after SIG$sig"
	wait_for_file "$d/stty" 5 "TUI SIG$sig: the shell after kprof-top"
	[ "$(cat "$d/status")" = 0 ] ||
		fail "TUI: exit status $(cat "$d/status") after SIG$sig; stderr: $(head -c 300 "$d/err")"
	[ ! -s "$d/err" ] || fail "TUI SIG$sig: stderr: $(head -c 300 "$d/err")"
	wait_until 5 on_screen kprof-top-done || fail "TUI SIG$sig: the shell's output is not shown:
$(screen)"
	[ "$(tm display-message -p -t kp '#{alternate_on}')" = 0 ] ||
		fail "TUI SIG$sig: the pane is still on the alternate screen"
	for mode in icanon echo icrnl opost; do
		grep -Eq "(^| )$mode( |\$)" "$d/stty" ||
			fail "TUI SIG$sig: terminal not restored, '$mode' is off: $(cat "$d/stty")"
	done
	check_exports "$d" "TUI SIG$sig"
	expect_left_alone "$pid" "TUI, after SIG$sig"
	tm kill-session -t kp
done
stop_fixture "$pid" "$T/truth.json"
