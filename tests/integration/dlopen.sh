#!/bin/sh
# A library loaded with dlopen() after kprof-top attached must resolve: the
# fixture spins in main_work(), and on SIGUSR1 (sent once kprof-top holds its
# perf events) loads libplugin.so and spins in plugin_work().  Its samples
# must be named plugin_work in module libplugin.so, not libplugin.so+0x….
set -eu
. "$(dirname "$0")/../lib.sh"
setup_test
require_perf_events

start_fixture dlopen_late "$T/ready"
pid=$FIXTURE_PID
spawn "$KPROF_TOP" -b -F "$HZ" --duration 60 -p "$pid" --snapshot "$T/s.json" >"$T/out" 2>"$T/err"
kpid=$BG_PID
wait_attached "$kpid"
kill -USR1 "$pid"
_n=0
until [ "$(cat "$T/ready")" = loaded ]; do
	_n=$((_n + 1))
	[ "$_n" -le 200 ] || fail "the fixture did not load its library within 10 s"
	sleep 0.05
done
sleep 2 # a sampling window inside the library: the check counts its samples
kill -INT "$kpid"
wait_exit "$kpid" 15
expect_status "$RC" 0 "kprof-top -b -p $pid, stopped with SIGINT"
kill -TERM "$pid"

json_check "$T/s.json" <<'PY'
snap = load(sys.argv[1])
rows = snap["cpu"]["hotspots"]
lib = [r for r in rows if r.get("module") == "libplugin.so"]
named = sum(r["self_samples"] for r in lib if r["function"] == "plugin_work")
total = sum(r["self_samples"] for r in lib)
note("libplugin.so: %d self samples, %d of them named plugin_work" % (total, named))
if total == 0:
    fail("no samples in libplugin.so; modules seen: %s" % sorted({r.get("module") for r in rows}))
if named < 0.9 * total:
    fail("only %d of %d libplugin.so samples resolved to plugin_work: %s" % (named, total, lib[:5]))
main = [r for r in rows if r["function"] == "main_work"]
if not main or main[0]["self_samples"] == 0:
    fail("main_work, where the fixture ran before the dlopen, has no samples")
PY
log "ok"
