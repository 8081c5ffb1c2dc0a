#!/usr/bin/env bash
# Many devices in one JVM: start time per device, threads and memory per idle device, and
# one device's 4 KiB random-read IOPS alone and beside the idle others (fuse-loop, host).
set -euo pipefail

usage() {
    cat <<'TXT'
Usage: scripts/bench-many-devices.sh [--count N] [--device-mib MIB] [--runtime SECONDS] [--help]

Starts N RAM-disk devices (fuse-loop) one after another in one JVM and prints:
  start time per device (median, slowest, total), JVM threads and resident memory before
  and after (per idle device), and fio 4 KiB random reads at QD32 on the first device,
  alone and again with the N-1 others idle beside it, in the same run.
Needs root, /dev/fuse, loop devices and fio; builds bdus-native's classes when missing.

  --count N          devices to start (default 256, at most 4096)
  --device-mib MIB   size of each RAM disk in MiB (default 64; sparse, nothing is written)
  --runtime SECONDS  fio time per measurement (default 10)
  --help             this text
TXT
}

args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --count|--device-mib|--runtime)
            [ $# -ge 2 ] || { echo "bench-many-devices.sh: $1 needs a value (try --help)" >&2; exit 2; }
            args+=("$1" "$2"); shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench-many-devices.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
    esac
done

cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench-many-devices.sh: needs root (FUSE and loop devices)" >&2; exit 1; }
command -v fio >/dev/null || scripts/install-test-deps.sh
classpath=bdus-native/target/bench-classpath.txt
echo "Building bdus-native's classes and test classes..."
./mvnw -q -B -ntp -pl bdus-native test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
exec java -Dslf4j.provider=org.slf4j.simple.SimpleServiceProvider -cp "bdus-native/target/test-classes:bdus-native/target/classes:$(cat "$classpath")" \
    io.bdus.bench.ManyDevicesBenchmark "${args[@]}"
