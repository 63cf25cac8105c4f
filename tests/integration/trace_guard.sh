#!/bin/sh
# The trace guard: syscall tracing costs a traced call ~2 µs, so in the
# default --trace auto it must stop when a target's syscall rate makes that
# more than 5 % of the target's CPU, keep what it traced before, and say so;
# --trace all must keep tracing.  Target: the io_rates fixture with its
# writer making ~200 000 64-byte write(2)s a second.
set -eu
. "$(dirname "$0")/../lib.sh"
setup_test
require_perf_events

mkdir "$T/d"
start_fixture io_rates "$T/ready" --dir "$T/d" --seconds 60 --truth "$T/truth.json" \
	--write-size 64 --write-rate 12800000
pid=$FIXTURE_PID

run_kprof 60 -b --duration 5 -p "$pid" --snapshot "$T/auto.json"
expect_status "$RC" 0 "kprof-top -b --duration 5 -p $pid"
run_kprof 60 -b --trace all --duration 3 -p "$pid" --snapshot "$T/all.json"
expect_status "$RC" 0 "kprof-top -b --trace all --duration 3 -p $pid"
alive "$pid" || fail "the fixture died under tracing"
case $(proc_state "$pid") in
T | t) fail "the fixture was left stopped" ;;
esac
stop_fixture "$pid" "$T/truth.json"

# Where tracepoints are refused (not root), there is no tracing to guard.
forced=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["io"].get("mode"))' "$T/all.json") || fail "snapshot is not valid JSON"
[ "$forced" = traced ] || skip_no_perf "syscall tracepoints unavailable (--trace all gave io.mode $forced)"

json_check "$T/auto.json" "$T/all.json" <<'PY'
auto, forced = (json.load(open(p)) for p in sys.argv[1:3])
io = auto["io"]
if io.get("mode") == "traced":
    fail("--trace auto kept tracing ~200k writes/s: %r" % io.get("note"))
if "tracing stopped" not in io.get("note", ""):
    fail("io.note does not say tracing stopped: %r" % io.get("note"))
note("auto: io.mode %s, locks_mode %s: %s" % (io.get("mode"), auto.get("locks_mode"), io.get("note")))
if auto.get("locks_mode") != "sampled":
    fail("lock waits should fall back to sampling, got %r" % auto.get("locks_mode"))
out = [f for f in io.get("fds", []) if f.get("path", "").endswith("/out.dat")]
if not out or int(out[0].get("writes", 0)) < 1000:
    fail("the writes traced before the guard stopped are lost: %r" % out)
note("auto: out.dat kept %d writes traced before the stop" % int(out[0]["writes"]))
if forced["io"].get("mode") != "traced":
    fail("--trace all stopped tracing: %r" % forced["io"].get("note"))
PY
log "ok"
