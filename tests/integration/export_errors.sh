#!/bin/sh
# Exports that cannot be written (issue 7, "Lifecycle"): --snapshot or
# --folded to /dev/full, into a read-only file system (or directory), into
# a missing directory, onto a full file system.  Each run must end with
# status 1 (README "Exit status": an export that could not be written),
# exactly one line on stderr naming the file and saying what to do, no
# half-written file and no temporary left where it tried, and the other
# export of the same run still written and complete.
set -eu
. "$(dirname "$0")/../lib.sh"
setup_test
require_perf_events

start_fixture cpu_split_nofp "$T/ready" --seconds 120 --threads 2 --truth "$T/truth.json"
pid=$FIXTURE_PID

# A read-only place and a full one: tmpfs mounts as root, else a chmod'ed
# directory (root ignores directory permissions) and /dev/full only.
mkdir "$T/ro" "$T/full" "$T/out_dir"
full_fs=false
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o ro,size=64k kprof-test "$T/ro" 2>/dev/null; then
	KPROF_MOUNTS="$KPROF_MOUNTS $T/ro"
	if mount -t tmpfs -o size=8k kprof-test "$T/full" 2>/dev/null; then
		KPROF_MOUNTS="$KPROF_MOUNTS $T/full"
		dd if=/dev/zero of="$T/full/fill" bs=1k count=64 2>/dev/null || true
		full_fs=true
	fi
else
	[ "$(id -u)" != 0 ] || skip "cannot mount a read-only tmpfs as root"
	chmod 555 "$T/ro"
fi

# try NAME BAD_OPTION BAD_PATH WHAT_TO_SAY GOOD_OPTION: one run with an export
# that must fail and one that must be written.
try() {
	_name=$1 _bad=$2 _path=$3 _hint=$4 _good=$5
	_dir=$(dirname "$_path")
	_before=$(ls -A "$_dir" 2>/dev/null | sort | tr '\n' ' ')
	rm -f "$T/out_dir/good"
	run_kprof 30 -b --duration 1 -p "$pid" "$_bad" "$_path" "$_good" "$T/out_dir/good"
	expect_status "$RC" 1 "$_name: $_bad $_path"
	expect_one_line "$T/err" "$_name"
	grep -q "^kprof-top: cannot write $_path: " "$T/err" ||
		fail "$_name: stderr does not name $_path: $(cat "$T/err")"
	grep -q "$_hint" "$T/err" ||
		fail "$_name: stderr does not say what to do ('$_hint'): $(cat "$T/err")"
	_after=$(ls -A "$_dir" 2>/dev/null | sort | tr '\n' ' ')
	[ "$_before" = "$_after" ] ||
		fail "$_name: files left in $_dir: before '$_before', after '$_after'"
	[ -s "$T/out_dir/good" ] || fail "$_name: the other export ($_good) was not written"
	[ -s "$T/out" ] || fail "$_name: no batch report on stdout"
	case $_good in
	--snapshot)
		json_check "$T/out_dir/good" "$pid" <<'PY'
snap = load(sys.argv[1])
if int(snap.get("target", {}).get("pid", -1)) != int(sys.argv[2]): fail("target.pid is wrong")
if int(snap.get("samples", {}).get("taken", 0)) <= 0: fail("samples.taken is 0")
PY
		;;
	--folded)
		json_check "$T/out_dir/good" <<'PY'
stacks = read_folded(sys.argv[1])
if not any(f[-1] == "leaf_hot" for f, n in stacks): fail("no stack ends in leaf_hot")
PY
		;;
	esac
	ls -A "$T/out_dir" | grep -v '^good$' | grep -q . &&
		fail "$_name: temporaries left beside the good export: $(ls -A "$T/out_dir")"
	log "$_name: $(cat "$T/err")"
}

try "snapshot to /dev/full" --snapshot /dev/full "space" --folded
try "folded to /dev/full" --folded /dev/full "space" --snapshot
try "missing directory" --snapshot "$T/no/such/dir/s.json" "create the directory" --folded
try "read-only directory" --folded "$T/ro/s.folded" "directory you can write to" --snapshot
if $full_fs; then
	try "full file system" --snapshot "$T/full/s.json" "free some space" --folded
	[ ! -e "$T/full/s.json" ] || fail "a half-written $T/full/s.json was left"
else
	log "no full tmpfs (not root): /dev/full only"
fi
stop_fixture "$pid" "$T/truth.json"
