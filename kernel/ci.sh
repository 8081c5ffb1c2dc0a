#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Continuous integration for kernel/: build and test kbdus end to end.
set -uo pipefail

usage() {
	cat <<'USAGE'
usage: kernel/ci.sh [--help] [TEST...]

Builds and tests the kbdus kernel module.  Run as root on Debian bookworm
(network access to the Debian mirrors is needed on the first run):

  1. installs the apt packages it needs (only those missing), downloads and
     unpacks Debian's current 6.1 kernel image + headers and the newest 6.12
     headers (cached under ${BDUS_VM_DIR:-<repo>/.vm}; see kernel/vm/setup.sh);
  2. builds kbdus.ko with KCFLAGS=-Werror against the 6.12 headers
     (compile only) and against the 6.1 headers;
  3. compiles the uapi header standalone, builds the C smoke driver
     kernel/tests/bdus-ram, and checks the ABI layout (sizes, offsets, ioctl
     numbers) against kernel/tests/abi-layout.expected;
  4. boots Debian's 6.1 kernel once in QEMU (kernel/vm/vmrun) and runs the
     whole VM suite (kernel/tests/vm-suite.sh) there, or only the named
     TESTs.

Prints one line per step and test (PASS/FAIL and seconds) and a total, and
exits non-zero if anything failed.  Logs: <cache>/ci/ (per-test logs in
<cache>/ci/share/results/, VM console in <cache>/ci/share/console.log).
Typical duration on 2 cores: ~1 min cold setup (downloads), ~30 s of builds,
3-4 min for the VM suite; ~5 min end to end cold, ~4 min warm.
USAGE
}

case ${1:-} in
-h | --help) usage; exit 0 ;;
esac

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
export BDUS_VM_DIR=${BDUS_VM_DIR:-$REPO/.vm}
CI=$BDUS_VM_DIR/ci

if [ "$(id -u)" != 0 ]; then
	echo "ci.sh: must run as root (apt-get, and the VM test suite)" >&2
	exit 2
fi

T_START=$(date +%s)
FAILED=0
RESULTS=()

now_ms() { date +%s%3N; }
secs_since() { # start_ms
	local d=$(($(now_ms) - $1))
	printf '%d.%03d' $((d / 1000)) $((d % 1000))
}
record() { # PASS|FAIL name secs
	RESULTS+=("$(printf '%-4s %-28s %8ss' "$1" "$2" "$3")")
	printf '%-4s %-28s %8ss\n' "$1" "$2" "$3"
	[ "$1" = PASS ] || FAILED=1
}
# step NAME LOGFILE COMMAND...: run a build step, record it.
step() {
	local name=$1 logf=$2 t0
	shift 2
	t0=$(now_ms)
	if "$@" >"$logf" 2>&1; then
		record PASS "$name" "$(secs_since "$t0")"
	else
		record FAIL "$name" "$(secs_since "$t0")"
		tail -n 30 "$logf" | sed 's/^/    /'
		return 1
	fi
}

mkdir -p "$BDUS_VM_DIR"
rm -rf "$CI"
mkdir -p "$CI"

echo "== kbdus CI ($(date -u '+%Y-%m-%d %H:%M:%S UTC'))"
echo "-- setup: packages and kernel downloads (cached in $BDUS_VM_DIR)"
t0=$(now_ms)
if "$HERE/vm/setup.sh" 2> >(tee "$CI/setup.log" | grep --line-buffered '^\[setup\]' >&2); then
	record PASS setup "$(secs_since "$t0")"
else
	record FAIL setup "$(secs_since "$t0")"
	tail -n 30 "$CI/setup.log"
	exit 1
fi
# shellcheck disable=SC1091
. "$BDUS_VM_DIR/env"

build_module() { # KDIR KOBJ DIR
	make -C "$3" KDIR="$1" KOBJ="$2" KCFLAGS=-Werror modules
}

echo "-- build"
# 6.12: compile-only, in a copy so the 6.1 objects are not disturbed.
B612=$CI/build-6.12
mkdir -p "$B612"
cp -r "$HERE/Kbuild" "$HERE/Makefile" "$HERE/src" "$HERE/include" "$B612/"
step "build kbdus.ko (6.12 -Werror)" "$CI/build-6.12.log" \
	build_module "$KDIR612" "$KOBJ612" "$B612"

make -C "$HERE" KDIR="$KDIR61" KOBJ="$KOBJ61" clean >/dev/null 2>&1
step "build kbdus.ko (6.1 -Werror)" "$CI/build-6.1.log" \
	build_module "$KDIR61" "$KOBJ61" "$HERE" &&
	step "modinfo vermagic is 6.1" "$CI/modinfo.log" \
		sh -c "modinfo '$HERE/kbdus.ko' | grep -q '^vermagic: *$KVER61 '"

install_check() {
	rm -rf "$CI/install"
	make -C "$HERE" KDIR="$KDIR61" KOBJ="$KOBJ61" KVER="$KVER61" \
		INSTALL_MOD_PATH="$CI/install" install &&
		test -f "$CI/install/lib/modules/$KVER61/updates/kbdus.ko" &&
		grep -q 'kbdus.ko:' "$CI/install/lib/modules/$KVER61/modules.dep"
}
[ -f "$HERE/kbdus.ko" ] &&
	step "make install (staged)" "$CI/install.log" install_check

uapi_check() {
	printf '#include "%s"\nint main(void) { return 0; }\n' \
		"$HERE/include/uapi/kbdus.h" >"$CI/uapi.c"
	gcc -std=c11 -Wall -Wextra -Werror -pedantic -o "$CI/uapi" "$CI/uapi.c"
}
step "uapi header standalone (C11)" "$CI/uapi.log" uapi_check
step "build tests (bdus-ram, abi-layout)" "$CI/tests-build.log" \
	make -C "$HERE/tests" clean all &&
	step "ABI layout = abi-layout.expected" "$CI/abi-layout.log" \
		sh -c "'$HERE/tests/abi-layout' | diff -u '$HERE/tests/abi-layout.expected' -"

if [ $FAILED != 0 ] || [ ! -f "$HERE/kbdus.ko" ]; then
	echo "-- build failed; VM suite skipped"
else
	echo "-- VM suite: one boot of $KVER61 under QEMU/TCG (progress below)"
	SHARE=$CI/share
	mkdir -p "$SHARE"
	t0=$(now_ms)
	"$HERE/vm/vmrun" -s "$SHARE" -t 1200 \
		-a "slub_debug=FZPU page_poison=1 hung_task_timeout_secs=60" \
		"$HERE/tests/vm-suite.sh" "$@" \
		> >(grep --line-buffered -E '^(PASS|FAIL|    )' | sed -u 's/^/   vm: /') 2>&1
	rc=$?
	sleep 0.2
	vm_secs=$(secs_since "$t0")
	echo "-- VM suite results"
	if [ -s "$SHARE/results/summary.txt" ]; then
		while read -r res name secs; do
			record "$res" "vm: $name" "$secs"
		done <"$SHARE/results/summary.txt"
	fi
	if [ "$rc" = 0 ] && [ -s "$SHARE/results/summary.txt" ]; then
		record PASS "vm suite (boot + all)" "$vm_secs"
	else
		record FAIL "vm suite (rc $rc)" "$vm_secs"
		echo "    console log: $SHARE/console.log"
		tail -n 20 "$SHARE/console.log" 2>/dev/null | sed 's/^/    /'
	fi
fi

echo "== summary"
printf '%s\n' "${RESULTS[@]}"
total=$(($(date +%s) - T_START))
if [ $FAILED = 0 ]; then
	echo "== ALL PASSED in ${total}s"
else
	echo "== FAILED (total ${total}s); logs in $CI"
fi
exit $FAILED
