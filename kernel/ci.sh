#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Continuous integration for kernel/: build and test kbdus end to end, on
# every supported kernel.
set -uo pipefail

usage() {
	cat <<'USAGE'
usage: kernel/ci.sh [--help] [--kernel K]... [TEST...]

Builds and tests the kbdus kernel module.  Run as root on Debian bookworm
(network access to the Debian archive is needed on the first run):

  1. installs the apt packages it needs (only those missing), downloads and
     unpacks the three supported kernels, images and headers, and a trixie
     build root (cached under ${BDUS_VM_DIR:-<repo>/.vm}; see
     kernel/vm/setup.sh): Debian bookworm's current 6.1, the newest
     6.12.N+deb12, the newest 7.x of trixie-backports;
  2. builds kbdus.ko with KCFLAGS=-Werror for each of them into
     kernel/build/<kver>/kbdus.ko (kernel/vm/build-kbdus.sh), and in tree
     against 6.1 (as DKMS would), with a staged `make install`;
  3. compiles the uapi header standalone, builds the C test driver
     kernel/tests/bdus-ram (64- and 32-bit) and checks the ABI layout
     against kernel/tests/abi-layout.expected;
  4. boots each kernel once in QEMU (kernel/vm/vmrun -k K) and runs the VM
     suite (kernel/tests/vm-suite.sh) there: every test, or only the named
     TESTs.

  --kernel K   only this kernel (6.1, 6.12 or 7) in step 4; repeatable.
               Default: all three.

Prints one line per step and test (PASS/FAIL and seconds) and a total, and
exits non-zero if anything failed.  Logs: <cache>/ci/ (per-test logs in
<cache>/ci/share-<K>/results/, VM consoles in <cache>/ci/share-<K>/console.log).
Typical duration on 2 cores: ~1.5 min cold setup (downloads, trixie root;
plus apt installs on a fresh machine), ~40 s of builds, 4.5-5.5 min of VM
suite per kernel; ~15 min end to end warm, ~17 min cold.
USAGE
}

KERNELS=()
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--kernel)
		case ${2:-} in
		6.1 | 6.12 | 7) KERNELS+=("$2") ;;
		*) echo "ci.sh: --kernel needs 6.1, 6.12 or 7" >&2; exit 2 ;;
		esac
		shift 2 ;;
	-*) echo "ci.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
	*) break ;;
	esac
done
[ ${#KERNELS[@]} -gt 0 ] || KERNELS=(6.1 6.12 7)

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
	RESULTS+=("$(printf '%-4s %-36s %8ss' "$1" "$2" "$3")")
	printf '%-4s %-36s %8ss\n' "$1" "$2" "$3"
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
echo "-- setup: packages, kernels, trixie root (cached in $BDUS_VM_DIR)"
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

kver_of() { local v=KVER${1//./}; echo "${!v}"; }

echo "-- build"
# In tree first: Kbuild's clean also removes kernel/build/*/kbdus.ko.
in_tree() {
	make -C "$HERE" KDIR="$KDIR61" KOBJ="$KOBJ61" clean &&
		make -C "$HERE" KDIR="$KDIR61" KOBJ="$KOBJ61" KCFLAGS=-Werror modules &&
		modinfo -F vermagic "$HERE/kbdus.ko" | grep -q "^$KVER61 " &&
		rm -rf "$CI/install" &&
		make -C "$HERE" KDIR="$KDIR61" KOBJ="$KOBJ61" KVER="$KVER61" \
			INSTALL_MOD_PATH="$CI/install" install &&
		test -f "$CI/install/lib/modules/$KVER61/updates/kbdus.ko" &&
		grep -q 'kbdus.ko:' "$CI/install/lib/modules/$KVER61/modules.dep"
}
step "in-tree make + make install (6.1)" "$CI/in-tree.log" in_tree
declare -A KO
for k in 6.1 6.12 7; do
	if step "build kbdus.ko ($k -Werror)" "$CI/build-$k.log" \
		"$HERE/vm/build-kbdus.sh" "$k"; then
		KO[$k]=$(tail -n1 "$CI/build-$k.log")
	fi
done


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

if [ $FAILED != 0 ]; then
	echo "-- build failed; VM suites skipped"
else
	for k in "${KERNELS[@]}"; do
		SHARE=$CI/share-$k
		mkdir -p "$SHARE"
		echo "-- VM suite on $(kver_of "$k"): one boot under QEMU/TCG (progress below)"
		t0=$(now_ms)
		KBDUS_KO=${KO[$k]} "$HERE/vm/vmrun" -k "$k" -s "$SHARE" -t 1500 -e KBDUS_KO \
			-a "slub_debug=FZPU page_poison=1 hung_task_timeout_secs=60" \
			"$HERE/tests/vm-suite.sh" "$@" \
			> >(grep --line-buffered -E '^(PASS|FAIL|    )' | sed -u 's/^/   vm: /') 2>&1
		rc=$?
		sleep 0.2
		vm_secs=$(secs_since "$t0")
		if [ -s "$SHARE/results/summary.txt" ]; then
			while read -r res name secs; do
				record "$res" "vm $k: $name" "$secs"
			done <"$SHARE/results/summary.txt"
		fi
		if [ "$rc" = 0 ] && [ -s "$SHARE/results/summary.txt" ]; then
			record PASS "vm $k: suite (boot + all)" "$vm_secs"
		else
			record FAIL "vm $k: suite (rc $rc)" "$vm_secs"
			echo "    console log: $SHARE/console.log"
			tail -n 20 "$SHARE/console.log" 2>/dev/null | sed 's/^/    /'
		fi
	done
fi

echo "== summary"
printf '%s\n' "${RESULTS[@]}"
total=$(($(date +%s) - T_START))
npass=$(printf '%s\n' "${RESULTS[@]}" | grep -c '^PASS')
nfail=$(printf '%s\n' "${RESULTS[@]}" | grep -c '^FAIL')
echo "$npass passed, $nfail failed"
if [ $FAILED = 0 ]; then
	echo "== ALL PASSED in ${total}s"
else
	echo "== FAILED (total ${total}s); logs in $CI"
fi
exit $FAILED
