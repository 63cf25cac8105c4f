#!/bin/sh
# Per-fd and per-thread I/O against the io_rates fixture, which moves steady
# known rates, one stream per named thread: writer → out.dat (1 MiB/s in
# 4 KiB write(2)s), reader ← in.dat (512 KiB/s in 8 KiB pread(2)s), pipe-w →
# pipe → pipe-r (256 KiB/s), rotator → rot-N.dat (64 KiB/s, a new file on
# the same fd number every second).  Attach in batch mode for 4 s and check
# the snapshot's "io":
#   - read/write_bytes_per_s within ±10 % of the kernel's own counters
#     (/proc/PID/io rchar/wchar read by this test when kprof-top has
#     attached and when it has ended: the rates are steady, so that window
#     and kprof-top's give the same rate);
#   - io.mode "traced", and per-fd rows with the right paths: out.dat and
#     in.dat at the fixture's rates (±10 %) and call sizes, their call
#     sites through write_out/read_in, both ends of the pipe as pipe:[…],
#     and each rot-N.dat with no more bytes than one file got (an fd whose
#     name is not refreshed after close would pile them onto one path);
#   - io.threads: writer and reader at the rates their own
#     /proc/PID/task/TID/io counters moved (±10 %).
# Then `--trace none` must leave only the counters (mode "counters").
set -eu
. "$(dirname "$0")/../lib.sh"
setup_test
require_perf_events

DURATION=4

# io_counters PID TIDS...: "epoch pid-rchar pid-wchar tid:rchar:wchar ..."
io_counters() {
	_pid=$1
	shift
	_line="$(now_epoch) $(awk '/^rchar:/ {r = $2} /^wchar:/ {w = $2} END {print r, w}' "/proc/$_pid/io")" ||
		fail "cannot read /proc/$_pid/io"
	for _t in "$@"; do
		_line="$_line $_t:$(awk '/^rchar:/ {r = $2} /^wchar:/ {w = $2} END {print r ":" w}' \
			"/proc/$_pid/task/$_t/io")" || fail "cannot read /proc/$_pid/task/$_t/io"
	done
	echo "$_line"
}

mkdir "$T/d"
start_fixture io_rates "$T/ready" --dir "$T/d" --seconds 60 --truth "$T/truth.json"
pid=$FIXTURE_PID
# Stream threads by name, for their own counters.
tids=
for t in /proc/"$pid"/task/*; do
	case $(cat "$t/comm") in
	writer | reader | pipe-w | pipe-r | rotator) tids="$tids ${t##*/}" ;;
	esac
done
[ -n "$tids" ] || fail "no stream threads found in /proc/$pid/task"

# --trace all: these checks are of precision, not of the cost guard
# (trace_guard.sh), which must not stop tracing on a loaded machine.
spawn "$KPROF_TOP" -b --trace all --duration "$DURATION" -p "$pid" --snapshot "$T/s.json" >"$T/out" 2>"$T/err"
kpid=$BG_PID
wait_attached "$kpid"
# shellcheck disable=SC2086 # word splitting of the tid list is wanted
io_counters "$pid" $tids >"$T/io.start"
wait_exit "$kpid" $((DURATION + 30))
# shellcheck disable=SC2086
io_counters "$pid" $tids >"$T/io.end"
expect_status "$RC" 0 "kprof-top -b --duration $DURATION -p $pid"
[ -s "$T/s.json" ] || fail "no snapshot written"

# --trace none on the same fixture: counters only.
run_kprof 30 -b --trace none --duration 2 -p "$pid" --snapshot "$T/none.json"
expect_status "$RC" 0 "kprof-top -b --trace none --duration 2 -p $pid"
stop_fixture "$pid" "$T/truth.json"

mode=$(snap_mode "$T/s.json" io.mode io.note) ||
	fail "snapshot is not valid JSON"
case $mode in
traced*) ;;
*) skip_no_perf "io.mode is not traced: $mode" ;;
esac

json_check "$T/s.json" "$T/truth.json" "$T/io.start" "$T/io.end" "$T/d" "$T/none.json" <<'PY'
snap, truth = load(sys.argv[1]), load(sys.argv[2])
ddir = sys.argv[5]
io = snap.get("io", {})
def counters(path):
    f = open(path).read().split()
    out = {"t": float(f[0]), "rchar": int(f[1]), "wchar": int(f[2])}
    for x in f[3:]:
        tid, r, w = x.split(":")
        out[int(tid)] = (int(r), int(w))
    return out
a, b = counters(sys.argv[3]), counters(sys.argv[4])
span = b["t"] - a["t"]
k_read, k_write = (b["rchar"] - a["rchar"]) / span, (b["wchar"] - a["wchar"]) / span

# The references are the kernel's counters or the fixture's truth.
import functools
near = functools.partial(near, ref="reference")

st = truth["streams"]
note("kernel counters over %.2f s: rchar %.0f B/s, wchar %.0f B/s; fixture: read %.0f, write %.0f"
     % (span, k_read, k_write, sum(s["bytes_per_s"] for s in st.values() if s["direction"] == "read"),
        sum(s["bytes_per_s"] for s in st.values() if s["direction"] == "write")))
near("io.read_bytes_per_s", io.get("read_bytes_per_s", 0), k_read, 0.10)
near("io.write_bytes_per_s", io.get("write_bytes_per_s", 0), k_write, 0.10)

fds = io.get("fds") or []
dur = float(snap.get("duration_s", 0))
if dur <= 0: fail("duration_s is %r" % snap.get("duration_s"))
def rows(pred): return [f for f in fds if pred(f)]
def one(path, fd):
    r = rows(lambda f: f.get("path") == path and int(f.get("fd", -1)) == fd)
    if len(r) != 1:
        bad("expected one row for fd %d %s, found %d; rows: %s" % (fd, path, len(r),
            json.dumps([(f.get("fd"), f.get("path")) for f in fds])))
        return None
    return r[0]

def check_fd(stream, direction, func, exact_size=True):
    s = st[stream]
    short = s["path"].rsplit("/", 1)[-1]
    row = one(s["path"], s["fd"])
    if row is None: return
    other = "write" if direction == "read" else "read"
    near("fd %d %s %s_bytes_per_s" % (s["fd"], short, direction),
         row.get("%s_bytes_per_s" % direction, 0), s["bytes_per_s"], 0.10)
    near("fd %d %s %s_bytes / duration_s" % (s["fd"], short, direction),
         int(row.get("%s_bytes" % direction, 0)) / dur, s["bytes_per_s"], 0.10)
    if int(row.get("%s_bytes" % other, 0)) != 0:
        bad("%s shows %s %s bytes; the fixture only %ss it" % (short, row.get("%s_bytes" % other), other, direction))
    if exact_size:
        mean = float(row.get("mean_%s_size" % direction, 0))
        if abs(mean - s["chunk"]) > 0.01 * s["chunk"]:
            bad("%s mean_%s_size %.0f, the fixture's calls are all %d bytes" % (short, direction, mean, s["chunk"]))
        calls = int(row.get("%ss" % direction, 0))
        if calls * s["chunk"] != int(row.get("%s_bytes" % direction, 0)):
            bad("%s: %d %ss of %d bytes do not make %s bytes" % (short, calls, direction, s["chunk"],
                row.get("%s_bytes" % direction)))
    sites = row.get("sites") or []
    if not sites:
        bad("%s has no call sites" % short)
        return
    top = max(sites, key=lambda x: int(x.get("bytes", 0)))
    note("%s heaviest site: %s" % (short, ";".join(frames_of(top))))
    if func not in frames_of(top):
        bad("%s: heaviest call site does not pass through %s: %s" % (short, func, frames_of(top)))

check_fd("writer", "write", "write_out")
check_fd("reader", "read", "read_in")
# The pipe: both ends, named pipe:[inode] (one path, two fds), at its rate.
if not st["pipe-w"]["path"].startswith("pipe:["): fail("fixture's pipe path is %r" % st["pipe-w"]["path"])
check_fd("pipe-w", "write", "pipe_send")
check_fd("pipe-r", "read", "pipe_drain", exact_size=False)

# Rotated files: several rot-N.dat rows, none with more bytes than one file
# got, together at the rotator's rate.
rot = rows(lambda f: str(f.get("path", "")).startswith(ddir + "/rot-"))
per_file_max = max(f["bytes"] for f in truth["rotated_files"])
note("rotated files: %s" % [(f.get("fd"), f.get("path", "").rsplit("/", 1)[-1], f.get("write_bytes"),
                              f.get("closed")) for f in rot])
if len(set(f.get("path") for f in rot)) < 2:
    bad("fewer than two rot-N.dat paths in io.fds: the fd's name is not refreshed after close/open")
for f in rot:
    if int(f.get("write_bytes", 0)) > per_file_max:
        bad("%s has %s bytes written, but no rotated file got more than %d: bytes of other files on"
            " the same fd number were put on it" % (f.get("path"), f.get("write_bytes"), per_file_max))
# A file closed before kprof-top could read its name (a busy machine drains
# late: at load 12 a third of the bytes) keeps its bytes on a row of its
# own, "fd N (closed before it was named)", never on another file's.
rot_fds = set(f.get("fd") for f in rot)
unnamed = rows(lambda f: f.get("fd") in rot_fds and "closed before it was named" in str(f.get("path")))
rot_bytes = sum(int(f.get("write_bytes", 0)) for f in rot)
unnamed_bytes = sum(int(f.get("write_bytes", 0)) for f in unnamed)
note("rotator's fd: %d bytes on rot-N.dat rows, %d on rows closed before named"
     % (rot_bytes, unnamed_bytes))
near("rotator's fd write_bytes / duration_s", (rot_bytes + unnamed_bytes) / dur,
     st["rotator"]["bytes_per_s"], 0.25)
if rot and not any(f.get("closed") for f in rot):
    bad("no rot-N.dat row is marked closed, though the fixture closed one every second")

# Threads: each stream thread at the rate its own counters moved.
threads = dict((int(t.get("tid", -1)), t) for t in io.get("threads") or [])
for stream in ("writer", "reader", "pipe-w", "pipe-r"):
    s = st[stream]
    key, idx = ("rchar_per_s", 0) if s["direction"] == "read" else ("wchar_per_s", 1)
    t = threads.get(s["tid"])
    if t is None:
        bad("io.threads has no row for %s (tid %d): %s" % (stream, s["tid"], sorted(threads)))
        continue
    if t.get("name") != stream:
        bad("io.threads row for tid %d is named %r, expected %r" % (s["tid"], t.get("name"), stream))
    k = (b[s["tid"]][idx] - a[s["tid"]][idx]) / span
    near("thread %s %s (vs its /proc task io)" % (stream, key), t.get(key, 0), k, 0.10)
    near("thread %s %s (vs the fixture)" % (stream, key), t.get(key, 0), s["bytes_per_s"], 0.10)

# --trace none: rates from the counters, no per-fd rows, and a note.
none = load(sys.argv[6]).get("io", {})
if none.get("mode") != "counters":
    bad("--trace none: io.mode is %r, expected counters" % none.get("mode"))
if none.get("fds"):
    bad("--trace none: io.fds is not empty: %s" % json.dumps(none.get("fds"))[:300])
if not none.get("note"):
    bad("--trace none: io has no note saying why fds is empty")
near("--trace none: io.write_bytes_per_s", none.get("write_bytes_per_s", 0), k_write, 0.10)
report()
PY
log "ok"
