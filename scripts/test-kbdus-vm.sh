#!/usr/bin/env bash
# Runs the Java integration suite (the same tests the host runs on fuse-loop) on the kbdus
# transport: boots the kernel test VM, loads kernel/kbdus.ko and runs the tests in one JVM.
set -euo pipefail

usage() {
    cat <<'TXT'
Usage: scripts/test-kbdus-vm.sh [--help]

Runs the io.bdus.integration tests (patterned and concurrent I/O, discard and
zero-range, driver errors, ext4 remount checksums, fio verify with driver
replacement) against /dev/bdus-N devices of the kbdus module, inside the QEMU VM
of kernel/vm/vmrun (Debian's 6.1 kernel). Needs root and kernel/kbdus.ko built
for that kernel: kernel/ci.sh builds it (scripts/test-all.sh runs that first).
Java runs 15-20x slower under emulation: expect 3-6 minutes.
TXT
}
case "${1:-}" in -h|--help) usage; exit 0 ;; esac

cd "$(dirname "$0")/.."
repo=$(pwd)
[ -f kernel/kbdus.ko ] || { echo "kernel/kbdus.ko is missing: run kernel/ci.sh first" >&2; exit 2; }
export BDUS_VM_DIR=${BDUS_VM_DIR:-$repo/.vm}

echo "Compiling tests and resolving the test class path on the host..."
./mvnw -q -B -ntp -pl bdus-native package -DskipTests  # the cli jar scripts/bdus runs (io.bdus.cli ITs)
./mvnw -q -B -ntp -pl bdus-native test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/vm-classpath.txt -DexcludeArtifactIds=slf4j-simple

share="$BDUS_VM_DIR/java-vm"
rm -rf "$share"
mkdir -p "$share"
cat > "$share/run.sh" <<GUEST
#!/bin/sh
cd "$repo/bdus-native" || exit 91
insmod "$repo/kernel/kbdus.ko" || exit 90
modprobe ext4 || exit 92
java -Dbdus.test.transport=kbdus \
    -cp "target/test-classes:target/classes:\$(cat target/vm-classpath.txt)" \
    org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=tree \
    --select-package io.bdus.integration --select-class io.bdus.cli.CliOnRealDeviceIT \
    --select-class io.bdus.cli.CliOnKbdusIT --include-classname '.*(Test|IT)' --reports-dir="\$VM_SHARE/reports" >"\$VM_SHARE/junit.log" 2>&1
rc=\$?
grep -E "tests (successful|failed|skipped|aborted)" "\$VM_SHARE/junit.log"
if dmesg | grep -E 'WARNING|BUG|Oops|refcount|lockdep|general protection'; then
    echo "kernel log has warnings (above)"
    rc=1
fi
exit \$rc
GUEST
chmod +x "$share/run.sh"

echo "Booting the VM and running the suite on kbdus (log: $share/junit.log)..."
start=$(date +%s)
set +e
# One vCPU: with two, QEMU/TCG now and then breaks freshly JIT-compiled code (a
# cross-modifying-code race; see kernel/vm/vmrun). Slower, but reliable.
kernel/vm/vmrun --quiet --cpus 1 --share "$share" --memory 3G --timeout 1200 "$share/run.sh"
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
