#!/usr/bin/env bash
# Runs the Java integration suite (the same tests the host runs on fuse-loop) on the ublk
# transport: boots the kernel test VM on a kernel with ublk_drv, loads it and runs the tests
# in one JVM.
set -euo pipefail

usage() {
    cat <<'TXT'
Usage: scripts/test-ublk-vm.sh [--kernel 6.12|7] [--tests PATTERN] [--help]

Runs the io.bdus.integration tests (patterned and concurrent I/O, discard and
zero-range, driver errors, ext4 remount checksums, fio verify with driver
replacement and at depth, allocation per request; each with a blocking and an
asynchronous driver) against /dev/ublkbN devices of the kernel's ublk_drv,
served by the ublk transport, inside the QEMU VM of kernel/vm/vmrun booted on
the given kernel (default 6.12: the newest 6.12+deb12; 7: the newest 7.x of
trixie-backports; Debian's 6.1 has no ublk_drv). Needs root. Java runs 15-20x
slower under emulation.

  --tests PATTERN   run only the test classes whose simple name matches the
                    regular expression (e.g. 'BlockIo.*'); default: the suite
                    without the kbdus-only tests (crash recovery, SIGKILL,
                    ioctls), which skip themselves on ublk anyway, and without
                    HungDriverOnRealDeviceTest (ublk has no request timeout yet)
TXT
}
kernel=6.12
tests=
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --kernel)
            case "${2:-}" in 6.12|7) kernel=$2 ;; *) echo "--kernel needs 6.12 or 7" >&2; exit 2 ;; esac
            shift 2 ;;
        --tests)
            [ -n "${2:-}" ] || { echo "--tests needs a pattern" >&2; exit 2; }
            tests=$2; shift 2 ;;
        *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
    esac
done

cd "$(dirname "$0")/.."
repo=$(pwd)
export BDUS_VM_DIR=${BDUS_VM_DIR:-$repo/.vm}

mkdir -p "$BDUS_VM_DIR"
kernel/vm/setup.sh 2>"$BDUS_VM_DIR/setup.log" || { cat "$BDUS_VM_DIR/setup.log" >&2; exit 1; }
# shellcheck disable=SC1091
. "$BDUS_VM_DIR/env"
kver_var=KVER${kernel//./}
kver=${!kver_var}

echo "Compiling tests and resolving the test class path on the host..."
./mvnw -q -B -ntp -pl bdus-native test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/vm-classpath.txt -DexcludeArtifactIds=slf4j-simple

if [ -n "$tests" ]; then
    selection="--select-package io.bdus.integration --include-classname 'io\\.bdus\\.integration\\.($tests)'"
else
    selection="--select-package io.bdus.integration --include-classname '.*(Test|IT)'"
    # Not yet on ublk: request timeouts (HungDriverOnRealDeviceTest: a privileged ublk device
    # never times a request out, so a hung driver call blocks its client and the test hangs).
    selection="$selection --exclude-classname '.*(SigkillRecoveryAcceptance|CrashRecoveryOnRealDevice|IoctlOnRealDevice|HungDriverOnRealDevice)Test'"
fi

share="$BDUS_VM_DIR/java-vm-ublk-$kernel"
rm -rf "$share"
mkdir -p "$share"
cat > "$share/run.sh" <<GUEST
#!/bin/sh
cd "$repo/bdus-native" || exit 91
[ "\$(uname -r)" = "$kver" ] || exit 93
modprobe ublk_drv || exit 90
modprobe ext4 || exit 92
java -Dbdus.test.transport=ublk \
    -cp "target/test-classes:target/classes:\$(cat target/vm-classpath.txt)" \
    org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=tree \
    $selection --reports-dir="\$VM_SHARE/reports" >"\$VM_SHARE/junit.log" 2>&1
rc=\$?
grep -E "tests (successful|failed|skipped|aborted)" "\$VM_SHARE/junit.log"
if dmesg | grep -E 'WARNING|BUG|Oops|refcount|lockdep|general protection'; then
    echo "kernel log has warnings (above)"
    rc=1
fi
dmesg | grep -i ublk | tail -20 > "\$VM_SHARE/dmesg-ublk.txt"
exit \$rc
GUEST
chmod +x "$share/run.sh"

echo "Booting $kver and running the suite on ublk (log: $share/junit.log)..."
start=$(date +%s)
set +e
# One vCPU, as in test-kbdus-vm.sh: QEMU/TCG with two now and then breaks JIT-compiled code.
kernel/vm/vmrun --quiet --kernel "$kernel" --cpus 1 --share "$share" --memory 3G --timeout 2400 "$share/run.sh"
rc=$?
set -e
echo "VM run finished in $(( $(date +%s) - start )) s with exit code $rc"
grep -E "tests (found|successful|failed|skipped)" "$share/junit.log" 2>/dev/null || true
if [ "$rc" -ne 0 ]; then
    echo "---- last lines of the JUnit log ----"
    tail -60 "$share/junit.log" 2>/dev/null || true
    echo "---- last lines of the console ----"
    tail -30 "$share/console.log" 2>/dev/null || true
fi
exit "$rc"
