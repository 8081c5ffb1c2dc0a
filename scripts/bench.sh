#!/usr/bin/env bash
# The benchmark suite: fio on bdus devices and on the kernel, nbdkit, TCMU and libfuse
# baselines, side by side in one run, on the host and in one boot of the test VM; writes
# bench/results/<UTC timestamp>/ (raw fio JSON, summary.md, charts).
set -euo pipefail

usage() {
    cat <<'TXT'
Usage: scripts/bench.sh [--quick] [--stage host|vm|rados|all] [--help]

Runs every benchmark target through the same fio workloads in one run and writes
bench/results/<UTC timestamp>/ (bench/results/latest points to it):
  host/ and vm/   raw fio JSON, /proc/stat samples, logs of the servers,
                  strace and perf evidence per target
  summary.md      tables: throughput of every run, mean and p99 latency, whole-system
                  CPU per I/O, ratios to the raw device, nbdkit and C libfuse; the goals
  charts/         host-relative.png, vm-relative.png (throughput / raw device) and
                  host-p99.png, vm-p99.png (p99 latency)

Stages (each in one go):
  host  on the real CPU: loop (direct I/O) over a tmpfs file (raw); the C libfuse
        pass-through (bench/libfuse-passthrough.c) of such a file under a loop
        device; the Java PassthroughDriver of such a file and the Java RamDiskDriver,
        both over fuse-loop (scripts/bdus serve), and the PassthroughDriver over
        fuse-loop with FUSE over io_uring (the run sets
        /sys/module/fuse/parameters/enable_uring to Y for it and restores it, saying so)
  vm    in one boot of the test VM (kernel/vm/vmrun, Debian's newest 7.x kernel, 2 vCPUs,
        QEMU/TCG): brd (raw); nbdkit memory and nbdkit file over brd through the kernel
        nbd client; the C libfuse pass-through of brd under a loop device; TCMU
        (tcmu-runner user:qcow, tcm_loop); the C bdus-ram driver, the Java
        RamDiskDriver and PassthroughDriver (over brd) on kbdus; the Java RamDiskDriver
        on fuse-loop. Emulation makes every number small: compare within the stage.
  rados against the local Ceph test cluster (scripts/ceph-test-cluster.sh; started and
        removed again if it was not up): a device served by the RADOS driver over
        fuse-loop beside 'rados bench', same object size (4 MiB) and concurrency (16):
        large writes and reads, 4 KiB writes (scripts/bench-rados.sh, also on its own)

Workloads (fio --direct=1, libaio, ramp then measure, each run twice (once with --quick),
targets interleaved): 4k random read and write at QD1 and QD32; 4k random 70/30 at QD16 x 2
jobs; 64k and 1M sequential read and write at QD8; on ext4 on each target: a large
file written and read sequentially (1M, QD8), 16k random 70/30 with fsyncs, and small
files created, written (4 KiB), fsync'ed, stat'ed and deleted.

  --quick          a smoke run: one repetition, short runs, four workloads, no
                   strace/perf evidence, every stage (8.5 minutes on a 2-core
                   machine once installed, 6 of them in the VM)
  --stage STAGE    host, vm, rados or all (default all: the three in turn)
  --help           this text

Needs root and Debian bookworm; installs what it needs (fio, nbdkit, nbd-client,
tcmu-runner, targetcli-fb, libfuse3-dev, gnuplot-nox, ...) and builds what is missing
(the bdus command line, the kbdus module for the VM kernel, bdus-ram, the libfuse
pass-through). A full run took 38 minutes on a fresh 2-core machine (3 of installing and
building, 11 of host stage, 22 of VM stage, 2 of RADOS stage); nothing else should run
meanwhile: emulation is what a busy host stretches most.
TXT
}

quick=false
stages="host vm rados"
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=true; shift ;;
        --stage)
            case "${2:-}" in
                host|vm|rados) stages=$2 ;;
                all) stages="host vm rados" ;;
                *) echo "bench.sh: --stage needs host, vm, rados or all (got '${2:-}')" >&2; exit 2 ;;
            esac
            shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
    esac
done

cd "$(dirname "$0")/.."
repo=$(pwd)
[ "$(id -u)" -eq 0 ] || { echo "bench.sh: needs root (loop, FUSE and nbd devices, the VM); run it with sudo" >&2; exit 1; }
export BDUS_VM_DIR=${BDUS_VM_DIR:-$repo/.vm}
start=$(date +%s)
step() { printf '\n==> %s (%ss elapsed)\n' "$1" "$(( $(date +%s) - start ))"; }

# ------------------------------------------------------------------------- settings
if $quick; then
    rados_runtime=3
    export REPS=1 RAMP=500ms RUNTIME=2 EVIDENCE_RUNTIME=0
    export WORKLOADS="rr4k-qd32 sw1m-qd8 fs-seqread fs-meta"
    host_env=(SIZE_MB=512 FS_FILE_SIZE=256M META_FILES=1000)
    vm_env=(SIZE_MB=128 FS_FILE_SIZE=48M META_FILES=30)
else
    rados_runtime=10
    export REPS=2 EVIDENCE_RUNTIME=3
    export WORKLOADS="rr4k-qd1 rw4k-qd1 rr4k-qd32 rw4k-qd32 mix4k-qd16x2 sr64k-qd8 sw64k-qd8 sr1m-qd8 sw1m-qd8 fs-seqwrite fs-seqread fs-mixed fs-meta"
    # fio takes time units: the ramp only has to fill the queue (servers are warm: every
    # target was written whole before the first run)
    host_env=(RAMP=500ms RUNTIME=3 SIZE_MB=1024 FS_FILE_SIZE=512M META_FILES=3000)
    vm_env=(RAMP=500ms RUNTIME=2 SIZE_MB=128 FS_FILE_SIZE=64M META_FILES=100)
fi

# --------------------------------------------------------------------- dependencies
step "Installing what the benchmarks need"
need=()
command -v fio >/dev/null || need+=(fio)
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
command -v nbdkit >/dev/null || need+=(nbdkit)
command -v nbd-client >/dev/null || need+=(nbd-client)
command -v tcmu-runner >/dev/null || need+=(tcmu-runner)
command -v targetcli >/dev/null || need+=(targetcli-fb)
command -v dbus-daemon >/dev/null || need+=(dbus)
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
command -v strace >/dev/null || need+=(strace)
command -v perf >/dev/null || need+=(linux-perf)
command -v gcc >/dev/null || need+=(gcc make)
command -v pkg-config >/dev/null || need+=(pkg-config)
pkg-config --exists fuse3 2>/dev/null || need+=(libfuse3-dev)
command -v fusermount3 >/dev/null || need+=(fuse3)
if [ ${#need[@]} -gt 0 ]; then
    echo "Installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

step "Building what is missing"
build=$repo/bench/build
mkdir -p "$build"
# The VM cache (kernels, headers) is mostly downloads: set it up beside the build.
vm_setup_pid=
if [[ " $stages " == *" vm "* ]] && ! { [ -s "$BDUS_VM_DIR/env" ] && grep -q '^KVER7=' "$BDUS_VM_DIR/env"; }; then
    echo "Setting up the VM cache in $BDUS_VM_DIR (kernels, headers; log: $BDUS_VM_DIR/setup.log)"
    mkdir -p "$BDUS_VM_DIR"
    kernel/vm/setup.sh >/dev/null 2>"$BDUS_VM_DIR/setup.log" &
    vm_setup_pid=$!
fi
if ! ls bdus-native/target/bdus-native-*-cli.jar >/dev/null 2>&1; then
    echo "Building the bdus command line (bdus-native)"
    ./mvnw -q -B -ntp -pl bdus-native -am package -DskipTests
fi
gcc -O2 -Wall -Wextra -Werror -o "$build/libfuse-passthrough" bench/libfuse-passthrough.c \
    $(pkg-config --cflags --libs fuse3)
if [[ " $stages " == *" vm "* ]]; then
    if [ -n "$vm_setup_pid" ]; then
        wait "$vm_setup_pid" || { cat "$BDUS_VM_DIR/setup.log" >&2; echo "bench.sh: the VM set-up failed" >&2; exit 1; }
    fi
    # shellcheck disable=SC1091
    . "$BDUS_VM_DIR/env"
    kbdus_ko=$repo/kernel/build/$KVER7/kbdus.ko
    if [ ! -f "$kbdus_ko" ]; then
        echo "Building kbdus.ko for $KVER7"
        kernel/vm/build-kbdus.sh 7 >"$build/kbdus-build.log" 2>&1 ||
            { tail -20 "$build/kbdus-build.log"; echo "bench.sh: building kbdus.ko failed" >&2; exit 1; }
    fi
    [ -x kernel/tests/bdus-ram ] || make -s -C kernel/tests bdus-ram
fi

# -------------------------------------------------------------------------- results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
results=$repo/bench/results/$stamp
mkdir -p "$results"
ln -sfn "$stamp" "$repo/bench/results/latest"
{
    echo "run        $stamp ($($quick && echo quick || echo full))"
    echo "commit     $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (modified)')"
    echo "workloads  $WORKLOADS"
    echo "reps       $REPS"
    echo "host       ${host_env[*]}"
    echo "vm         ${vm_env[*]}"
    if [[ " $stages " == *" vm "* ]]; then
        echo "qemu       $(qemu-system-x86_64 --version | head -1)"
    fi
} >"$results/settings.txt"
echo "Results: $results"
failed=""

export BENCH_DIR=$repo/bench LIBFUSE_BIN=$build/libfuse-passthrough
if [[ " $stages " == *" host "* ]]; then
    step "Host stage"
    env "${host_env[@]}" bench/host-stage.sh "$results/host" 2>&1 | tee "$results/host.log" || true
    [ -s "$results/host/targets.tsv" ] || failed="$failed host"
fi

if [[ " $stages " == *" vm "* ]]; then
    step "VM stage (kernel $KVER7, 2 vCPUs; log: $results/vm/console.log)"
    mkdir -p "$results/vm"
    run_vm_stage() {
        env "${vm_env[@]}" KBDUS_KO="$kbdus_ko" BDUS_RAM_BIN="$repo/kernel/tests/bdus-ram" \
            kernel/vm/vmrun --quiet --no-retry --kernel 7 --cpus 2 --memory 6G --timeout 5400 --share "$results/vm" \
            -e REPS -e RAMP -e RUNTIME -e EVIDENCE_RUNTIME -e WORKLOADS -e SIZE_MB -e FS_FILE_SIZE -e META_FILES \
            -e KBDUS_KO -e BDUS_RAM_BIN -e LIBFUSE_BIN -e BENCH_DIR bench/vm-stage.sh
    }
    set +e
    run_vm_stage
    rc=$?
    # QEMU/TCG now and then faults while the guest kernel boots (an oops before init):
    # the stage never started, so booting again loses nothing. A stage that ran is not
    # repeated (its results would mix two boots).
    if [ "$rc" -ne 0 ] && ! grep -q '^\[[0-9:]\{8\}\] VM stage on ' "$results/vm/console.log"; then
        echo "The VM did not reach the stage (exit code $rc, an emulation fault at boot?); booting it again"
        mv "$results/vm/console.log" "$results/vm/console-first-boot.log"
        run_vm_stage
        rc=$?
    fi
    set -e
    grep -E '^\[[0-9:]{8}\] ' "$results/vm/console.log" | sed 's/^/vm /' || true
    [ "$rc" -eq 0 ] || { echo "VM stage ended with exit code $rc (see $results/vm/console.log)"; failed="$failed vm"; }
fi

if [[ " $stages " == *" rados "* ]]; then
    step "RADOS stage: a RADOS-backed device beside rados bench (scripts/bench-rados.sh)"
    if scripts/bench-rados.sh --runtime "$rados_runtime" --no-build 2>&1 | tee "$results/rados.txt"; then :; else
        failed="$failed rados"
    fi
fi

step "Report"
if [[ " $stages " == *" host "* || " $stages " == *" vm "* ]]; then
    python3 bench/report.py "$results"
else
    printf '# Benchmark run %s\n' "$stamp" >"$results/summary.md"
fi
if [ -s "$results/rados.txt" ] && grep -q '^ratio = ' "$results/rados.txt"; then
    # bench-rados.sh prints its own table; the summary carries it as it is.
    {
        printf '\n## RADOS: a RADOS-backed device beside rados bench\n\n```\n'
        sed -n '/^workload (QD/,$p' "$results/rados.txt"
        printf '```\n'
    } >>"$results/summary.md"
fi
for stage in host vm; do
    [ -f "$results/charts/$stage-relative.dat" ] || continue
    title=$([ $stage = host ] && echo "Host ($(uname -r), $(nproc) CPUs)" || echo "VM (kernel $KVER7, 2 vCPUs, QEMU/TCG)")
    gnuplot -e "stage='$stage'; dir='$results/charts'; title='$title'" bench/charts.gp
done
ls "$results/charts"/*.png 2>/dev/null || true
echo "Summary: $results/summary.md"
if [ -n "$failed" ]; then
    echo "FAILED stage(s):$failed" >&2
    exit 1
fi
step "Done"
