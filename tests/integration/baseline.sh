#!/bin/sh
# The live baseline (b) in the TUI, in tmux: cpu_split_nofp runs 70/30, b
# keeps those shares, SIGUSR2 switches the fixture to 30/70, and the CPU
# pane must then call leaf_cold a REGRESSION and leaf_hot IMPROVED against
# the mark; b again clears the comparison.  Before the switch, nothing is
# flagged (the same split is noise, not a regression).
set -eu
. "$(dirname "$0")/../lib.sh"
setup_test
require_perf_events
command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"

tmux_start baseline
start_fixture cpu_split_nofp "$T/ready" --seconds 60 --threads 2 --ratio 70 --ratio-on-usr2 30 \
	--truth "$T/truth.json"
pid=$FIXTURE_PID

tm new-session -d -s kp -x 140 -y 40 \
	"cd '$T' && LANG=C.UTF-8 '$KPROF_TOP' -p $pid -d 0.5 2>'$T/err'; echo \$? >'$T/status'"
tm set-option -w -t kp remain-on-exit on
shpid=$(tm display-message -p -t kp '#{pane_pid}')
_kprof_started() { kpid=$(pgrep -P "$shpid" -x kprof-top) && [ -n "$kpid" ]; }
wait_until 5 _kprof_started || fail "kprof-top did not start in tmux"
track_pid "$kpid"
wait_attached "$kpid"
expect_screen leaf_cold 15 "CPU pane"
# A full 5 s window of the 70/30 split to keep.
sleep 5

tm send-keys -t kp b
expect_screen "VS BASE" 5 "the baseline columns"
expect_screen "since b" 5 "the window since the mark in the header"
# Same split after the mark: a few seconds of noise, no verdict.
sleep 3
row() { screen | grep -E " $1 " | head -n 1; }
if row leaf_cold | grep -q REGRESSION || row leaf_hot | grep -q IMPROVED; then
	fail "a verdict before the split changed:
$(screen)"
fi

kill -USR2 "$pid"
_verdicts() { row leaf_cold | grep -q REGRESSION && row leaf_hot | grep -q IMPROVED; }
wait_until 15 _verdicts || fail "after the switch to 30/70, leaf_cold is not a REGRESSION and leaf_hot not IMPROVED:
$(screen)"
log "after the switch: $(row leaf_cold | tr -s ' ')"
log "after the switch: $(row leaf_hot | tr -s ' ')"

tm send-keys -t kp b
wait_until 5 off_screen "VS BASE" || fail "b again did not clear the baseline:
$(screen)"

tm send-keys -t kp q
wait_until 2 _not_alive "$kpid" || fail "kprof-top still running 2 s after q"
wait_for_file "$T/status" 5 "exit status of kprof-top"
[ "$(cat "$T/status")" = 0 ] || fail "kprof-top exited with status $(cat "$T/status"): $(head -c 400 "$T/err")"
stop_fixture "$pid" "$T/truth.json"
