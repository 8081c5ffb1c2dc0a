#!/bin/bash
# The VM stage of the benchmark suite: runs inside the test VM (kernel/vm/vmrun), started
# by scripts/bench.sh, which passes the settings in the environment (see bench/lib.sh) and
# the share (VM_SHARE) as the result directory. Starts every target, runs the workloads on
# all of them, collects the syscall and perf evidence, and tears everything down.
set -uo pipefail

if [ "${1:-}" = --help ] || [ "${1:-}" = -h ] || [ -z "${VM_SHARE:-}" ]; then
    echo "Usage: bench/vm-stage.sh (run inside the test VM by scripts/bench.sh, which sets the"
    echo "environment; see the top of bench/lib.sh). Run scripts/bench.sh --stage vm instead."
    [ -n "${VM_SHARE:-}" ] && exit 0
    exit 2
fi

REPO=$(cd "$(dirname "$0")/.." && pwd)
BENCH_DIR=$REPO/bench
OUT=$VM_SHARE
WORK=$(mktemp -d /tmp/bench-vm.XXXXXX)
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
trap run_cleanups EXIT

BACKGROUND_WINDOW=0
ONE_LINE_SUMMARY=0
SIZE_MB=${SIZE_MB:-128}
SIZE=$((SIZE_MB << 20))
BDUS_STATE=$WORK/state
: >"$OUT/targets.tsv"
: >"$OUT/unavailable.tsv"

kill_wait() { # PID: SIGTERM, then wait up to 30 s for it to go
    kill "$1" 2>/dev/null || return 0
    wait_for 30 sh -c "! kill -0 $1" || kill -KILL "$1" 2>/dev/null
}

# ---------------------------------------------------------------------------- targets
# Each start_* function creates one block device (see add_target in bench/lib.sh).

start_brd() { # the kernel's RAM disk: the raw baseline
    DEV=/dev/ram0
}

start_nbdkit() { # NBD_INDEX PLUGIN ARGS...: nbdkit through the kernel's nbd client
    local nbd=nbd$1 sock=$WORK/nbdkit-$1.sock
    shift
    nbdkit -f --unix "$sock" "$@" >"$OUT/nbdkit-$nbd.log" 2>&1 &
    SERVER_PID=$!
    defer kill_wait "$SERVER_PID"
    wait_for 30 test -S "$sock" || { UNAVAILABLE="nbdkit did not listen (nbdkit-$nbd.log)"; return 1; }
    # Two connections (multi-conn), one per vCPU; netlink set-up, nbd-client then exits.
    nbd-client -unix "$sock" "/dev/$nbd" -connections 2 >>"$OUT/nbdkit-$nbd.log" 2>&1 ||
        { UNAVAILABLE="nbd-client failed (nbdkit-$nbd.log)"; return 1; }
    defer nbd-client -d "/dev/$nbd"
    wait_for 10 test "$(cat "/sys/block/$nbd/size")" -gt 0 || return 1
    DEV=/dev/$nbd
}

start_libfuse() { # BACKING: the C libfuse pass-through under a loop device in direct-I/O mode
    local mnt=$WORK/libfuse
    mkdir -p "$mnt"
    "$LIBFUSE_BIN" "$1" "$mnt" -f -o fsname=bench-libfuse >"$OUT/libfuse.log" 2>&1 &
    SERVER_PID=$!
    defer kill_wait "$SERVER_PID"
    defer umount -l "$mnt"
    wait_for 20 test -f "$mnt/disk" || { UNAVAILABLE="the FUSE mount did not appear (libfuse.log)"; return 1; }
    DEV=$(losetup --find --show --direct-io=on "$mnt/disk") || return 1
    defer losetup -d "$DEV"
}

start_tcmu() { # TCMU: tcmu-runner's user:qcow handler (raw file on tmpfs) behind tcm_loop
    local img=$WORK/tmpfs/tcmu.img wwn=naa.5001405bdb0bec01 d
    mkdir -p /etc/target  # where the target core would keep its configuration
    modprobe target_core_user && modprobe tcm_loop && modprobe sd_mod ||
        { UNAVAILABLE="target_core_user, tcm_loop or sd_mod did not load"; return 1; }
    mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config
    mkdir -p /run/dbus
    dbus-daemon --system --fork --print-pid >"$WORK/dbus.pid" 2>"$OUT/tcmu-dbus.log" ||
        { UNAVAILABLE="the system D-Bus did not start (tcmu-dbus.log)"; return 1; }
    defer kill_wait "$(cat "$WORK/dbus.pid")"
    tcmu-runner --tcmu-log-dir "$WORK" >"$OUT/tcmu-runner.log" 2>&1 &
    SERVER_PID=$!
    defer kill_wait "$SERVER_PID"
    wait_for 60 dbus-send --system --print-reply --dest=org.kernel.TCMUService1 / org.freedesktop.DBus.Peer.Ping ||
        { UNAVAILABLE="tcmu-runner did not register on D-Bus (tcmu-runner.log)"; return 1; }
    dd if=/dev/zero of="$img" bs=1M count="$SIZE_MB" status=none
    {
        targetcli /backstores/user:qcow create name=bench size="$SIZE" cfgstring="$img" &&
            targetcli /loopback create wwn="$wwn" &&
            targetcli "/loopback/$wwn/luns" create /backstores/user:qcow/bench
    } >"$OUT/tcmu-targetcli.log" 2>&1 || { UNAVAILABLE="targetcli failed (tcmu-targetcli.log)"; return 1; }
    defer targetcli clearconfig confirm=True
    find_lio_disk() {
        for d in /sys/block/sd*; do
            [ -e "$d/device/vendor" ] && grep -q LIO-ORG "$d/device/vendor" && { DEV=/dev/${d##*/}; return 0; }
        done
        return 1
    }
    wait_for 30 find_lio_disk || { UNAVAILABLE="no LIO SCSI disk appeared"; return 1; }
    wait_for 10 test -b "$DEV"
}

start_bdus_ram_c() { # the C test driver of kernel/tests over kbdus (same concurrency as Java)
    "$BDUS_RAM_BIN" create --size "$SIZE" --threads 4 --queue-depth 8 >"$WORK/c-ram.id" 2>"$OUT/c-ram.log" &
    SERVER_PID=$!
    defer kill_wait "$SERVER_PID"
    wait_for 60 test -s "$WORK/c-ram.id" || { UNAVAILABLE="bdus-ram did not create its device (c-ram.log)"; return 1; }
    defer "$BDUS_RAM_BIN" destroy "$(head -1 "$WORK/c-ram.id")"
    DEV=/dev/bdus-$(head -1 "$WORK/c-ram.id")
}

# The Java targets: scripts/bdus serve. A JVM takes a minute or more to start under
# emulation, so the kbdus ones are launched first, together, and start_bdus_java waits for
# the READY line once the other targets are up. The fuse-loop one starts on its own: its
# wait for a loop device gives up when a busy guest is too slow.
declare -A JAVA_OUT
launch_bdus_java() { # TRANSPORT NAME [ARGS]
    JAVA_OUT[$2]=$WORK/java-$2.out
    "$REPO/scripts/bdus" serve --transport "$1" --name "$2" --size "$SIZE" --state-dir "$BDUS_STATE" \
        "${@:3}" >"${JAVA_OUT[$2]}" 2>"$OUT/java-$2.log" &
    echo $! >"$WORK/java-$2.pid"
    defer kill_wait "$!"
}

start_bdus_java() { # NAME [TRANSPORT ARGS...]: wait for a launched one, or launch it first
    [ -n "${JAVA_OUT[$1]:-}" ] || launch_bdus_java "$2" "$1" "${@:3}"
    SERVER_PID=$(cat "$WORK/java-$1.pid")
    # READY, or the server ended (it says why in its log)
    wait_for 300 sh -c "grep -q '^READY ' '${JAVA_OUT[$1]}' || ! kill -0 $SERVER_PID"
    grep -q '^READY ' "${JAVA_OUT[$1]}" ||
        { UNAVAILABLE="bdus serve did not start: $(head -c 300 "$OUT/java-$1.log")"; return 1; }
    DEV=$(awk '/^READY /{print $2}' "${JAVA_OUT[$1]}")
}

# -------------------------------------------------------------------------- set-up
log "VM stage on $(uname -r), $(nproc) vCPUs, $(awk '/MemTotal/{print int($2/1024) " MiB"}' /proc/meminfo)"
modprobe ext4 && modprobe loop && modprobe nbd nbds_max=4 && modprobe brd rd_nr=4 rd_size=$((SIZE_MB * 1024)) || {
    log "a kernel module did not load (ext4, loop, nbd, brd)"
    exit 90
}
insmod "$KBDUS_KO" || log "kbdus.ko did not load: the kbdus targets will be unavailable"
modprobe ublk_drv || log "ublk_drv did not load: the ublk target will be unavailable"
mkdir -p "$WORK/tmpfs"
mount -t tmpfs -o size=$((SIZE_MB * 2))M tmpfs "$WORK/tmpfs"
defer umount -l "$WORK/tmpfs"
# Every block of the storage written once, through the kernel alone: brd allocates a page
# on its first write, and reads of a page never written copy nothing.
for ram in /dev/ram0 /dev/ram1 /dev/ram2 /dev/ram3; do
    fill_device "$ram"
done
launch_bdus_java kbdus jram
launch_bdus_java kbdus jpt --file /dev/ram3
launch_bdus_java ublk jublk

{
    echo "kernel $(uname -r)"
    echo "vcpus $(nproc)"
    echo "fio $(fio --version)"
    echo "nbdkit $(nbdkit --version 2>&1 | head -1)"
    echo "nbd-client $(nbd-client -V 2>&1 | head -1)"
    echo "tcmu-runner $(dpkg-query -W -f '${Version}' tcmu-runner 2>/dev/null)"
    echo "libfuse $(dpkg-query -W -f '${Version}' libfuse3-3 2>/dev/null)"
    echo "java $(java -version 2>&1 | head -1)"
    echo "kbdus $(cat /sys/module/kbdus/version 2>/dev/null || echo 'not loaded')"
} >"$OUT/versions.txt"

add_target brd raw ram "brd (kernel RAM disk)" start_brd
add_target nbdkit-memory nbdkit ram "nbdkit memory plugin, kernel nbd client, 2 connections" \
    start_nbdkit 0 memory size="$SIZE"
add_target nbdkit-file nbdkit file "nbdkit file plugin over brd, kernel nbd client, 2 connections" \
    start_nbdkit 1 file file=/dev/ram1
add_target libfuse libfuse file "C libfuse pass-through over brd, loop (direct I/O)" start_libfuse /dev/ram2
add_target tcmu other file "TCMU: tcmu-runner user:qcow (raw file on tmpfs), tcm_loop" start_tcmu
add_target c-ram-kbdus other ram "C bdus-ram over kbdus, 4 threads" start_bdus_ram_c
add_target java-ram-kbdus other ram "Java RamDiskDriver over kbdus, 4 workers" start_bdus_java jram
add_target java-pt-kbdus other file "Java PassthroughDriver over brd, kbdus, 4 workers" start_bdus_java jpt
add_target java-ram-ublk other ram "Java RamDiskDriver over ublk, 4 workers" start_bdus_java jublk
add_target java-ram-fuse other ram "Java RamDiskDriver over fuse-loop, 4 workers" start_bdus_java jfuse fuse-loop
# ublk: trixie and trixie-backports package no ublk server (no ublksrv or rublk), so the
# kernel's ublk_drv has nothing to serve it here; recorded as not measured.
printf '%s\t%s\t%s\t%s\t%s\n' ublk-null other ram "ublk null/loop targets (ublksrv)" \
    "not packaged by Debian trixie or trixie-backports: no ublk server to run" >>"$OUT/unavailable.tsv"

# The RAM-disk servers allocate on first write too: fill them through their devices.
for t in nbdkit-memory c-ram-kbdus java-ram-kbdus java-ram-ublk java-ram-fuse; do
    [ -n "${BENCH_DEV[$t]:-}" ] || continue
    log "filling $t (${BENCH_DEV[$t]})"
    fill_device "${BENCH_DEV[$t]}"
done

run_workloads
[ "${EVIDENCE_RUNTIME:-0}" -gt 0 ] && collect_evidence rr4k-qd32
log "VM stage done"
