#!/usr/bin/env bash
# Runs the Java integration suite (the same tests the host runs on fuse-loop) on the kbdus
# transport: boots the kernel test VM on one of the supported kernels, loads the kbdus.ko built
# for it and runs the tests in one JVM.
set -euo pipefail

usage() {
    cat <<'TXT'
Usage: scripts/test-kbdus-vm.sh [--kernel 6.1|6.12|7] [--full] [--help]

Runs the io.bdus.integration tests (patterned and concurrent I/O, discard and
zero-range, driver errors, ext4 remount checksums, fio verify with driver
replacement and at depth, timeouts and late answers, allocation per request;
each with a blocking and an asynchronous driver) against /dev/bdus-N devices of
the kbdus module, inside the QEMU VM
of kernel/vm/vmrun, booted on the given kernel (default 6.1: Debian bookworm's
current kernel; 6.12: the newest 6.12+deb12; 7: the newest 7.x of
trixie-backports). Needs root. Uses kernel/build/<kver>/kbdus.ko, the module
kernel/ci.sh builds for that kernel, and builds it (kernel/vm/build-kbdus.sh)
if it is missing. Java runs 15-20x slower under emulation: expect 4-6 minutes.

  --full   also run the longest tests: the 60-second SIGKILL acceptance test
           (SigkillRecoveryAcceptanceTest) and the command-line tests that drive
           scripts/bdus (io.bdus.cli.*IT, a JVM per command); about 12 more
           minutes. scripts/test-all.sh runs them on 6.1 only.
TXT
}
kernel=6.1
full=false
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --full) full=true; shift ;;
        --kernel)
            case "${2:-}" in 6.1|6.12|7) kernel=$2 ;; *) echo "--kernel needs 6.1, 6.12 or 7" >&2; exit 2 ;; esac
            shift 2 ;;
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
ko=$repo/kernel/build/$kver/kbdus.ko
if [ ! -f "$ko" ]; then
    echo "Building kbdus.ko for $kver..."
    kernel/vm/build-kbdus.sh "$kernel" >/dev/null
fi

echo "Compiling tests and resolving the test class path on the host..."
./mvnw -q -B -ntp -pl bdus-native package -DskipTests  # the cli jar scripts/bdus runs (io.bdus.cli ITs)
./mvnw -q -B -ntp -pl bdus-native test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/vm-classpath.txt -DexcludeArtifactIds=slf4j-simple

if $full; then
    selection="--select-package io.bdus.integration --select-class io.bdus.cli.CliOnRealDeviceIT --select-class io.bdus.cli.CliOnKbdusIT"
else
    selection="--select-package io.bdus.integration --exclude-classname .*SigkillRecoveryAcceptanceTest"
fi

share="$BDUS_VM_DIR/java-vm-$kernel"
rm -rf "$share"
mkdir -p "$share"
cat > "$share/run.sh" <<GUEST
#!/bin/sh
cd "$repo/bdus-native" || exit 91
[ "\$(uname -r)" = "$kver" ] || exit 93
insmod "$ko" || exit 90
modprobe ext4 || exit 92
java -Dbdus.test.transport=kbdus \
    -cp "target/test-classes:target/classes:\$(cat target/vm-classpath.txt)" \
    org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=tree \
    $selection --include-classname '.*(Test|IT)' --reports-dir="\$VM_SHARE/reports" >"\$VM_SHARE/junit.log" 2>&1
rc=\$?
grep -E "tests (successful|failed|skipped|aborted)" "\$VM_SHARE/junit.log"
if dmesg | grep -E 'WARNING|BUG|Oops|refcount|lockdep|general protection'; then
    echo "kernel log has warnings (above)"
    rc=1
fi
exit \$rc
GUEST
chmod +x "$share/run.sh"

echo "Booting $kver and running the suite on kbdus (log: $share/junit.log)..."
start=$(date +%s)
set +e
# One vCPU: with two, QEMU/TCG now and then breaks freshly JIT-compiled code (a
# cross-modifying-code race; see kernel/vm/vmrun). Slower, but reliable.
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
