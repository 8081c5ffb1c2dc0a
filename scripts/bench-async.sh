#!/usr/bin/env bash
# Side-by-side fio benchmark of a blocking and an asynchronous driver over the same slow
# backend: bdus serve --latency (a RAM disk that answers after a fixed latency, holding a
# serving thread) and bdus serve --latency --async (the same, completed from a timer), in
# the same run, beside a blocking RAM disk without latency (what serving itself costs);
# prints IOPS, latency and the ratios.
set -euo pipefail

usage() {
    cat <<'TXT'
Usage: scripts/bench-async.sh [--latency LATENCY] [--depth N] [--runtime SECONDS]
                              [--transport fuse-loop|kbdus] [--help]

Serves two RAM disks whose every request takes LATENCY, one with a blocking
driver (a serving thread waits per request: at most threads / latency requests
per second) and one with an asynchronous driver (requests complete from a timer:
up to N in flight), and a plain RAM disk (blocking, no latency: what serving
itself costs on this machine), and runs the same fio workload on each, one after the
other: 4 KiB random reads, --direct=1, libaio, iodepth N. Prints IOPS and mean
completion latency of each, the blocking driver's bound and the ratios.
Needs root and fio (scripts/install-test-deps.sh installs it).

  --latency LATENCY  per-request latency, e.g. 1ms or 250us (default 1ms)
  --depth N          queue depth of the devices and of fio, 1 to 256 (default 128)
  --runtime SECONDS  per device (default 10)
  --transport T      fuse-loop (default) or kbdus
TXT
}

latency=1ms
depth=128
runtime=10
transport=fuse-loop
while [ $# -gt 0 ]; do
    case "$1" in
        --latency) latency=${2:?--latency needs a value}; shift 2 ;;
        --depth) depth=${2:?--depth needs a value}; shift 2 ;;
        --runtime) runtime=${2:?--runtime needs a value}; shift 2 ;;
        --transport)
            case "${2:-}" in fuse-loop|kbdus) transport=$2 ;; *) echo "--transport needs fuse-loop or kbdus" >&2; exit 2 ;; esac
            shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
    esac
done
case "$depth" in ''|*[!0-9]*) echo "--depth needs a number from 1 to 256" >&2; exit 2 ;; esac
[ "$depth" -ge 1 ] && [ "$depth" -le 256 ] || { echo "--depth needs a number from 1 to 256, was $depth" >&2; exit 2; }

cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench-async.sh needs root (it serves block devices)" >&2; exit 1; }
command -v fio >/dev/null || { echo "fio is missing: run scripts/install-test-deps.sh" >&2; exit 1; }

echo "Building bdus-native (and the bdus command line)..."
./mvnw -q -B -ntp -pl bdus-native package -DskipTests

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

# serve NAME [ARGS...]: starts a device, waits for READY; sets $dev and $threads
serve() {
    local name=$1
    shift
    scripts/bdus serve --name "$name" --size 256M --workers "$depth" \
        --transport "$transport" --state-dir "$work/state" "$@" >"$work/$name.out" 2>"$work/$name.err" &
    pids+=($!)
    for _ in $(seq 1 150); do
        grep -q '^READY ' "$work/$name.out" && break
        kill -0 "${pids[-1]}" 2>/dev/null || { cat "$work/$name.err" >&2; exit 1; }
        sleep 0.2
    done
    dev=$(awk '/^READY /{print $2}' "$work/$name.out")
    [ -n "$dev" ] || { echo "device $name did not start:" >&2; cat "$work/$name.err" >&2; exit 1; }
    threads=$(grep -o '[0-9]* serving threads' "$work/$name.err" | awk '{print $1}')
}

# run DEVICE: prints "IOPS MEAN_LATENCY_US"
run() {
    fio --name=async-bench --filename="$1" --rw=randread --bs=4k --direct=1 --ioengine=libaio \
        --iodepth="$depth" --time_based --runtime="$runtime" --ramp_time=1 --eta=never --output-format=json \
        2>/dev/null | python3 -c 'import json,sys; r=json.load(sys.stdin)["jobs"][0]["read"]
print(int(r["iops"]), round(r["clat_ns"]["mean"] / 1000))'
}

serve blocking --latency "$latency"
blocking_dev=$dev
blocking_threads=$threads
serve async --latency "$latency" --async
async_dev=$dev
async_threads=$threads
serve ram
ram_dev=$dev
echo "blocking: $blocking_dev ($transport, $blocking_threads serving threads, each request $latency)"
echo "async:    $async_dev ($transport, $async_threads serving threads, up to $depth requests in flight)"
echo "ram:      $ram_dev ($transport, a blocking RAM disk without latency)"

read -r b_iops b_lat < <(run "$blocking_dev")
read -r a_iops a_lat < <(run "$async_dev")
read -r r_iops r_lat < <(run "$ram_dev")
bound=$(python3 -c "
import re
m = re.fullmatch(r'(\d+)(ns|us|ms|s)', '$latency'.lower())
n, unit = int(m.group(1)), m.group(2)
seconds = n / {'ns': 1e9, 'us': 1e6, 'ms': 1e3, 's': 1}[unit]
print(int($blocking_threads / seconds))")

printf '\n%-10s %10s %16s\n' "driver" "IOPS" "mean latency us"
printf '%-10s %10s %16s\n' "blocking" "$b_iops" "$b_lat"
printf '%-10s %10s %16s\n' "async" "$a_iops" "$a_lat"
printf '%-10s %10s %16s\n' "ram" "$r_iops" "$r_lat"
echo
echo "blocking bound: $blocking_threads threads / $latency = $bound IOPS"
python3 -c "print(f'async / blocking: {$a_iops / $b_iops:.1f}x' if $b_iops else 'async / blocking: n/a')"
python3 -c "print(f'async / ram:      {$a_iops / $r_iops:.2f}' if $r_iops else 'async / ram: n/a')"
