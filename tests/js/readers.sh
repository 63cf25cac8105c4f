#!/bin/sh
# The independent readers of the pprof and speedscope exports (node scripts
# in tests/js), for the integration tests; sourced after tests/lib.sh.
#
# Their npm packages are found in, first, KPROF_NODE_MODULES; then
# tests/js/node_modules of the source tree (setup.sh runs `npm ci --prefix
# tests/js`); then, under `make distcheck` (whose tarball has no
# node_modules, its distdir being made inside the original tree), the
# original tree's.  Missing node or packages: a skip that says what to run,
# and a failure in CI (KPROF_REQUIRE_PERF=1 or CI set), where they must be.

require_js_readers() {
	_js=${KPROF_JS_DIR:-$(dirname "$0")/../js}
	JS_MODULES=
	for _d in "${KPROF_NODE_MODULES:-}" "$_js/node_modules" "$_js/../../../tests/js/node_modules"; do
		if [ -n "$_d" ] && [ -f "$_d/pprof-format/package.json" ] &&
			[ -f "$_d/speedscope/package.json" ] && [ -f "$_d/ajv/package.json" ]; then
			JS_MODULES=$(cd "$_d" && pwd)
			break
		fi
	done
	_why=
	if ! command -v node >/dev/null 2>&1; then
		_why="node is not installed (apt-get install nodejs npm; setup.sh does)"
	elif [ -z "$JS_MODULES" ]; then
		_why="the readers' npm packages are missing: run npm ci --prefix tests/js (setup.sh does), or set KPROF_NODE_MODULES"
	fi
	if [ -n "$_why" ]; then
		if [ "${KPROF_REQUIRE_PERF:-0}" = 1 ] || [ -n "${CI:-}" ]; then
			fail "$_why"
		fi
		skip "$_why"
	fi
	JS_DIR=$_js
	log "readers: node $(node --version), packages in $JS_MODULES"
}

# pprof_dump FILE OUT: decode a gzipped pprof profile with pprof-format,
# JSON summary in OUT (see tests/js/pprof-dump.js); fails on a bad file.
pprof_dump() {
	NODE_PATH=$JS_MODULES node "$JS_DIR/pprof-dump.js" "$1" >"$2" 2>"$T/reader.err" ||
		fail "pprof-format rejects $1: $(cat "$T/reader.err")"
}

# speedscope_check FILE OUT: validate against speedscope's schema and its
# semantics, JSON summary in OUT (tests/js/speedscope-check.js).
speedscope_check() {
	NODE_PATH=$JS_MODULES node "$JS_DIR/speedscope-check.js" "$1" >"$2" 2>"$T/reader.err" ||
		fail "speedscope's schema rejects $1: $(cat "$T/reader.err")"
}
