#!/bin/sh
# Targets kprof-top must see through: another pid and mount namespace, and
# binaries deleted or replaced since they were started.
#
# (a) jit_spin runs in `unshare --pid --fork --mount --mount-proc` with a
#     private tmpfs on /tmp, from a copy of itself that exists only in that
#     tmpfs.  Its JIT writes /tmp/perf-<its namespace pid>.map, which exists
#     only inside.  Attached from the host by host pid, the hot function must
#     be jit_spin_loop (> 50 % of samples: the perf map found under
#     /proc/PID/root with the namespace pid), and reference_hot must be named
#     too (the binary read through /proc/PID/root).
# (b) a copy of cpu_split_nofp is started, then its file is deleted;
#     replaced by another binary (rename over it); or has another binary
#     bind-mounted over it (the path stays, not "(deleted)", but names
#     another inode).  leaf_hot/leaf_cold must be named with their callers
#     (symbols and unwinding read through /proc/PID/map_files), never
#     victim+0x… or the other binary's symbols, and split as measured.
#
# Needs root: unshare, mount and /proc/PID/map_files all want CAP_SYS_ADMIN.
set -eu
. "$(dirname "$0")/../lib.sh"
setup_test
require_perf_events
[ "$(id -u)" -eq 0 ] || skip "needs root (unshare, mount, /proc/PID/map_files)"

# ---- (a) pid + mount namespace, JIT perf map inside ---------------------------

if ! unshare --pid --fork --mount --mount-proc true 2>"$T/unshare.err"; then
	skip "unshare --pid --mount refused here: $(head -c 200 "$T/unshare.err")"
fi
[ -x "$FIXTURES/jit_spin" ] || fail "fixture not built: $FIXTURES/jit_spin"

# The binary is opened before the tmpfs hides whatever /tmp held ($FIXTURES
# may be under it), then copied into the tmpfs: its path exists only there.
spawn unshare --pid --fork --mount --mount-proc --propagation private sh -c '
	exec 3<"$1" || exit 1
	mount -t tmpfs kprof-ns-tmp /tmp || exit 1
	cat <&3 >/tmp/jit_in_ns && chmod 755 /tmp/jit_in_ns || exit 1
	exec 3<&-
	exec /tmp/jit_in_ns --seconds 60 --ready /tmp/ready' sh "$FIXTURES/jit_spin"
upid=$BG_PID

_child_of_unshare() {
	cpid=$(cat "/proc/$upid/task/$upid/children" 2>/dev/null || true)
	cpid=$(echo $cpid)   # trim; one child: unshare forks once
	[ -n "$cpid" ]
}
wait_until 10 _child_of_unshare || fail "unshare (pid $upid) started no child within 10 s"
track_pid "$cpid"
# The ready file is in the namespace's /tmp: reached through its root.
wait_for_file "/proc/$cpid/root/tmp/ready" 10 "jit_spin in a namespace" "$cpid"
nspid=$(cat "/proc/$cpid/root/tmp/ready")
status_nspid=$(sed -n 's/^NSpid:[[:space:]]*//p' "/proc/$cpid/status")
log "jit_spin: host pid $cpid, namespace pid $nspid (NSpid: $status_nspid)"
[ "$nspid" != "$cpid" ] || fail "namespace pid equals host pid $cpid: not a pid namespace"
[ "${status_nspid##*[[:space:]]}" = "$nspid" ] ||
	fail "NSpid '$status_nspid' does not end in the fixture's own pid $nspid"
[ -s "/proc/$cpid/root/tmp/perf-$nspid.map" ] || fail "no perf map inside the namespace"
[ ! -e "/tmp/perf-$nspid.map" ] && [ ! -e "/tmp/perf-$cpid.map" ] ||
	log "note: a perf map of that pid exists on the host /tmp too (not ours)"
[ ! -e /tmp/jit_in_ns ] || fail "/tmp/jit_in_ns exists on the host: the test would not test"

spawn "$KPROF_TOP" -b -F "$HZ" --duration 3 -p "$cpid" \
	--snapshot "$T/ns.json" --folded "$T/ns.folded" >"$T/out" 2>"$T/err"
kpid=$BG_PID
wait_exit "$kpid" 30
expect_status "$RC" 0 "kprof-top -b --duration 3 -p $cpid (namespaced jit_spin)"
kill -TERM "$cpid" 2>/dev/null || true
wait_exit "$upid" 10

json_check "$T/ns.json" <<'PY'
snap = load(sys.argv[1])
taken = int(snap.get("samples", {}).get("taken", 0))
hot = snap.get("cpu", {}).get("hotspots", [])
top = ", ".join("%s (%s) %s" % (h.get("function"), h.get("module"), h.get("self_samples"))
                for h in hot[:5])
note("namespaced JIT: %d samples; top: %s" % (taken, top))
if taken < 300: fail("only %d samples" % taken)
s = leaf_samples(snap, ["jit_spin_loop", "reference_hot"])
if s["jit_spin_loop"] <= 0.5 * taken:
    fail("jit_spin_loop has %d of %d samples (need > 50 %%): perf map not found in the"
         " container's /tmp under its namespace pid? top: %s" % (s["jit_spin_loop"], taken, top))
if not hot or frame_name(str(hot[0].get("function"))) != "jit_spin_loop":
    fail("the hottest function is not jit_spin_loop: %s" % top)
if s["reference_hot"] == 0:
    fail("reference_hot (in a binary whose path exists only in the container) not named: %s" % top)
mods = [h.get("module") for h in hot if frame_name(str(h.get("function"))) == "reference_hot"]
if "jit_in_ns" not in mods: fail("reference_hot's module is %s, expected jit_in_ns" % mods)
PY
log "namespaced JIT: ok"

# ---- (b) deleted and replaced binaries ----------------------------------------

run_victim() {   # run_victim CASE: start a copy, take its file away, profile it
	case=$1 d="$T/$1"
	mkdir "$d"
	cp "$FIXTURES/cpu_split_nofp" "$d/victim"
	spawn "$d/victim" --ready "$d/ready" --seconds 60 --threads 2 --truth "$d/truth.json"
	vpid=$BG_PID
	wait_for_file "$d/ready" 10 "victim ($case)" "$vpid"
	case $case in
	deleted) rm "$d/victim" ;;
	replaced)
		cp "$FIXTURES/proc_meters" "$d/victim.new"
		mv -f "$d/victim.new" "$d/victim"
		;;
	bind_over)
		cp "$FIXTURES/proc_meters" "$d/other"
		if ! mount --bind "$d/other" "$d/victim" 2>"$d/mount.err"; then
			log "bind_over: mount --bind refused, case skipped: $(head -c 200 "$d/mount.err")"
			kill -TERM "$vpid"
			wait_exit "$vpid" 10
			return 0
		fi
		KPROF_MOUNTS="$KPROF_MOUNTS $d/victim"
		;;
	esac
	# The case must be what it claims, or the test tests nothing.
	exe_line=$(grep -m1 ' r-xp .*/victim' "/proc/$vpid/maps" || true)
	log "$case: $exe_line"
	case $case in
	bind_over)
		case $exe_line in *"(deleted)"*) fail "$case: maps says deleted" ;; esac
		[ "$(stat -c %i "$d/victim")" != "$(echo "$exe_line" | awk '{print $5}')" ] ||
			fail "$case: the path still names the mapped inode"
		;;
	*) case $exe_line in *"(deleted)"*) ;; *) fail "$case: maps does not say (deleted)" ;; esac ;;
	esac

	spawn "$KPROF_TOP" -b -F "$HZ" --duration 3 -p "$vpid" \
		--snapshot "$d/s.json" --folded "$d/s.folded" >"$d/out" 2>"$T/err"
	kpid=$BG_PID
	wait_exit "$kpid" 30
	expect_status "$RC" 0 "$case: kprof-top -b --duration 3 -p $vpid"
	stop_fixture "$vpid" "$d/truth.json"

	json_check "$d/s.json" "$d/s.folded" "$d/truth.json" "$case" <<'PY'
snap, folded, truth = load(sys.argv[1]), read_folded(sys.argv[2]), load(sys.argv[3])
TEST_NAME += " (%s)" % sys.argv[4]
hot = snap.get("cpu", {}).get("hotspots", [])
taken = int(snap.get("samples", {}).get("taken", 0))
top = ", ".join("%s (%s) %s" % (h.get("function"), h.get("module"), h.get("self_samples"))
                for h in hot[:6])
note("%d samples; top: %s" % (taken, top))
unnamed = sum(int(h.get("self_samples", 0)) for h in hot
              if str(h.get("function", "")).startswith(("victim+0x", "0x"))
              or h.get("module") in ("[unknown]", "[anon]"))
if unnamed > 0.05 * max(taken, 1):
    fail("%d of %d samples unnamed (victim+0x…, [unknown]): top: %s" % (unnamed, taken, top))
check_split(snap, truth)
for leaf, caller in (("leaf_hot", "path_alpha"), ("leaf_cold", "path_beta")):
    share, n = path_share(folded, leaf, caller)
    note("%s: %.1f %% of %d samples under %s" % (leaf, 100 * share, n, caller))
    if n == 0 or share < 0.90:
        fail("%s: only %.1f %% of %d samples under %s: unwinding through the"
             " deleted binary failed" % (leaf, 100 * share, n, caller))
PY
	log "$case: ok"
}

for c in deleted replaced bind_over; do
	run_victim "$c"
done
