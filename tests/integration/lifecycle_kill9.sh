#!/bin/sh
# kill -9 of kprof-top mid-run (issue 7, "Lifecycle"): with --trace all
# (syscall tracepoints), with --alloc-sites (uprobes on malloc/free), and in
# launch mode with the LD_PRELOAD allocation shim.  Each time the target
# must keep running — no thread stopped, not traced, using CPU — with its
# code as on disk (no uprobe int3 left in its libc; checked to be visible
# while --alloc-sites is attached, so the check can fail), no probe left in
# tracefs, and no /dev/shm/kprof-alloc-* file, then or ever.
set -eu
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lifecycle_lib.sh"
setup_test
require_perf_events

probes_baseline
shm_files() { ls /dev/shm 2>/dev/null | grep "^kprof-alloc-$1-" || true; }

start_fixture cpu_split_nofp "$T/ready" --seconds 300 --threads 2 --truth "$T/truth.json"
pid=$FIXTURE_PID

# ---- attach: --trace all, then --alloc-sites --------------------------------
for opts in "--trace all" "--alloc-sites"; do
	# shellcheck disable=SC2086 # the options are words
	spawn "$KPROF_TOP" -b $opts -p "$pid" >"$T/out" 2>"$T/err"
	kpid=$BG_PID
	wait_attached "$kpid"
	wait_events_settled "$kpid" 15
	if [ "$opts" = --alloc-sites ]; then
		grep -q '"mode": "uprobes"' /dev/null 2>&1 || true
		patches=$(code_patches "$pid")
		[ -n "$patches" ] ||
			skip_no_perf "--alloc-sites placed no breakpoint in the target (uprobes refused?): $(head -c 300 "$T/err")"
		log "while attached with --alloc-sites: $patches"
	fi
	sleep 0.5
	kill -KILL "$kpid"
	wait_exit "$kpid" 10 2>/dev/null
	[ "$RC" -eq 137 ] || fail "kprof-top $opts: status $RC after kill -9, expected 137"
	expect_left_alone "$pid" "attach $opts, after kill -9 of kprof-top"
done
stop_fixture "$pid" "$T/truth.json"

# ---- launch with the preload shim -------------------------------------------
spawn "$KPROF_TOP" -b -- "$FIXTURES/cpu_split_nofp" --seconds 300 --threads 2 \
	--ready "$T/lready" --truth "$T/ltruth.json" >"$T/out" 2>"$T/err"
kpid=$BG_PID
wait_for_file "$T/lready" 15 "launched cpu_split_nofp" "$kpid"
lpid=$(cat "$T/lready")
track_pid "$lpid"
wait_attached "$kpid"
grep -q 'libkprof-alloc' "/proc/$lpid/maps" ||
	fail "launch: the allocation shim is not loaded in the target; stderr: $(head -c 300 "$T/err")"
[ -z "$(shm_files "$kpid")" ] || fail "launch: /dev/shm holds $(shm_files "$kpid") while running"
sleep 0.5
kill -KILL "$kpid"
wait_exit "$kpid" 10
expect_left_alone "$lpid" "launch, after kill -9 of kprof-top"
[ -z "$(shm_files "$kpid")" ] || fail "launch: /dev/shm holds $(shm_files "$kpid") after kill -9"
# Not our child (kprof-top was its parent): stop it and wait for its truth.
kill -TERM "$lpid"
wait_until 10 _not_alive "$lpid" || fail "launch: the target did not end on SIGTERM"
[ -s "$T/ltruth.json" ] || fail "launch: the target wrote no truth on SIGTERM"
