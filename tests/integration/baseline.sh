#!/bin/sh
# The live baseline (b) in the TUI, in tmux: cpu_split_nofp runs 70/30, b
# keeps those shares, SIGUSR2 switches the fixture to 30/70, and the CPU
# pane must then call leaf_cold a REGRESSION and leaf_hot IMPROVED against
# the mark; b again clears the comparison.  Before the switch, nothing is
# flagged (the same split is noise, not a regression).  Then in the I/O
# pane, SINCE b counts out.dat's bytes from the mark, not from the start.
set -eu
. "$(dirname "$0")/../lib.sh"
setup_test
require_perf_events
command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"

tmux_start baseline
start_fixture cpu_split_nofp "$T/ready" --seconds 60 --threads 2 --ratio 70 --ratio-on-usr2 30 \
	--truth "$T/truth.json"
pid=$FIXTURE_PID

tmux_attach "$T" 140 "$pid"
expect_screen leaf_cold 15 "CPU pane"
# A full 5 s window of the 70/30 split to keep.
sleep 5

tm send-keys -t kp b
expect_screen "VS BASE" 5 "the baseline columns"
expect_screen "since b" 5 "the window since the mark in the header"
# Same split after the mark: a few seconds of noise, no regression.  (A
# busy machine can really move every leaf's share a little, through the
# time it adds in the kernel: a WARNING or IMPROVED then is not wrong.)
sleep 3
row() { screen | grep -E " $1 " | head -n 1; }
if row leaf_cold | grep -q REGRESSION || row leaf_hot | grep -q REGRESSION; then
	fail "a regression before the split changed:
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
stop_fixture "$pid" "$T/truth.json"

# Locks and I/O count from the start; after b they get a SINCE b column.
# io_rates writes out.dat at 1 MiB/s: b after ~4 s, then out.dat's SINCE b
# must stay below its TOTAL by about what came before the mark, and grow.
rm -f "$T/status"
mkdir -p "$T/io"
tm kill-session -t kp
tm new-session -d -s kp -x 140 -y 40 \
	"cd '$T' && LANG=C.UTF-8 '$KPROF_TOP' --trace all -d 0.5 -- '$FIXTURES/io_rates' --dir '$T/io' --seconds 60 --read-rate 0 --pipe-rate 0 --rotate-rate 0 --ready '$T/io_ready' --truth '$T/io_truth.json' 2>'$T/err'; echo \$? >'$T/status'"
tm set-option -w -t kp remain-on-exit on
wait_for_file "$T/io_ready" 15 "io_rates under the TUI"
iopid=$(cat "$T/io_ready")
track_pid "$iopid"
tm send-keys -t kp 4
expect_screen out.dat 15 "the I/O pane"
sleep 4   # four seconds of writes before the mark
tm send-keys -t kp b
expect_screen "SINCE b" 5 "the I/O pane's SINCE b column"
# bytes of "1.2M"-style cells
_io_cols() { screen | grep -F out.dat | head -n 1; }
_to_bytes() { awk -v v="$1" 'BEGIN { u = substr(v, length(v)); n = v + 0;
	m = u == "K" ? 1024 : u == "M" ? 1048576 : u == "G" ? 1073741824 : 1; printf "%.0f", n * m }'; }
_since_after() {
	# ... TOTAL, SINCE b, FD, FILE: counted from the end (TIME IN is "40.2 ms")
	set -- $(_io_cols | awk '{ print $(NF - 3), $(NF - 2) }')
	[ $# -eq 2 ] || return 1
	total=$(_to_bytes "$1"); since=$(_to_bytes "$2")
	[ "$since" -ge 1048576 ] && [ "$since" -lt "$total" ]
}
wait_until 10 _since_after || fail "out.dat's SINCE b did not grow past 1 MiB while staying under its total:
$(screen)"
log "I/O after b: $(_io_cols | tr -s ' ')"
# What came before the mark is the difference: about 4 s at 1 MiB/s.
before=$((total - since))
[ "$before" -ge 2097152 ] || fail "total - since b is $before bytes: the mark kept less than the ~4 MiB written before it:
$(screen)"

tm send-keys -t kp q
wait_for_file "$T/status" 5 "exit status of kprof-top"
[ "$(cat "$T/status")" = 0 ] || fail "kprof-top exited with status $(cat "$T/status"): $(head -c 400 "$T/err")"
