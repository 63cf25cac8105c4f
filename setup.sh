#!/bin/sh
# Set up kprof-top on Debian 12: install the build dependencies, build, and
# show it working on the bundled demo.  Extra arguments go to ./configure.
#   sudo ./setup.sh                       (then: sudo make check)
set -eu
cd "$(dirname "$0")"

if [ "$(id -u)" -ne 0 ]; then
	echo "setup.sh: run it as root (sudo ./setup.sh): it installs packages with apt-get" >&2
	exit 2
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential autoconf automake pkg-config \
	libncurses-dev libunwind-dev libpcre2-dev libelf-dev libdw-dev \
	libjansson-dev zlib1g-dev libiberty-dev libcmocka-dev \
	libc6-dbg binutils python3 tmux procps strace util-linux >/dev/null

# The tests' independent readers of the pprof and speedscope exports
# (tests/js): node and their npm packages, pinned by package-lock.json.
# A node that came with its own npm (NodeSource's) is left as it is.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
# Not fatal: the build does not need them; the two tests that do say so
# (and fail in CI, where they must run).
npm ci --prefix tests/js --no-audit --no-fund --loglevel=error >/dev/null ||
	echo "setup.sh: npm ci --prefix tests/js failed: tests/integration/pprof.sh and speedscope.sh will lack their readers" >&2

./autogen.sh >/dev/null 2>&1
./configure -q "$@"
make -s -j"$(nproc)"

echo "setup.sh: built ./kprof-top; profiling the bundled demo for 8 seconds"
if [ -t 1 ]; then
	./kprof-top --demo --duration 8
else
	./kprof-top --demo -b --duration 8
fi
