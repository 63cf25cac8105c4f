#!/bin/sh
# Helpers for the lifecycle tests (tests/integration/lifecycle_*.sh):
# checks that kprof-top left nothing behind in a target it profiled.
# Sourced after tests/lib.sh.

# The tracing directory, or nothing.
tracefs_dir() {
	for _d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		if [ -r "$_d/uprobe_events" ]; then
			echo "$_d"
			return 0
		fi
	done
}

# Save the probe lists before kprof-top runs ($T/probes.before), so a probe
# another tool placed is not blamed on kprof-top.
probes_baseline() {
	_tr=$(tracefs_dir)
	if [ -n "$_tr" ]; then
		cat "$_tr/uprobe_events" "$_tr/kprobe_events" 2>/dev/null >"$T/probes.before" || true
	else
		: >"$T/probes.before"
	fi
}

# Fails if uprobe_events or kprobe_events gained a line since the baseline.
expect_no_new_probes() {
	_tr=$(tracefs_dir)
	[ -n "$_tr" ] || return 0
	cat "$_tr/uprobe_events" "$_tr/kprobe_events" 2>/dev/null >"$T/probes.after" || true
	if ! cmp -s "$T/probes.before" "$T/probes.after"; then
		fail "$1: probes left in $_tr: $(diff "$T/probes.before" "$T/probes.after" | head -5)"
	fi
}

# Bytes of the target's executable file mappings that differ from the files
# (a uprobe is an int3 written into the target's copy of the page), one
# "path: N bytes differ" line per file, only files with differences.  Reads
# every r-xp mapping of the target from /proc/PID/mem.
code_patches() {
	python3 - "$1" <<'EOF'
import sys
pid = sys.argv[1]
seen = {}
with open("/proc/%s/maps" % pid) as maps, open("/proc/%s/mem" % pid, "rb", 0) as mem:
    for line in maps:
        f = line.split(None, 5)
        if len(f) < 6 or f[1] != "r-xp" or not f[5].strip().startswith("/"):
            continue
        path = f[5].strip()
        if path.endswith(" (deleted)"):
            continue
        lo, hi = (int(x, 16) for x in f[0].split("-"))
        off = int(f[2], 16)
        mem.seek(lo)
        live = mem.read(hi - lo)
        with open("/proc/%s/root%s" % (pid, path), "rb") as fh:
            fh.seek(off)
            disk = fh.read(hi - lo)
        n = sum(1 for a, b in zip(live, disk) if a != b) if live != disk[:len(live)] else 0
        if n:
            seen[path] = seen.get(path, 0) + n
for path, n in seen.items():
    print("%s: %d bytes differ" % (path, n))
EOF
}

# cpu_ticks PID: utime + stime of PID, in clock ticks.
cpu_ticks() { awk '{ sub(/.*\) /, ""); split($0, f, " "); print f[12] + f[13] }' "/proc/$1/stat"; }

# expect_left_alone PID WHAT: the target is not stopped (no thread in t/T),
# not traced, uses CPU, its code is as on disk (no breakpoint left), and no
# tracefs probe was left.  For a CPU-bound target.
expect_left_alone() {
	_p=$1 _what=$2
	for _i in 1 2 3 4 5; do
		for _task in /proc/"$_p"/task/*; do
			case $(proc_state "$_p/task/${_task##*/}") in
			t | T) fail "$_what: thread ${_task##*/} of $_p is stopped ($(proc_state "$_p/task/${_task##*/}"))" ;;
			esac
		done
		alive "$_p" || fail "$_what: target $_p is gone (state $(proc_state "$_p"))"
		sleep 0.05
	done
	_tp=$(awk '/^TracerPid:/ { print $2 }' "/proc/$_p/status")
	[ "$_tp" = 0 ] || fail "$_what: target $_p is still traced by $_tp"
	_c0=$(cpu_ticks "$_p")
	_moved() { [ "$(cpu_ticks "$_p")" -gt "$_c0" ]; }
	wait_until 5 _moved || fail "$_what: target $_p used no CPU in 5 s"
	_patches=$(code_patches "$_p") || fail "$_what: cannot compare the target's code with its files"
	[ -z "$_patches" ] || fail "$_what: breakpoints left in the target's code: $_patches"
	expect_no_new_probes "$_what"
	log "$_what: target $_p runs untouched (CPU $_c0 -> $(cpu_ticks "$_p") ticks, untraced, code as on disk)"
}
