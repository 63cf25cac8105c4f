#!/bin/sh
# SVG flame graphs read back with python's xml.etree (a parser that is not
# ours: the file must be well-formed XML), frames taken from their <title>
# ("name (amount, P %)") and <rect> geometry:
#   - cpu (--svg, --theme mono) on cpu_split_nofp: leaf_hot and leaf_cold
#     present, their widths in the fixture's measured split (±5 points);
#     leaf_hot's parent by geometry (the frame one row below that spans
#     it) is path_alpha; every title's count matches its width; mono's
#     frames are greys;
#   - locks (--svg-view locks) on lock_contend: a "[lock g_ledger]" frame
#     with a time in its title, post_entry below it;
#   - io (--svg-view io) on io_rates: the files out.dat and in.dat as
#     frames, with bytes in their titles;
#   - alloc (--svg-view alloc) launching alloc_sites: retain_leak present;
#   - the script in the file, run by node on a small DOM (svg_script.js):
#     hover, click to zoom, Esc, Ctrl-F search and its matched share;
#   - the TUI's s key: a kprof-PID-TIME-cpu.svg from the CPU pane and a
#     -locks.svg from the Locks pane, both parsed.
set -eu
. "$(dirname "$0")/../lib.sh"
setup_test
require_perf_events

# The reader, imported by each check below.
cat >"$T/svgread.py" <<'PY'
import re, sys
import xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
TITLE = re.compile(r"^(.*) \(([^()]*), ([0-9.]+) %\)$")
class Frame:
    pass
def read_svg(path, fail):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        fail("%s: not well-formed XML: %s" % (path, e))
    if root.tag != NS + "svg": fail("%s: root element is %r" % (path, root.tag))
    frames = []
    for g in root.iter(NS + "g"):
        if g.get("class") != "f": continue
        t, r = g.find(NS + "title"), g.find(NS + "rect")
        if t is None or r is None: fail("%s: a frame without title or rect" % path)
        m = TITLE.match(t.text or "")
        if not m: fail("%s: title %r is not 'name (amount, P %%)'" % (path, t.text))
        f = Frame()
        f.name, f.amount, f.pct = m.group(1), m.group(2), float(m.group(3))
        f.title = t.text
        f.x, f.y, f.w = float(r.get("x")), float(r.get("y")), float(r.get("width"))
        f.fill = r.get("fill")
        frames.append(f)
    if not frames: fail("%s: no frames" % path)
    return root, frames
def named(frames, pred):
    return [f for f in frames if pred(f.name)]
def parent(frames, f, fh=16):
    """The frame one row below f that spans it."""
    for p in frames:
        if abs(p.y - (f.y + fh)) < 0.01 and p.x <= f.x + 0.02 and p.x + p.w >= f.x + f.w - 0.02:
            return p
    return None
def ancestors(frames, f):
    out, p = [], parent(frames, f)
    while p is not None:
        out.append(p.name)
        p = parent(frames, p)
    return out
PY
PYHEAD="sys.path.insert(0, '$T'); from svgread import *"

# ---- cpu, in --theme mono's colours --------------------------------------------
start_fixture cpu_split_nofp "$T/ready" --seconds 60 --threads 2 --truth "$T/truth.json"
pid=$FIXTURE_PID
run_kprof 40 -b -F "$HZ" --duration 4 -p "$pid" --svg "$T/cpu.svg" --theme mono
expect_status "$RC" 0 "kprof-top -b --svg -p $pid"
stop_fixture "$pid" "$T/truth.json"
json_check "$T/cpu.svg" "$T/truth.json" <<PY
$PYHEAD
root, frames = read_svg(sys.argv[1], fail)
truth = load(sys.argv[2])
total = [f for f in frames if f.name == "all"]
if len(total) != 1: fail("%d root frames named all" % len(total))
total = total[0]
n_all = int(total.amount.split()[0])
note("%d frames, %d samples; title %r" % (len(frames), n_all, root.find(NS + "text").text))
# Titles carry counts, and each count is its width's share of the root.
for f in frames:
    count, unit = f.amount.split()
    if unit != "samples": fail("title %r: unit %r, expected samples" % (f.title, unit))
    want = int(count) * total.w / n_all
    if abs(f.w - want) > 0.02: fail("%s: width %.2f for %s samples, expected %.2f" % (f.name, f.w, count, want))
    if abs(f.pct - 100.0 * int(count) / n_all) > 0.01: fail("%s: %.2f %% is not %s/%d" % (f.title, f.pct, count, n_all))
hot, cold = named(frames, lambda n: n == "leaf_hot"), named(frames, lambda n: n == "leaf_cold")
if not hot or not cold: fail("no leaf_hot (%d) or leaf_cold (%d) frame" % (len(hot), len(cold)))
wh, wc = sum(f.w for f in hot), sum(f.w for f in cold)
check_leaf_split({"leaf_hot": wh, "leaf_cold": wc}, truth, "the two leaves' width (px)", min_samples=0)
big = max(hot, key=lambda f: f.w)
p = parent(frames, big)
if p is None or p.name != "path_alpha":
    fail("the frame below the widest leaf_hot is %r, expected path_alpha" % (p and p.name))
grey = [f.fill for f in frames if len(set(f.fill[1:][i:i + 2] for i in (0, 2, 4))) != 1]
if grey: fail("--theme mono: frames not grey: %s" % grey[:5])
PY
log "cpu: ok"

# The script inside, run by node on a small DOM made from the file.
if command -v node >/dev/null 2>&1; then
	python3 - "$T/cpu.svg" "$T/tree.json" <<'PY' || fail "cannot turn cpu.svg into a tree"
import json, sys
import xml.etree.ElementTree as ET
def node(e):
    return {"tag": e.tag.split("}")[-1], "attrs": dict(e.attrib), "text": e.text or "",
            "children": [node(c) for c in e]}
json.dump(node(ET.parse(sys.argv[1]).getroot()), open(sys.argv[2], "w"))
PY
	node "$(dirname "$0")/svg_script.js" "$T/tree.json" path_alpha leaf_hot 'leaf_(hot|cold)' >&2 ||
		fail "the SVG's script did not zoom or search as it should (see above)"
	log "script: ok"
else
	log "node is not installed: the SVG's script is not run"
fi

# ---- locks ---------------------------------------------------------------------
contend_run "$T/ltruth.json" 6 2 --svg-view locks --svg "$T/locks.svg"
json_check "$T/locks.svg" <<PY
$PYHEAD
root, frames = read_svg(sys.argv[1], fail)
locks = named(frames, lambda n: n.startswith("[lock "))
note("lock frames: %s" % [f.title for f in locks][:6])
led = [f for f in locks if f.name == "[lock g_ledger]"]
if not led: fail("no [lock g_ledger] frame")
big = max(led, key=lambda f: f.w)
if not re.search(r"[0-9.]+ (ns|µs|ms|s)$", big.amount): fail("g_ledger's amount %r is not a time" % big.amount)
anc = ancestors(frames, big)
if "post_entry" not in anc: fail("post_entry is not below [lock g_ledger]: %s" % anc)
PY
log "locks: ok"

# ---- io ------------------------------------------------------------------------
mkdir "$T/d"
start_fixture io_rates "$T/iready" --dir "$T/d" --seconds 60 --truth "$T/itruth.json"
pid=$FIXTURE_PID
run_kprof 40 -b --trace all --duration 3 -p "$pid" --svg-view io --svg "$T/io.svg"
expect_status "$RC" 0 "kprof-top -b --svg-view io -p $pid"
stop_fixture "$pid" "$T/itruth.json"
json_check "$T/io.svg" <<PY
$PYHEAD
root, frames = read_svg(sys.argv[1], fail)
files = named(frames, lambda n: n.startswith("[") and "/" in n)
note("file frames: %s" % sorted(set(f.name for f in files))[:8])
for want in ("out.dat", "in.dat"):
    fs = [f for f in files if f.name.endswith("/" + want + "]")]
    if not fs: fail("no frame names %s" % want)
    if not re.search(r"(bytes|[KMG]iB)$", fs[0].amount): fail("%s: amount %r is not bytes" % (want, fs[0].amount))
PY
log "io: ok"

# ---- alloc (launch mode) -------------------------------------------------------
run_kprof 60 -b --alloc-sample 64 --svg-view alloc --svg "$T/alloc.svg" -- \
	"$FIXTURES/alloc_sites" --now --seconds 4 --block-max 262144 \
	--ready "$T/aready" --truth "$T/atruth.json"
expect_status "$RC" 0 "kprof-top -b --svg-view alloc -- alloc_sites"
json_check "$T/alloc.svg" <<PY
$PYHEAD
root, frames = read_svg(sys.argv[1], fail)
leak = named(frames, lambda n: n == "retain_leak")
if not leak: fail("no retain_leak frame; frames: %s" % sorted(set(f.name for f in frames))[:20])
big = max(leak, key=lambda f: f.w)
note("retain_leak: %s" % big.title)
if not re.search(r"(bytes|[KMG]iB)$", big.amount): fail("retain_leak's amount %r is not bytes" % big.amount)
PY
log "alloc: ok"

# ---- the TUI's s key -----------------------------------------------------------
if ! command -v tmux >/dev/null 2>&1; then
	log "tmux is not installed: the s key is not tested"
	exit 0
fi
tmux_start svg
start_fixture cpu_split_nofp "$T/tready" --seconds 60 --threads 2 --truth "$T/ttruth.json"
pid=$FIXTURE_PID
mkdir "$T/tui"
tmux_attach "$T/tui" 120 "$pid"
expect_screen leaf_hot 15 "CPU pane"
tm send-keys -t kp s
expect_screen "wrote kprof-$pid-" 5 "the s key's message"
cpu=$(ls "$T"/tui/kprof-"$pid"-*-cpu.svg 2>/dev/null | head -n 1)
[ -n "$cpu" ] || fail "no kprof-$pid-*-cpu.svg in $T/tui: $(ls "$T/tui")"
tm send-keys -t kp 5
expect_screen "Locks" 5 "Locks pane"
tm send-keys -t kp s
_locks_svg() { ls "$T"/tui/kprof-"$pid"-*-locks.svg >/dev/null 2>&1; }
wait_until 5 _locks_svg || fail "no kprof-$pid-*-locks.svg after s in the Locks pane:
$(screen)"
tm send-keys -t kp q
wait_until 2 _not_alive "$kpid" || fail "kprof-top still running 2 s after q"
stop_fixture "$pid" "$T/ttruth.json"
json_check "$cpu" "$T"/tui/kprof-"$pid"-*-locks.svg <<PY
$PYHEAD
root, frames = read_svg(sys.argv[1], fail)
if not named(frames, lambda n: n == "leaf_hot"): fail("no leaf_hot frame in %s" % sys.argv[1])
# The Locks pane's graph: well-formed, titled as lock wait time (it may
# have no waits: cpu_split takes no locks).
try:
    lroot = ET.parse(sys.argv[2]).getroot()
except ET.ParseError as e:
    fail("%s: not well-formed XML: %s" % (sys.argv[2], e))
title = lroot.find(NS + "text").text
if not title.startswith("Lock wait time"): fail("the Locks pane's SVG is titled %r" % title)
PY
log "tui: ok"
