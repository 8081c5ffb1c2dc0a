#!/usr/bin/env bash
# Runs every test of the project: installs what the tests need, starts a local Ceph test
# cluster, then the Java build and tests (unit, host integration on a real loop device, and
# the RADOS driver's tests against the cluster) on JDK 17 and, when present,
# Temurin 25, then the kernel module's builds and VM test suite and the Java suite on the
# kbdus transport, on each supported kernel (Debian 6.1, 6.12, newest 7.x).
set -euo pipefail

usage() {
    cat <<'TXT'
Usage: scripts/test-all.sh [--skip-kernel] [--skip-jdk25] [--help]

Runs every test of bdus-spring. Run it as root on Debian bookworm (or a derivative):
host integration tests need /dev/fuse and loop devices, the RADOS tests a local Ceph
cluster (scripts/ceph-test-cluster.sh starts one, and it is torn down at the end, even on
failure), and the kernel tests boot a QEMU VM. It installs the Debian packages it needs
(fio, e2fsprogs, util-linux, Ceph; the kernel suite installs qemu-system-x86 and friends
itself).

  --skip-kernel   do not build the kbdus module or run the VM test suites (the kernel
                  suite and the Java suite on kbdus, each on 6.1, 6.12 and 7.x)
  --skip-jdk25    do not repeat the Java build on Temurin 25
  --help          this text

Exit status is non-zero if any step failed. Typical duration: 35-45 minutes.
TXT
}

skip_kernel=false
skip_jdk25=false
for arg in "$@"; do
    case "$arg" in
        --skip-kernel) skip_kernel=true ;;
        --skip-jdk25) skip_jdk25=true ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $arg (try --help)" >&2; exit 2 ;;
    esac
done

cd "$(dirname "$0")/.."
start=$(date +%s)
step() { printf '\n==> %s (%ss elapsed)\n' "$1" "$(( $(date +%s) - start ))"; }

step "Installing test dependencies"
scripts/install-test-deps.sh

step "Benchmark suite: --help of its scripts and the report script's unit tests"
scripts/bench.sh --help >/dev/null
scripts/bench-many-devices.sh --help >/dev/null
kernel/bench.sh --help >/dev/null
python3 -m unittest discover -s bench -p 'test_*.py'

step "Ceph test cluster for the RADOS tests"
rados_start=$(date +%s)
trap 'scripts/ceph-test-cluster.sh down' EXIT
eval "$(scripts/ceph-test-cluster.sh up)"
echo "Ceph test cluster up in $(( $(date +%s) - rados_start ))s"

step "Java build and tests on $(java -version 2>&1 | head -1)"
./mvnw -B -ntp verify

step "The driver-contract suite on RADOS-backed devices"
rados_suite=$(date +%s)
# The same integration classes, with every test's data in RADOS images (the failure tests ran above).
./mvnw -B -ntp -pl bdus-native surefire:test -Dbdus.test.storage=rados \
    -Dtest='io.bdus.integration.*Test,!io.bdus.integration.RadosFailuresOnRealDeviceTest' \
    -Dsurefire.failIfNoSpecifiedTests=false
echo "RADOS-backed suite: $(( $(date +%s) - rados_suite ))s"
scripts/ceph-test-cluster.sh down
unset CEPH_CONF BDUS_RADOS_POOL BDUS_RADOS_CLIENT
trap - EXIT

jdk25=$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1 || true)
if ! $skip_jdk25; then
    if [ -n "$jdk25" ]; then
        step "Java build and unit tests on Temurin 25 ($jdk25)"
        JAVA_HOME="$jdk25" ./mvnw -B -ntp -q verify -DskipHostTests=true
        echo "Temurin 25: build and unit tests passed"
    else
        echo "SKIPPED Temurin 25 run: no /usr/lib/jvm/temurin-25* on this machine"
    fi
fi

if ! $skip_kernel; then
    step "Kernel module builds (6.1, 6.12, 7.x) and the VM test suite on each kernel"
    kernel/ci.sh
    java_failed=""
    # The longest tests (the 60-second SIGKILL acceptance test, the command-line tests) run
    # on 6.1 only, so that CI stays well under an hour.
    for kernel in 6.1 6.12 7; do
        full=""
        [ "$kernel" = 6.1 ] && full=--full
        step "Java integration suite on the kbdus transport, in the VM on $kernel ${full:+(with the longest tests)}"
        scripts/test-kbdus-vm.sh --kernel "$kernel" $full || java_failed="$java_failed $kernel"
    done
    if [ -n "$java_failed" ]; then
        echo "FAILED: Java suite on kbdus on kernel(s):$java_failed"
        exit 1
    fi
fi

step "All tests passed"
