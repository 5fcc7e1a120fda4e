#!/bin/sh
# Install the Debian packages that building and testing mcpd need.  As root
# this runs apt-get; otherwise it prints the command to run.
pkgs="build-essential pkg-config libevent-dev libssl-dev libjansson-dev
libjwt-dev libseccomp-dev libsqlite3-dev libcmocka-dev sqlite3 jq mandoc
openssl procps psmisc passwd cppcheck clang-tidy systemd strace
util-linux coreutils curl python3 wrk
clang libclang-rt-14-dev valgrind"
# clang and its runtimes (libFuzzer, ASan, UBSan) build "make fuzz";
# valgrind runs the memcheck half of "make sanitize".

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# Node.js (>= 18) and npm run the interop tests with the official MCP SDK.
# A Node.js installed some other way is fine: only a missing one is added.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "missing packages; run as root:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 1
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || exit 1
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null || exit 1
