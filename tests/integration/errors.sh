#!/bin/sh
# Error paths of the real binary: each must end with the documented exit
# status and exactly one line on stderr saying what went wrong — a PID that
# does not exist, a zombie, a reaped child, a kernel thread, unwritable
# output paths (and no partial or temporary file left behind), bad usage.
set -eu
. "$(dirname "$0")/../lib.sh"
setup_test

# expect_error STATUS PATTERN WHAT ARGS...: STATUS is a number or "nonzero";
# PATTERN an extended regex the one stderr line must match ("" for any).
expect_error() {
	_want=$1 _pat=$2 _what=$3
	shift 3
	run_kprof 20 "$@"
	if [ "$_want" = nonzero ]; then
		[ "$RC" -ne 0 ] || fail "$_what: exit status 0, expected a failure"
	else
		expect_status "$RC" "$_want" "$_what"
	fi
	expect_one_line "$T/err" "$_what"
	if [ -n "$_pat" ] && ! grep -Eiq -- "$_pat" "$T/err"; then
		fail "$_what: stderr does not match /$_pat/: $(cat "$T/err")"
	fi
	log "ok: $_what -> $RC: $(cat "$T/err")"
}

# A pid that no process has: count down from pid_max.
free_pid() {
	_p=$(($(cat /proc/sys/kernel/pid_max) - 1))
	while [ -e "/proc/$_p" ]; do _p=$((_p - 1)); done
	echo "$_p"
}

# ---- targets that cannot be profiled: status 2 ------------------------------
p=$(free_pid)
expect_error 2 "$p" "nonexistent pid" -b --duration 1 -p "$p"
expect_error 2 "" "non-numeric pid" -b --duration 1 -p 12abc

# A zombie: a python parent forks a child that exits and is never reaped.
python3 -c 'import os, sys, time
pid = os.fork()
if pid == 0:
    os._exit(0)
sys.stdout.write("%d\n" % pid); sys.stdout.flush()
time.sleep(60)' >"$T/zombie" &
track_pid $!
wait_for_file "$T/zombie" 10 "zombie maker" $!
zpid=$(cat "$T/zombie")
_is_zombie() { [ "$(proc_state "$zpid")" = Z ]; }
wait_until 10 _is_zombie || fail "pid $zpid did not become a zombie"
expect_error 2 "$zpid" "zombie pid" -b --duration 1 -p "$zpid"

# A child that exited and was reaped.
true &
rpid=$!
wait "$rpid" || true
[ ! -e "/proc/$rpid" ] || fail "reaped pid $rpid still exists"
expect_error 2 "$rpid" "exited (reaped) pid" -b --duration 1 -p "$rpid"

# A kernel thread: kthreadd is pid 2 on a normal machine; otherwise any task
# with PF_KTHREAD (0x00200000) in its stat flags.
kthread=$(python3 -c 'import os
for p in sorted((int(d) for d in os.listdir("/proc") if d.isdigit())):
    try: st = open("/proc/%d/stat" % p).read()
    except OSError: continue
    if int(st.rsplit(")", 1)[1].split()[6]) & 0x00200000:
        print(p); break')
[ -n "$kthread" ] || skip "no kernel thread visible in /proc"
expect_error 2 "kernel thread" "kernel thread (pid $kthread, $(cat "/proc/$kthread/comm"))" \
	-b --duration 1 -p "$kthread"

# ---- bad usage: status 2 ----------------------------------------------------
expect_error 2 "" "unknown option" --no-such-option
expect_error 2 "" "-p without a value" -p
expect_error 2 "" "no target at all" -b --duration 1

# The remaining cases need a live target, so only an option is wrong.
start_fixture cpu_split_nofp "$T/ready" --seconds 60 --threads 1 --truth "$T/truth.json"
pid=$FIXTURE_PID
expect_error 2 "" "-F 0" -b --duration 1 -F 0 -p "$pid"
expect_error 2 "" "-F -5" -b --duration 1 -F -5 -p "$pid"
expect_error 2 "" "--call-graph bogus" -b --duration 1 --call-graph bogus -p "$pid"
expect_error 2 "" "--duration abc" -b --duration abc -p "$pid"
expect_error 2 "" "both -p and -- CMD" -b --duration 1 -p "$pid" -- /bin/true

# ---- unwritable output paths: failure, one line naming the path, nothing
# left behind ----------------------------------------------------------------
# expect_clean DIR WHAT [KEEP]: DIR holds nothing but KEEP.
expect_clean() {
	for _f in "$1"/* "$1"/.[!.]*; do
		[ -e "$_f" ] || continue
		[ "${_f##*/}" != "${3:-}" ] || continue
		fail "$2: left behind in $1: ${_f##*/}"
	done
}

need_perf_for_writes() {
	# Writing happens after sampling; without perf events the run fails
	# earlier for another reason and would prove nothing.
	require_perf_events
}
need_perf_for_writes

expect_error nonzero "/nonexistent-dir/x.json" "--snapshot in a missing directory" \
	-b --duration 1 -p "$pid" --snapshot /nonexistent-dir/x.json
expect_error nonzero "/nonexistent-dir/x.folded" "--folded in a missing directory" \
	-b --duration 1 -p "$pid" --folded /nonexistent-dir/x.folded

# The target path is an existing directory: a temporary file can be made
# beside it, but the final rename fails — the temporary must be removed.
mkdir "$T/outdir" "$T/outdir/snap.json"
expect_error nonzero "$T/outdir/snap.json" "--snapshot naming a directory" \
	-b --duration 1 -p "$pid" --snapshot "$T/outdir/snap.json"
expect_clean "$T/outdir" "--snapshot naming a directory" snap.json

# A read-only directory.  Root ignores mode bits, so as root use a
# read-only tmpfs mount instead of chmod.
mkdir "$T/ro"
if [ "$(id -u)" -eq 0 ]; then
	if mount -t tmpfs -o ro,size=64k kprof-test "$T/ro" 2>/dev/null; then
		KPROF_MOUNTS="$KPROF_MOUNTS $T/ro"
	else
		log "cannot mount a read-only tmpfs (no CAP_SYS_ADMIN?): read-only case skipped"
		rmdir "$T/ro"
	fi
else
	chmod 555 "$T/ro"
fi
if [ -d "$T/ro" ]; then
	expect_error nonzero "$T/ro/x.json" "--snapshot in a read-only directory" \
		-b --duration 1 -p "$pid" --snapshot "$T/ro/x.json"
	expect_error nonzero "$T/ro/x.folded" "--folded in a read-only directory" \
		-b --duration 1 -p "$pid" --folded "$T/ro/x.folded"
	expect_clean "$T/ro" "read-only directory"
fi

# After all these failed runs the target must still be running normally.
case $(proc_state "$pid") in
R | S) ;;
*) fail "the target is in state $(proc_state "$pid") after the failed runs" ;;
esac
stop_fixture "$pid" "$T/truth.json"
