#!/usr/bin/env bash
# Side-by-side fio benchmark: a RAM-disk device served by the Java runtime over the
# fuse-loop transport vs a kernel loop device over a tmpfs file (the kernel-only
# baseline), in the same run; prints IOPS and the ratio of the two.
set -euo pipefail

usage() {
    cat <<'TXT'
Usage: scripts/bench-fio.sh [--runtime SECONDS] [--size SIZE] [--help]

Runs fio 4k random read/write workloads on
  baseline: a loop device (direct I/O) over a file on tmpfs, kernel only
  bdus:     a RAM-disk BlockDriver served through fuse-loop (/dev/loopN)
and prints a table with IOPS for both and the bdus/baseline ratio.
Needs root and fio (scripts/install-test-deps.sh installs it).

  --runtime SECONDS   per workload and device (default 10)
  --size SIZE         device size for both, e.g. 1G (default 1G)
TXT
}

runtime=10
size=1G
while [ $# -gt 0 ]; do
    case "$1" in
        --runtime) runtime=$2; shift 2 ;;
        --size) size=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
    esac
done

cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench-fio.sh needs root (loop and FUSE devices)" >&2; exit 1; }
scripts/install-test-deps.sh >/dev/null

echo "Building bdus-native (and the bdus command line)..."
./mvnw -q -B -ntp -pl bdus-native package -DskipTests

work=$(mktemp -d)
server_pid=
baseline_loop=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    [ -n "$baseline_loop" ] && losetup -d "$baseline_loop" 2>/dev/null || true
    mountpoint -q "$work/tmpfs" && umount "$work/tmpfs" || true
    rm -rf "$work"
}
trap cleanup EXIT

# Baseline: loop over tmpfs (direct I/O when the kernel supports it on tmpfs).
mkdir -p "$work/tmpfs"
mount -t tmpfs -o size=$((${size%G} + 1))G tmpfs "$work/tmpfs"
truncate -s "$size" "$work/tmpfs/disk"
dd if=/dev/zero of="$work/tmpfs/disk" bs=1M count=$(( ${size%G} * 1024 )) conv=notrunc status=none
baseline_loop=$(losetup --find --show --direct-io=on "$work/tmpfs/disk" 2>/dev/null || losetup --find --show "$work/tmpfs/disk")
echo "baseline: $baseline_loop (loop over tmpfs, dio=$(cat /sys/block/${baseline_loop#/dev/}/loop/dio))"

scripts/bdus serve --name bench --size "$size" --workers 4 --transport fuse-loop \
    --state-dir /run/bdus-bench >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    grep -q '^READY ' "$work/server.log" && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
    sleep 0.2
done
bdus_dev=$(awk '/^READY /{print $2}' "$work/server.log")
[ -n "$bdus_dev" ] || { echo "device did not start:"; cat "$work/server.log"; exit 1; }
echo "bdus:     $bdus_dev (RamDiskDriver over fuse-loop, 4 workers)"
# Fill the RAM disk so reads hit allocated memory, as they do on the baseline.
dd if=/dev/zero of="$bdus_dev" bs=1M oflag=direct status=none count=$(( ${size%G} * 1024 )) 2>/dev/null || true

iops() { # device rw engine depth jobs
    fio --name=b --filename="$1" --rw="$2" --bs=4k --direct=1 --ioengine="$3" --iodepth="$4" \
        --numjobs="$5" --group_reporting --time_based --runtime="$runtime" --eta=never \
        --output-format=json 2>/dev/null \
      | python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"][0]; print(int(j["read"]["iops"]+j["write"]["iops"]))'
}

printf '\n%-34s %12s %12s %8s\n' "workload (4k, direct)" "baseline" "bdus" "ratio"
for w in "randread psync 1 1" "randread libaio 32 1" "randread libaio 16 4" "randwrite libaio 32 1"; do
    set -- $w
    b=$(iops "$baseline_loop" "$1" "$2" "$3" "$4")
    d=$(iops "$bdus_dev" "$1" "$2" "$3" "$4")
    printf '%-34s %12s %12s %8s\n' "$1 $2 QD$3 x$4 jobs" "$b" "$d" \
        "$(python3 -c "print(f'{$d/$b:.2f}' if $b else 'n/a')")"
done
