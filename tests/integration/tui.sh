#!/bin/sh
# The live TUI, driven for real in a detached tmux session against the
# cpu_split fixture: the hot function shows, the filter narrows the table,
# drill-down shows the right caller, a resize to 20x6 (and smaller) and back
# survives, `e` writes a snapshot that parses, and `q` quits within a second
# leaving the target running, not stopped.
set -eu
. "$(dirname "$0")/../lib.sh"
setup_test
require_perf_events
command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"

tmux_start tui

start_fixture cpu_split_nofp "$T/ready" --seconds 60 --threads 2 --truth "$T/truth.json"
pid=$FIXTURE_PID

tmux_attach "$T" 120 "$pid"

# The hot leaf and its module appear in the CPU table.
expect_screen leaf_hot 15 "CPU pane"
expect_screen cpu_split_nofp 5 "CPU pane module column"
on_screen "running" || fail "header does not say running"

# Filter: only stacks' functions matching the regex stay.
tm send-keys -t kp '\' 'leaf_c.ld' Enter
expect_screen "filter: leaf_c.ld" 5 "filter in the tab bar"
# One capture for both: tmux may show a frame that ncurses is half-way
# through writing (the old rows erased, the new ones not yet drawn).
_filtered() { s=$(screen); echo "$s" | grep -q leaf_cold && ! echo "$s" | grep -q path_alpha; }
wait_until 5 _filtered || fail "the filter did not narrow the table to leaf_cold:
$(screen)"
# An invalid pattern: pcre2's message in the status line, the UI goes on.
tm send-keys -t kp '\' '('
expect_screen "missing closing parenthesis" 5 "invalid regex message"
tm send-keys -t kp Escape
tm send-keys -t kp Escape   # Esc in the table clears the filter
expect_screen path_alpha 5 "clearing the filter"

# Drill-down: search leaf_hot, Enter: its caller is path_alpha.
tm send-keys -t kp '/' 'leaf_hot' Enter Enter
expect_screen "Drill-down: leaf_hot" 5 "drill-down"
_first_caller() { screen | sed -n '/who calls it/,/what it calls/p' | sed -n 2p | grep -q path_alpha; }
wait_until 5 _first_caller || fail "the first caller of leaf_hot is not path_alpha:
$(screen)"

# Resizes, down to 20x6 and below the minimum, then back.
tm resize-window -t kp -x 20 -y 6
expect_screen "kprof-top" 5 "20x6"
tm resize-window -t kp -x 12 -y 4
expect_screen "terminal" 5 "below the minimum"
alive "$kpid" || fail "kprof-top died on a resize to 12x4"
tm resize-window -t kp -x 120 -y 40
expect_screen "Drill-down: leaf_hot" 5 "resize back"

# e: a JSON snapshot in the current directory, named after the pid.
tm send-keys -t kp e
expect_screen "wrote kprof-$pid-" 5 "snapshot message"
snap=$(ls "$T"/kprof-"$pid"-*.json 2>/dev/null | head -n 1)
[ -n "$snap" ] || fail "no kprof-$pid-*.json in $T"
json_check "$snap" "$pid" <<'PY'
snap, pid = load(sys.argv[1]), int(sys.argv[2])
if snap.get("format") != "kprof-snapshot": fail("format is %r" % snap.get("format"))
if int(snap.get("target", {}).get("pid", -1)) != pid: fail("target.pid is wrong")
names = [h.get("function") for h in snap.get("cpu", {}).get("hotspots", [])]
if "leaf_hot" not in names: fail("leaf_hot not in the snapshot's hotspots: %r" % names[:10])
PY

# q: gone within a second, terminal restored, target left running.
tm send-keys -t kp q
wait_until 1 _not_alive "$kpid" || fail "kprof-top still running 1 s after q"
wait_for_file "$T/status" 5 "exit status of kprof-top"
[ "$(cat "$T/status")" = 0 ] || fail "kprof-top exited with status $(cat "$T/status") after q; stderr: $(head -c 400 "$T/err")"
[ ! -s "$T/err" ] || fail "kprof-top wrote to stderr: $(head -c 400 "$T/err")"
state=$(proc_state "$pid")
case $state in
R | S) ;;
*) fail "target state after q is '$state', expected R or S" ;;
esac
tracer=$(awk '/^TracerPid:/ { print $2 }' "/proc/$pid/status")
[ "$tracer" = 0 ] || fail "target is still traced by pid $tracer"
stop_fixture "$pid" "$T/truth.json"
