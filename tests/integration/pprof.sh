#!/bin/sh
# --pprof, read back by an independent decoder (the pprof-format npm
# package, tests/js/pprof-dump.js), against the fixtures' truth and the
# snapshot of the same run:
# 1. cpu_split_nofp for 4 s: the five sample types (one per pane, CPU as
#    count and time), "cpu" the default, the period 1/frequency; leaf_hot's
#    share of the cpu samples within ±5 points of what the fixture measured,
#    and every function's self samples exactly the snapshot's; cpu time
#    the samples times the period; start and duration the run's.
# 2. lock_contend (workers fighting over g_ledger, files written): the
#    delay type names g_ledger, with exactly the wait ns of the snapshot's
#    g_ledger call sites.
# 3. io_rates (files and a pipe): the io type names each file with
#    exactly the bytes of the snapshot's call sites on it.
# 4. A damaged profile is refused by the reader (the check can fail).
set -eu
. "$(dirname "$0")/../lib.sh"
. "${KPROF_JS_DIR:-$(dirname "$0")/../js}/readers.sh"
setup_test
require_js_readers
require_perf_events

# ---- 1. CPU ------------------------------------------------------------------
start_fixture cpu_split_nofp "$T/ready" --seconds 60 --threads 2 --truth "$T/truth.json"
pid=$FIXTURE_PID
before=$(now_epoch)
run_kprof 40 -b -F "$HZ" --duration 4 -p "$pid" --pprof "$T/cpu.pb.gz" --snapshot "$T/cpu.json"
after=$(now_epoch)
expect_status "$RC" 0 "kprof-top -b --duration 4 -p $pid --pprof"
stop_fixture "$pid" "$T/truth.json"
[ -s "$T/cpu.pb.gz" ] || fail "no pprof file written"
pprof_dump "$T/cpu.pb.gz" "$T/cpu.dump.json"

json_check "$T/cpu.dump.json" "$T/cpu.json" "$T/truth.json" "$HZ" "$before" "$after" <<'PY'
d, snap, truth = load(sys.argv[1]), load(sys.argv[2]), load(sys.argv[3])
hz, before, after = int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
types = [tuple(t) for t in d["sample_types"]]
alloc = ("touched_space" if snap.get("alloc", {}).get("mode") == "faults" else "inuse_space", "bytes")
want = [("samples", "count"), ("cpu", "nanoseconds"), alloc, ("io", "bytes"), ("delay", "nanoseconds")]
note("sample types %s; %d samples, %d functions, %d locations, %d mappings"
     % (types, d["samples"], d["functions"], d["locations"], d["mappings"]))
if types != want: bad("sample types %s, expected %s" % (types, want))
if d["default_sample_type"] != "cpu": bad("default_sample_type %r" % d["default_sample_type"])
if d["period_type"] != ["cpu", "nanoseconds"]: bad("period_type %r" % d["period_type"])
if d["period"] != 10**9 // hz: bad("period %r, expected %d ns at %d Hz" % (d["period"], 10**9 // hz, hz))
if not any("kprof-top" in c for c in d["comments"]): bad("no comment names kprof-top: %r" % d["comments"])

# Every function's self samples: exactly the snapshot's (same model).
self = d["self"]["samples"]
snap_self = {}
for h in snap["cpu"]["hotspots"]:
    snap_self[h["function"]] = snap_self.get(h["function"], 0) + int(h["self_samples"])
for fn in ("leaf_hot", "leaf_cold"):
    note("%s: pprof %d self samples, snapshot %d" % (fn, self.get(fn, 0), snap_self.get(fn, 0)))
diff = dict((f, (self.get(f, 0), snap_self.get(f, 0))) for f in set(self) | set(snap_self)
            if self.get(f, 0) != snap_self.get(f, 0))
if diff: bad("self samples differ from the snapshot's hotspots (pprof, snapshot): %s" % sorted(diff.items())[:8])
in_window = int(snap["samples"]["in_window"])
if d["totals"]["samples"] != in_window:
    bad("pprof holds %d cpu samples, the snapshot %d" % (d["totals"]["samples"], in_window))
if d["totals"]["cpu"] != d["totals"]["samples"] * (10**9 // hz):
    bad("cpu ns %d is not samples x period (%d x %d)" % (d["totals"]["cpu"], d["totals"]["samples"], 10**9 // hz))
for fn, v in self.items():
    if d["self"]["cpu"].get(fn, 0) != v * (10**9 // hz):
        bad("%s: cpu ns %d, samples %d" % (fn, d["self"]["cpu"].get(fn, 0), v)); break

# The split, against what the fixture measured.
check_leaf_split(self, truth, "pprof")
if d["modules"].get("leaf_hot") != "cpu_split_nofp": bad("leaf_hot's filename is %r" % d["modules"].get("leaf_hot"))

# Start and duration: the run's.
start = d["time_nanos"] / 1e9
if not (before - 1 <= start <= after): bad("time_nanos %.3f is outside the run [%.3f, %.3f]" % (start, before, after))
dur = d["duration_nanos"] / 1e9
if abs(dur - float(snap["duration_s"])) > 0.01: bad("duration %.3f s, snapshot %.3f s" % (dur, float(snap["duration_s"])))
report()
PY
log "cpu: ok"

# ---- 2. Lock waits and I/O -----------------------------------------------------
contend_run "$T/ltruth.json" 7 2 --pprof "$T/lock.pb.gz" --snapshot "$T/lock.json"
case $(snap_mode "$T/lock.json" locks_mode locks_note) in
traced*) ;;
*) skip_no_perf "locks_mode is not traced: $(snap_mode "$T/lock.json" locks_mode locks_note)" ;;
esac
pprof_dump "$T/lock.pb.gz" "$T/lock.dump.json"

json_check "$T/lock.dump.json" "$T/lock.json" <<'PY'
d, snap = load(sys.argv[1]), load(sys.argv[2])
delay, io = d["self"]["delay"], d["self"]["io"]
note("delay by leaf: %s" % sorted(delay.items(), key=lambda x: -x[1])[:5])
want = ledger_site_wait(snap)
got = delay.get("[lock g_ledger]", 0)
note("g_ledger: pprof delay %d ns, snapshot's sites %d ns" % (got, want))
if got != want: bad("delay of [lock g_ledger] is %d ns, the snapshot's sites %d ns" % (got, want))
if d["totals"]["delay"] < got: bad("delay total %d below g_ledger's %d" % (d["totals"]["delay"], got))

if d["totals"]["samples"] != int(snap["samples"]["in_window"]):
    bad("cpu samples %d, snapshot %d" % (d["totals"]["samples"], int(snap["samples"]["in_window"])))
report()
PY
log "locks: ok"

# pprof's own reader too, where this machine has Go (setup.sh does not
# install its ~400 MB): it must load the file and name g_ledger by delay.
if command -v go >/dev/null 2>&1; then
	go tool pprof -raw "$T/lock.pb.gz" >"$T/lock.raw" 2>"$T/go.err" ||
		fail "go tool pprof refuses the profile: $(head -c 400 "$T/go.err")"
	grep -q '^samples/count cpu/nanoseconds\[dflt\] [a-z_]*/bytes io/bytes delay/nanoseconds$' "$T/lock.raw" ||
		fail "go tool pprof shows other sample types: $(grep -m1 'count' "$T/lock.raw")"
	go tool pprof -top -sample_index=delay "$T/lock.pb.gz" >"$T/lock.top" 2>"$T/go.err" ||
		fail "go tool pprof -top -sample_index=delay failed: $(head -c 400 "$T/go.err")"
	grep -qF '[lock g_ledger]' "$T/lock.top" ||
		fail "go tool pprof's delay top lacks [lock g_ledger]: $(head -c 600 "$T/lock.top")"
	log "go tool pprof ($(go version | cut -d' ' -f3)) reads it: $(grep -F -m1 '[lock g_ledger]' "$T/lock.top")"
fi

# ---- 3. I/O --------------------------------------------------------------------
mkdir "$T/d"
start_fixture io_rates "$T/iready" --dir "$T/d" --seconds 60 --truth "$T/itruth.json"
pid=$FIXTURE_PID
run_kprof 40 -b --trace all --duration 3 -p "$pid" --pprof "$T/io.pb.gz" --snapshot "$T/io.json"
expect_status "$RC" 0 "kprof-top -b --trace all --duration 3 -p $pid --pprof"
stop_fixture "$pid" "$T/itruth.json"
case $(snap_mode "$T/io.json" io.mode io.note) in
traced*) ;;
*) skip_no_perf "io mode is not traced: $(snap_mode "$T/io.json" io.mode io.note)" ;;
esac
pprof_dump "$T/io.pb.gz" "$T/io.dump.json"

json_check "$T/io.dump.json" "$T/io.json" <<'PY'
d, snap = load(sys.argv[1]), load(sys.argv[2])
io = d["self"]["io"]
# Each file's leaf holds its call sites' bytes (fds of one name summed).
files = {}
for f in snap["io"].get("fds", []):
    b = sum(int(s["bytes"]) for s in f.get("sites", []))
    if b: files["[%s]" % f["path"]] = files.get("[%s]" % f["path"], 0) + b
note("io: snapshot sites by file %s" % sorted(files.items())[:6])
note("io: pprof leaves %s" % sorted(io.items())[:6])
if not any(k.endswith("/out.dat]") for k in files): bad("no I/O site on out.dat in the snapshot")
for leaf in set(files) | set(io):
    if io.get(leaf, 0) != files.get(leaf, 0):
        bad("io of %s is %d bytes in pprof, %d in the snapshot" % (leaf, io.get(leaf, 0), files.get(leaf, 0)))
if d["totals"]["io"] != sum(files.values()): bad("io total %d, snapshot sites %d" % (d["totals"]["io"], sum(files.values())))
report()
PY
log "io: ok"

# ---- 4. The reader can say no ------------------------------------------------
head -c 200 "$T/lock.pb.gz" >"$T/cut.pb.gz"
if NODE_PATH=$JS_MODULES node "$JS_DIR/pprof-dump.js" "$T/cut.pb.gz" >/dev/null 2>"$T/cut.err"; then
	fail "the reader accepted a truncated profile: the checks above could not fail"
fi
log "a truncated profile is refused: $(cat "$T/cut.err")"
log "ok"
