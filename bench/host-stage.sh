#!/bin/bash
# The host stage of the benchmark suite, started by scripts/bench.sh with the settings in
# the environment (see bench/lib.sh) and the result directory as $1. Every target is backed
# by the same kind of storage, a file on tmpfs: the raw baseline is a loop device in
# direct-I/O mode over one; the others serve one through FUSE under such a loop device.
set -uo pipefail

if [ "${1:-}" = --help ] || [ "${1:-}" = -h ] || [ $# -ne 1 ]; then
    echo "Usage: bench/host-stage.sh RESULT_DIR (run by scripts/bench.sh, which sets the environment;"
    echo "see the top of bench/lib.sh). Run scripts/bench.sh --stage host instead."
    [ $# -eq 1 ] && exit 0
    exit 2
fi

REPO=$(cd "$(dirname "$0")/.." && pwd)
BENCH_DIR=$REPO/bench
OUT=$1
WORK=$(mktemp -d /tmp/bench-host.XXXXXX)
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
trap 'run_cleanups; rm -rf "$WORK"' EXIT

SIZE_MB=${SIZE_MB:-1024}
SIZE=$((SIZE_MB << 20))
BDUS_STATE=$WORK/state
mkdir -p "$OUT"
: >"$OUT/targets.tsv"
: >"$OUT/unavailable.tsv"

kill_wait() { # PID: SIGTERM, then wait up to 30 s for it to go
    kill "$1" 2>/dev/null || return 0
    wait_for 30 sh -c "! kill -0 $1" || kill -KILL "$1" 2>/dev/null
}

# ---------------------------------------------------------------------------- targets
# Each start_* function creates one block device (see add_target in bench/lib.sh).

tmpfs_file() { # NAME: a file of SIZE on the stage's tmpfs, every block written
    truncate -s "$SIZE" "$WORK/tmpfs/$1"
    dd if=/dev/zero of="$WORK/tmpfs/$1" bs=1M count="$SIZE_MB" conv=notrunc status=none
    echo "$WORK/tmpfs/$1"
}

start_loop_raw() { # the kernel alone: loop (direct I/O) over a tmpfs file
    local f
    f=$(tmpfs_file raw.img)
    DEV=$(losetup --find --show --direct-io=on "$f") || return 1
    defer losetup -d "$DEV"
    [ "$(cat "/sys/block/${DEV#/dev/}/loop/dio")" = 1 ] || { UNAVAILABLE="loop refused direct I/O on tmpfs"; return 1; }
}

start_libfuse() { # the C libfuse pass-through of a tmpfs file, loop (direct I/O) on top
    local f mnt=$WORK/libfuse
    f=$(tmpfs_file libfuse.img)
    mkdir -p "$mnt"
    "$LIBFUSE_BIN" "$f" "$mnt" -f -o fsname=bench-libfuse >"$OUT/libfuse.log" 2>&1 &
    SERVER_PID=$!
    defer kill_wait "$SERVER_PID"
    defer umount -l "$mnt"
    wait_for 20 test -f "$mnt/disk" || { UNAVAILABLE="the FUSE mount did not appear (libfuse.log)"; return 1; }
    DEV=$(losetup --find --show --direct-io=on "$mnt/disk") || return 1
    defer losetup -d "$DEV"
}

start_bdus_java() { # NAME [ARGS]: scripts/bdus serve over fuse-loop, the Java runtime
    local log=$OUT/java-$1.log
    "$REPO/scripts/bdus" serve --transport fuse-loop --name "$1" --size "$SIZE" --state-dir "$BDUS_STATE" \
        "${@:2}" >"$WORK/java-$1.out" 2>"$log" &
    SERVER_PID=$!
    defer kill_wait "$SERVER_PID"
    # READY, or the server ended (it says why in its log)
    wait_for 120 sh -c "grep -q '^READY ' '$WORK/java-$1.out' || ! kill -0 $SERVER_PID"
    grep -q '^READY ' "$WORK/java-$1.out" ||
        { UNAVAILABLE="bdus serve did not start: $(head -c 300 "$log")"; return 1; }
    DEV=$(awk '/^READY /{print $2}' "$WORK/java-$1.out")
}

URING_PARAM=/sys/module/fuse/parameters/enable_uring

restore_uring_param() { # VALUE
    echo "$1" >"$URING_PARAM" && log "restored $URING_PARAM to $1"
}

start_bdus_java_uring() { # NAME [ARGS]: start_bdus_java over FUSE io_uring; enable_uring is on for the run
    [ -e "$URING_PARAM" ] ||
        { UNAVAILABLE="$URING_PARAM is missing: this kernel has no FUSE over io_uring (6.14+)"; return 1; }
    local was
    was=$(cat "$URING_PARAM")
    if [ "$was" != Y ]; then
        log "setting $URING_PARAM to Y for this run (was $was; restored at the end)"
        echo Y >"$URING_PARAM" || { UNAVAILABLE="cannot write $URING_PARAM"; return 1; }
        defer restore_uring_param "$was"
    fi
    start_bdus_java "$1" --fuse-io-uring on "${@:2}"
}

# -------------------------------------------------------------------------- set-up
log "host stage on $(uname -r), $(nproc) CPUs"
mkdir -p "$WORK/tmpfs"
mount -t tmpfs -o size=$((SIZE_MB * 4 + 64))M tmpfs "$WORK/tmpfs" || exit 1
defer umount -l "$WORK/tmpfs"

{
    echo "kernel $(uname -r)"
    echo "cpus $(nproc)"
    echo "cpu $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)"
    echo "memory $(awk '/MemTotal/{print int($2/1024) " MiB"}' /proc/meminfo)"
    echo "fio $(fio --version)"
    echo "libfuse $(dpkg-query -W -f '${Version}' libfuse3-3 2>/dev/null)"
    echo "java $(java -version 2>&1 | head -1)"
} >"$OUT/versions.txt"

add_target loop-raw raw file "loop (direct I/O) over a tmpfs file" start_loop_raw
add_target libfuse libfuse file "C libfuse pass-through of a tmpfs file, loop (direct I/O)" start_libfuse
add_target java-pt-fuse other file "Java PassthroughDriver of a tmpfs file over fuse-loop, 4 workers" \
    start_bdus_java jpt --fuse-io-uring off --file "$(tmpfs_file java.img)"
add_target java-pt-fuse-uring other file \
    "Java PassthroughDriver of a tmpfs file over fuse-loop (io_uring), 4 workers" \
    start_bdus_java_uring jptu --file "$(tmpfs_file java-uring.img)"
add_target java-ram-fuse other ram "Java RamDiskDriver over fuse-loop, 4 workers" start_bdus_java jram \
    --fuse-io-uring off
printf '%s\t%s\t%s\t%s\t%s\n' nbdkit nbdkit ram "nbdkit, TCMU, kbdus, ublk" \
    "the host kernel has no nbd, target or module support: measured in the VM stage" >>"$OUT/unavailable.tsv"

for t in java-ram-fuse; do
    [ -n "${BENCH_DEV[$t]:-}" ] && log "filling $t" && fill_device "${BENCH_DEV[$t]}"
done

run_workloads
[ "${EVIDENCE_RUNTIME:-0}" -gt 0 ] && collect_evidence rr4k-qd32
log "host stage done"
