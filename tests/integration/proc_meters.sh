#!/bin/sh
# The memory and I/O meters against the proc_meters fixture, which writes
# 1 MiB/s, reads 512 KiB/s and grows its RSS 2 MiB/s on a fixed schedule:
# attach for 4 s in batch mode and compare the snapshot's
# io.write_bytes_per_s and io.read_bytes_per_s (within ±10 %) and
# alloc.rss_growth_bytes_per_s (within ±25 %) with the rates the fixture
# measured itself; the report's header has the line that says so.
set -eu
. "$(dirname "$0")/../lib.sh"
setup_test
require_perf_events

start_fixture proc_meters "$T/ready" --seconds 60 --file "$T/data" \
	--write-rate 1048576 --read-rate 524288 --rss-rate 2097152 --truth "$T/truth.json"
pid=$FIXTURE_PID

spawn "$KPROF_TOP" -b --duration 4 -p "$pid" --snapshot "$T/s.json" >"$T/out" 2>"$T/err"
kpid=$BG_PID
wait_attached "$kpid"
wait_exit "$kpid" 30
expect_status "$RC" 0 "kprof-top -b --duration 4 -p $pid"
stop_fixture "$pid" "$T/truth.json"
[ -s "$T/s.json" ] || fail "no snapshot written"

grep -q '^process:   RSS [0-9.]*[KMG] (+[0-9.]*[KMG]/s), I/O R [0-9.]*[KMG]/s W [0-9.]*[KMG]/s' "$T/out" ||
	fail "the report has no RSS/I/O line: $(head -n 8 "$T/out")"

json_check "$T/s.json" "$T/truth.json" <<'PY'
snap, truth = load(sys.argv[1]), load(sys.argv[2])
alloc, io = snap.get("alloc", {}), snap.get("io", {})
def near(what, got, want, tol):
    note("%s: kprof-top %.0f, fixture %.0f (%+.1f %%, allowed ±%.0f %%)"
         % (what, got, want, 100.0 * (got - want) / want, 100 * tol))
    if abs(got - want) > tol * want:
        fail("%s %.0f is off the fixture's %.0f by more than %.0f %%" % (what, got, want, 100 * tol))
if not io.get("rates_known"): fail("io.rates_known is not true: %s" % io.get("note"))
near("io.write_bytes_per_s", float(io["write_bytes_per_s"]), truth["write_bytes_per_s"], 0.10)
near("io.read_bytes_per_s", float(io["read_bytes_per_s"]), truth["read_bytes_per_s"], 0.10)
near("alloc.rss_growth_bytes_per_s", float(alloc["rss_growth_bytes_per_s"]),
     truth["rss_growth_bytes_per_s"], 0.25)
if int(alloc.get("rss_bytes", 0)) < 4 << 20: fail("alloc.rss_bytes is %r" % alloc.get("rss_bytes"))
if "allocation call sites" not in alloc.get("note", ""):
    fail("alloc.note does not say call sites are not collected: %r" % alloc.get("note"))
# Per-fd rows come with syscall tracing (io.sh checks them); the fixture's
# writes must then show up under some fd.
if io.get("mode") == "traced" and not any(int(f.get("write_bytes", 0)) > 0 for f in io.get("fds", [])):
    fail("io.mode is traced but no fd has write_bytes: %r" % io.get("fds"))
PY
log "ok"
