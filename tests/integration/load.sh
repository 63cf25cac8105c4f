#!/bin/sh
# --load: a saved snapshot reproduces the live run's batch report.  Four
# live batch runs, each with --snapshot S capturing its report R1:
# cpu_split_nofp (CPU, threads and the per-thread hottest function),
# lock_contend (g_ledger's waits and its share of thread time), io_rates
# (per-fd rows, rates over each row's life, per-thread I/O) and alloc_sites
# launched with the preload shim (sites, RSS, malloc in two modules).  Then
# `--load S -b` must print R1 again, byte for byte, and a snapshot of the
# reload must reload to it too.  The TUI on a loaded snapshot (tmux): the
# header says "loaded", never a pid or "running", and the window the file
# holds (w does not change it); leaf_hot shows, the
# drill-down into it has path_alpha as its caller, the Locks pane shows
# g_ledger; q quits with status 0.  Bad files: exit 2, one line on stderr.
set -eu
. "$(dirname "$0")/../lib.sh"
setup_test
require_perf_events

# same_report NAME SNAPSHOT R1: --load SNAPSHOT -b prints R1 exactly.
same_report() {
	run_kprof 30 --load "$2" -b --snapshot "$T/$1.again.json"
	expect_status "$RC" 0 "kprof-top --load $2 -b ($1)"
	[ ! -s "$T/err" ] || fail "$1: --load wrote to stderr: $(head -c 400 "$T/err")"
	cmp -s "$3" "$T/out" || fail "$1: the report of --load differs from the live run's:
$(diff "$3" "$T/out" | head -40)"
	cp "$T/out" "$T/$1.r2"
	run_kprof 30 --load "$T/$1.again.json" -b
	expect_status "$RC" 0 "kprof-top --load $1.again.json -b"
	cmp -s "$3" "$T/out" || fail "$1: a snapshot of the reload reloads to another report:
$(diff "$3" "$T/out" | head -40)"
	log "$1: the reloaded report is the live one ($(wc -l <"$3") lines)"
}

# must_show NAME R1 TEXT...: the live report holds each TEXT, so the
# comparison is of something.
must_show() {
	_n=$1 _r=$2
	shift 2
	for _t in "$@"; do
		grep -F -q -- "$_t" "$_r" || fail "$_n: the live report has no '$_t':
$(head -60 "$_r")"
	done
}

# ---- CPU and threads ---------------------------------------------------------
start_fixture cpu_split_nofp "$T/ready.cpu" --seconds 60 --threads 2 --truth "$T/truth.cpu.json"
cpid=$FIXTURE_PID
run_kprof 40 -b --duration 3 -p "$cpid" --snapshot "$T/cpu.json"
expect_status "$RC" 0 "kprof-top -b --duration 3 -p $cpid"
cp "$T/out" "$T/cpu.r1"
stop_fixture "$cpid" "$T/truth.cpu.json"
must_show cpu "$T/cpu.r1" leaf_hot path_alpha "split-w01"
same_report cpu "$T/cpu.json" "$T/cpu.r1"

# ---- locks -------------------------------------------------------------------
contend_run "$T/truth.lock.json" 6 1 --snapshot "$T/lock.json"
cp "$T/out" "$T/lock.r1"
must_show locks "$T/lock.r1" g_ledger "of their time" post_entry
same_report locks "$T/lock.json" "$T/lock.r1"

# ---- I/O ---------------------------------------------------------------------
mkdir "$T/d"
start_fixture io_rates "$T/ready.io" --dir "$T/d" --seconds 60 --truth "$T/truth.io.json"
ipid=$FIXTURE_PID
run_kprof 40 -b --trace all --duration 3 -p "$ipid" --snapshot "$T/io.json"
expect_status "$RC" 0 "kprof-top -b --trace all --duration 3 -p $ipid"
cp "$T/out" "$T/io.r1"
stop_fixture "$ipid" "$T/truth.io.json"
must_show io "$T/io.r1" "I/O by fd" "$T/d" "I/O by thread" writer
same_report io "$T/io.json" "$T/io.r1"

# ---- allocations (launched, the preload shim) -------------------------------
run_kprof 60 -b --alloc-sample 64 --snapshot "$T/alloc.json" -- \
	"$FIXTURES/alloc_sites" --now --seconds 3 --block-max 262144 \
	--ready "$T/ready.alloc" --truth "$T/truth.alloc.json"
expect_status "$RC" 0 "kprof-top -b --alloc-sample 64 -- alloc_sites"
cp "$T/out" "$T/alloc.r1"
must_show alloc "$T/alloc.r1" "Allocations (" "preload" "RSS "
same_report alloc "$T/alloc.json" "$T/alloc.r1"

# ---- bad files: exit 2, one line ---------------------------------------------
printf 'not json at all\n' >"$T/bad.json"
head -c 2000 "$T/cpu.json" >"$T/cut.json"
printf '{"format": "kprof-snapshot", "version": 99}\n' >"$T/newer.json"
printf '{"format": "something-else"}\n' >"$T/other.json"
for bad in "$T/missing.json:No such file" "$T/bad.json:not JSON" "$T/cut.json:cut short" \
	"$T/newer.json:newer" "$T/other.json:not a kprof-top snapshot"; do
	f=${bad%%:*} why=${bad#*:}
	run_kprof 10 --load "$f" -b
	expect_status "$RC" 2 "kprof-top --load $f -b"
	expect_one_line "$T/err" "--load $f"
	grep -F -q -- "$why" "$T/err" || fail "--load $f: stderr does not say '$why': $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "--load $f printed a report"
done

# ---- the TUI on a loaded snapshot --------------------------------------------
command -v tmux >/dev/null 2>&1 || skip "tmux is not installed (the batch checks passed)"
tmux_start load

# tui_load SNAPSHOT: kprof-top --load SNAPSHOT in the tmux pane kp.
tui_load() {
	rm -f "$T/status"
	tm new-session -d -s kp -x 120 -y 40 \
		"cd '$T' && LANG=C.UTF-8 '$KPROF_TOP' --load '$1' -d 0.5 2>'$T/err'; echo \$? >'$T/status'"
	tm set-option -w -t kp remain-on-exit on
	expect_screen "loaded $(basename "$1")" 10 "the loaded header"
}

# tui_quit: q, status 0.
tui_quit() {
	tm send-keys -t kp q
	wait_for_file "$T/status" 5 "kprof-top --load after q"
	[ "$(cat "$T/status")" = 0 ] || fail "kprof-top --load exited with $(cat "$T/status") after q; stderr: $(cat "$T/err")"
	tm kill-session -t kp
}

tui_load "$T/cpu.json"
expect_screen leaf_hot 5 "CPU pane of the loaded snapshot"
off_screen "running" || fail "the header of a loaded snapshot says running:
$(screen)"
off_screen "pid $cpid" || fail "the header of a loaded snapshot claims pid $cpid:
$(screen)"
tm send-keys -t kp '/' 'leaf_hot' Enter Enter
expect_screen "Drill-down: leaf_hot" 5 "drill-down in the loaded snapshot"
_first_caller() { screen | sed -n '/who calls it/,/what it calls/p' | sed -n 2p | grep -q path_alpha; }
wait_until 5 _first_caller || fail "the first caller of leaf_hot is not path_alpha:
$(screen)"
tm send-keys -t kp Escape 2
expect_screen split-w01 5 "Threads pane of the loaded snapshot"
# Its samples are one window (all of the run, for -b): w cannot change it.
expect_screen "window all " 5 "the loaded snapshot's window"
tm send-keys -t kp w
expect_screen "holds one window" 5 "w on a loaded snapshot"
off_screen "last 60 s" || fail "w relabelled the loaded snapshot's window:
$(screen)"
tui_quit

# One saved from a 5 s window (the e key in the live view) says so.
python3 -c 'import json, sys
s = json.load(open(sys.argv[1])); s["window_s"] = 5; json.dump(s, open(sys.argv[2], "w"))' \
	"$T/cpu.json" "$T/cpu5.json"
tui_load "$T/cpu5.json"
expect_screen "saved: last 5 s" 5 "the header of a snapshot saved from a 5 s window"
tui_quit

tui_load "$T/lock.json"
tm send-keys -t kp 5
expect_screen g_ledger 5 "Locks pane of the loaded snapshot"
tui_quit
