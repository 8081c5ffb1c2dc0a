#!/usr/bin/env bash
# Side-by-side benchmark of a RADOS-backed device: fio on a device served by the RADOS
# driver over fuse-loop, and 'rados bench' (librados straight to the pool, the ceiling for a
# librados client here) with the same object size and concurrency, in the same run, against
# the same cluster; prints both and the ratio.
set -euo pipefail

usage() {
    cat <<'TXT'
Usage: scripts/bench-rados.sh [--runtime SECONDS] [--object-size SIZE] [--concurrency N]
                              [--size SIZE] [--no-build] [--help]

Runs, against the test cluster of scripts/ceph-test-cluster.sh (started if it is not up,
stopped again at the end if this script started it):
  rados bench:  'rados bench write' then 'seq' with objects of --object-size and
                --concurrency operations in flight
  bdus:         fio on a device served by the RADOS driver (bdus serve --rados-pool, fuse-loop,
                --concurrency workers): sequential writes then reads of --object-size blocks
                at iodepth --concurrency, direct I/O
and the same pair with 4 KiB writes (rados bench -b 4096 into --object-size objects; fio
4 KiB random writes), then
prints MB/s and IOPS for both and the bdus/rados-bench ratio. Needs root and fio.

  --runtime SECONDS   per workload and side (default 10)
  --object-size SIZE  RADOS object size and large block size (default 4M)
  --concurrency N     operations in flight on both sides (default 16)
  --size SIZE         device size (default 2G)
  --no-build          use the bdus command line as built (scripts/bench.sh built it)
TXT
}

runtime=10
object_size=4M
concurrency=16
size=2G
build=true
while [ $# -gt 0 ]; do
    case "$1" in
        --runtime) runtime=$2; shift 2 ;;
        --object-size) object_size=$2; shift 2 ;;
        --concurrency) concurrency=$2; shift 2 ;;
        --size) size=$2; shift 2 ;;
        --no-build) build=false; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
    esac
done

cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench-rados.sh needs root (FUSE, loop devices, the cluster)" >&2; exit 1; }
scripts/install-test-deps.sh >/dev/null
object_bytes=$(numfmt --from=iec "${object_size%B}")

started_cluster=false
if ! scripts/ceph-test-cluster.sh env >/dev/null 2>&1; then
    started_cluster=true
fi
eval "$(scripts/ceph-test-cluster.sh up)"
pool=$BDUS_RADOS_POOL
client=$BDUS_RADOS_CLIENT

if $build || ! ls bdus-native/target/bdus-native-*-cli.jar >/dev/null 2>&1; then
    echo "Building bdus-native (and the bdus command line)..."
    ./mvnw -q -B -ntp -pl bdus-native package -DskipTests
fi

work=$(mktemp -d)
state=$work/state
image=bench-$$
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    rados --name "$client" -p "$pool" cleanup --prefix benchmark_data >/dev/null 2>&1 || true
    rados --name "$client" -p "$pool" ls 2>/dev/null | grep "^$image\." \
        | xargs -r rados --name "$client" -p "$pool" rm 2>/dev/null || true
    rm -rf "$work"
    if $started_cluster; then
        scripts/ceph-test-cluster.sh down
    fi
}
trap cleanup EXIT

# rados bench: MB/s and IOPS of one mode, from its summary.
rados_bench() { # mode block-size
    local mode=$1 bs=$2 out
    if [ "$mode" = write ]; then
        out=$(rados --name "$client" -p "$pool" bench "$runtime" write -b "$bs" -O "$object_bytes" \
            -t "$concurrency" --no-cleanup --run-name bdus-bench 2>&1)
    else
        out=$(rados --name "$client" -p "$pool" bench "$runtime" "$mode" -t "$concurrency" --no-verify \
            --run-name bdus-bench 2>&1)
    fi
    local mbs iops
    mbs=$(awk -F: '/^Bandwidth \(MB\/sec\)/{gsub(/ /,"",$2); print $2}' <<<"$out")
    iops=$(awk -F: '/^Average IOPS/{gsub(/ /,"",$2); print $2}' <<<"$out")
    echo "$mbs $iops"
}

fio_bench() { # rw block-size [bytes]
    fio --name=b --filename="$device" --rw="$1" --bs="$2" --direct=1 --ioengine=libaio ${3:+--size=$3} \
        --iodepth="$concurrency" --time_based --runtime="$runtime" --eta=never --output-format=json 2>/dev/null \
      | python3 -c 'import json,sys
j = json.load(sys.stdin)["jobs"][0]
d = j["write"] if j["write"]["io_bytes"] else j["read"]
print("%.2f %.0f %d" % (d["bw_bytes"] / 1e6, d["iops"], d["io_bytes"]))'
}

scripts/bdus serve --name rados-bench --size "$size" --workers "$concurrency" --transport fuse-loop \
    --rados-pool "$pool" --rados-image "$image" --rados-client "$client" --rados-object-size "$object_size" \
    --state-dir "$state" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
    grep -q '^READY ' "$work/server.log" && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
    sleep 0.2
done
device=$(awk '/^READY /{print $2}' "$work/server.log")
[ -n "$device" ] || { echo "device did not start:"; cat "$work/server.log"; exit 1; }
echo "bdus: $device (RADOS image $pool/$image, $object_size objects, $concurrency workers, fuse-loop)"

row() { # label rados(mbs iops) bdus(mbs iops)
    local label=$1
    read -r rm ri <<<"$2"
    read -r bm bi _ <<<"$3"
    printf '%-40s %10s %8s %10s %8s %7s\n' "$label" "$rm" "$ri" "$bm" "$bi" \
        "$(python3 -c "print(f'{$bm/$rm:.2f}' if float('$rm' or 0) else 'n/a')")"
}

echo "Running (${runtime}s per workload and side)..."
rw=$(rados_bench write "$object_bytes"); bw=$(fio_bench write "$object_size")
# Reads cover what the writes wrote (never-written objects would read as zeroes without a trip).
written=$(awk '{print $3}' <<<"$bw")
written=$(( written / object_bytes * object_bytes ))
rr=$(rados_bench seq "$object_bytes");   br=$(fio_bench read "$object_size" "$written")
rados --name "$client" -p "$pool" cleanup --run-name bdus-bench >/dev/null 2>&1 || true
rs=$(rados_bench write 4096);            bs=$(fio_bench randwrite 4k)
rados --name "$client" -p "$pool" cleanup --run-name bdus-bench >/dev/null 2>&1 || true

printf '\n%-40s %10s %8s %10s %8s %7s\n' "workload (QD $concurrency)" "rados MB/s" "IOPS" "bdus MB/s" "IOPS" "ratio"
row "write, $object_size blocks (objects)" "$rw" "$bw"
row "read, $object_size blocks (objects)" "$rr" "$br"
row "4 KiB writes (rados: into $object_size objects; bdus: random)" "$rs" "$bs"
echo
echo "ratio = bdus MB/s / rados bench MB/s, same cluster, object size and concurrency, same run."
