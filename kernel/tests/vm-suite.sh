#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kbdus test suite.  Runs INSIDE the test VM (see kernel/vm/vmrun), as
# root, in one boot: loads kernel/kbdus.ko, runs every test, and writes
#   $VM_SHARE/results/summary.txt   one line per test: PASS|FAIL NAME SECONDS
#   $VM_SHARE/results/NAME.log      the test's output and its kernel log
# Only the summary goes to the (slow) serial console.  Every test fails if
# the kernel log gained a WARNING/BUG/Oops/refcount/lockdep line.
#
# usage: vm-suite.sh [TEST...]      (default: all, in order)
#
# Environment: KBDUS_KO, the module to test (default kernel/kbdus.ko); it
# must be built for the booted kernel.  KBDUS_SKIP, tests to leave out.
set -u

case ${1:-} in
-h | --help)
	awk 'NR > 2 && !/^#/ { exit } NR > 2 { sub(/^# ?/, ""); print }' "$0"
	echo "Tests, in order:"
	sed -n '/^ALL="/,/"$/p' "$0" | tr -d '"' | sed 's/^ALL=/ /'
	exit 0 ;;
esac

TESTS_DIR=$(cd "$(dirname "$0")" && pwd)
KDIR=$(cd "$TESTS_DIR/.." && pwd)
KO=${KBDUS_KO:-$KDIR/kbdus.ko}
RAM=$TESTS_DIR/bdus-ram
RAM32=$TESTS_DIR/bdus-ram32
OUT=${VM_SHARE:?run me inside kernel/vm/vmrun}/results
WORK=/run/kbdus-tests
mkdir -p "$OUT" "$WORK"
: >"$OUT/summary.txt"

BAD_KLOG='WARNING|BUG|Oops|refcount|lockdep|circular locking|general protection|INFO: task|UBSAN|KASAN|list_add corruption|list_del corruption|Poison overwritten|Redzone|Object padding'

PIDS=()
DRV_PID= DEV_ID=

# ------------------------------------------------------------- helpers

log() { echo "# [$(cut -d" " -f1 /proc/uptime)] $*"; }
fail() { echo "FAILED: $*"; exit 1; }

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds, for at most
# SECONDS of wall time (forks are slow under emulation: count time, not
# tries).
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" && return 0
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# start_driver create|attach [ID] OPTIONS...: start bdus-ram (or
# $DRIVER_BIN) in the background, wait until the device is available; sets
# DRV_PID and DEV_ID.
start_driver() {
	local f
	f=$(mktemp -p "$WORK" id.XXXXXX)
	"${DRIVER_BIN:-$RAM}" "$@" >"$f" &
	DRV_PID=$!
	PIDS+=("$DRV_PID")
	echo "$DRV_PID" >>"$WORK/pids"
	wait_for 60 test -s "$f" || fail "driver '$*' did not make its device available"
	DEV_ID=$(head -n1 "$f")
	log "driver pid $DRV_PID serves /dev/bdus-$DEV_ID ($*)"
}

dev() { echo "/dev/bdus-$1"; }

# expect_io DEV OP OFF LEN EXPECTED
expect_io() {
	local got
	got=$("$RAM" io "$1" "$2" "$3" "$4")
	[ "$got" = "$5" ] || fail "io $2 on $1: expected '$5', got '$got'"
	log "io $2 -> $got"
}

gone() { [ ! -e "/sys/block/bdus-$1" ]; }

# exited PID: all threads of the process are gone (a zombie leader alone is
# left, or nothing); a leader shows Z while another thread still lives.
exited() {
	local tasks=(/proc/"$1"/task/*) line
	[ -e "/proc/$1" ] || return 0
	[ ${#tasks[@]} -le 1 ] || return 1
	while read -r line; do
		case $line in
		State:*Z*) return 0 ;;
		State:*) return 1 ;;
		esac
	done 2>/dev/null <"/proc/$1/status"
	return 1
}

destroy_all() {
	local d id
	for d in /sys/block/bdus-*; do
		[ -e "$d" ] || continue
		id=${d##*/bdus-}
		timeout 30 "$RAM" destroy "$id" || echo "cleanup: destroy $id failed"
	done
}

cleanup() {
	local p
	if [ -s "$WORK/pids" ]; then
		for p in $(cat "$WORK/pids"); do
			kill -9 "$p" 2>/dev/null
		done
		: >"$WORK/pids"
	fi
	if [ -e /dev/bdus-control ]; then
		destroy_all
	fi
	wait 2>/dev/null
	rm -f /dev/shm/kbdus-*
}

# ------------------------------------------------------------------ tests

t_load() {
	insmod "$KO" || fail "insmod"
	wait_for 10 test -c /dev/bdus-control || fail "no /dev/bdus-control"
	[ "$(cat /sys/module/kbdus/parameters/max_devices)" = 4096 ] ||
		fail "max_devices default"
	grep -q '^bdus$' <(awk '{print $2}' /proc/devices) || fail "no bdus major"
}

t_version() {
	local v
	v=$("$RAM" version) || fail "version ioctl"
	log "version $v"
	[ "${v%%.*}" = 1 ] || fail "major"
}

t_bad_configs() {
	local f
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
	echo 'module kbdus +p' >/sys/kernel/debug/dynamic_debug/control ||
		fail "cannot enable pr_debug"
	"$RAM" bad-configs || fail "bad configs accepted or good ones rejected"
	echo 'module kbdus -p' >/sys/kernel/debug/dynamic_debug/control
	for f in size logical_block_size physical_block_size supports_fua_write \
		max_read_write_size max_write_zeroes_size max_discard_erase_size \
		max_outstanding_reqs request_timeout_ms recoverable reserved_1 \
		reserved_2; do
		dmesg | grep -q "kbdus: invalid device config: $f\$" ||
			fail "no pr_debug naming $f"
	done
	for f in "fd config: reserved" "mmap: not MAP_SHARED" \
		"slot: use_preallocated_buffer" "reply: reserved" \
		"reply: use_preallocated_buffer"; do
		dmesg | grep -q "kbdus: invalid $f\$" || fail "no pr_debug for $f"
	done
	# Every message carries the module's prefix, whichever file it is from.
	if dmesg | grep -E 'invalid (device config|fd config|mmap|slot|reply)' |
		grep -v 'kbdus: invalid'; then
		fail "messages without the kbdus: prefix"
	fi
}

t_fio_verify() {
	local mode
	for mode in "" --user-buffers; do
		start_driver create --size $((64 << 20)) --threads 4 --queue-depth 32 $mode
		fio --name=verify --filename="$(dev "$DEV_ID")" --direct=1 \
			--ioengine=libaio --iodepth=16 --rw=randwrite \
			--bsrange=4k-128k --size=32M --verify=crc32c --do_verify=1 \
			--verify_fatal=1 --eta=never --output-format=terse \
			>"$WORK/fio.out" 2>&1 || { cat "$WORK/fio.out"; fail "fio $mode"; }
		log "fio verify ok ${mode:-(mmap buffers)}"
		"$RAM" destroy "$DEV_ID" || fail "destroy"
		wait "$DRV_PID" || fail "driver exit status"
	done
}

# receivers PID: the driver's threads asleep in the receive ioctl.
receivers() {
	local t
	for t in /proc/"$1"/task/*; do
		[ "$(cat "$t/wchan" 2>/dev/null)" = kbdus_inverter_begin_get ] &&
			echo "${t##*/}"
	done
}

# all_receiving PID N: N of the driver's threads sleep in the receive ioctl.
all_receiving() { [ "$(receivers "$1" | wc -l)" = "$2" ]; }

# nvcsw PID TID...: each thread's voluntary context switches, one a line.
nvcsw() {
	local p=$1 t
	shift
	for t in "$@"; do
		awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$p/task/$t/status"
	done
}

# With N receivers idle, one request wakes one of them: the others never
# leave their sleep (voluntary context switches unchanged).  A round counts
# only if the trace shows exactly that one request reached the driver.
t_wake_one() {
	local t="$WORK/trace" d tids before after n changed round valid=0
	rm -f "$t"
	start_driver create --size $((16 << 20)) --threads 4 --queue-depth 4 \
		--no-partitions --trace "$t"
	d=$(dev "$DEV_ID")
	for round in 1 2 3; do
		wait_for 60 all_receiving "$DRV_PID" 4 ||
			fail "the 4 receivers never all slept in the receive ioctl"
		mapfile -t tids < <(receivers "$DRV_PID")
		n=$(wc -l <"$t")
		before=$(nvcsw "$DRV_PID" "${tids[@]}")
		expect_io "$d" read 0 4096 OK
		wait_for 60 all_receiving "$DRV_PID" 4 ||
			fail "the receivers did not go back to sleep"
		after=$(nvcsw "$DRV_PID" "${tids[@]}")
		changed=$(paste <(echo "$before") <(echo "$after") | awk '$1 != $2' | wc -l)
		n=$(($(wc -l <"$t") - n))
		log "round $round: receivers ${tids[*]}: switches" $before "->" $after "; $n item(s)"
		[ "$n" = 1 ] || continue
		valid=$((valid + 1))
		[ "$changed" = 1 ] || fail "one request woke $changed of 4 idle receivers"
	done
	[ $valid -gt 0 ] || fail "no round with exactly one request"
}

t_request_types() {
	local t="$WORK/trace" d type
	rm -f "$t"
	start_driver create --size $((16 << 20)) --trace "$t" --no-partitions
	d=$(dev "$DEV_ID")
	dd if=/dev/zero of="$d" bs=4k count=16 oflag=direct status=none || fail "write"
	dd if="$d" of=/dev/null bs=4k count=16 iflag=direct status=none || fail "read"
	dd if=/dev/zero of="$d" bs=4k count=4 oflag=direct,dsync status=none ||
		fail "fua write"
	fio --name=fua --filename="$d" --direct=1 --sync=1 --rw=write --bs=4k \
		--size=256k --eta=never --output-format=terse >/dev/null ||
		fail "fio O_SYNC|O_DIRECT (FUA)"
	fio --name=fsync --filename="$d" --rw=write --bs=4k --size=256k \
		--fsync=8 --eta=never --output-format=terse >/dev/null ||
		fail "fio --fsync"
	expect_io "$d" fsync 0 0 OK
	blkdiscard -o 0 -l 1M "$d" || fail "blkdiscard"
	blkdiscard -z -o 0 -l 1M "$d" || fail "blkdiscard -z"
	fallocate -p -o 1M -l 1M "$d" || fail "fallocate -p"
	blkdiscard -s -o 0 -l 1M "$d" || fail "blkdiscard -s"
	"$RAM" ioctl-client "$d" rw || fail "ioctl directions"
	sort "$t" | awk '{print $1}' | uniq -c
	for type in device_available read write fua_write flush discard \
		write_zeroes_no_unmap write_zeroes_may_unmap secure_erase ioctl; do
		grep -q "^$type\b" "$t" || fail "no $type request reached the driver"
	done
}

# Forwarded ioctls carry the opener's mode; a read-only opener cannot send
# commands that pass data in (EBADF, and the driver never sees them).
t_ioctl_opener() {
	local t="$WORK/trace" d
	rm -f "$t"
	start_driver create --no-partitions --trace "$t"
	d=$(dev "$DEV_ID")
	"$RAM" ioctl-client "$d" ro || fail "read-only opener"
	cat "$t"
	grep -E '^ioctl 0x(40046b03|c0046b04)' "$t" &&
		fail "_IOW/_IOWR from a read-only opener reached the driver"
	grep -q '^ioctl 0x00006b01 opener=r$' "$t" || fail "_IO: no opener=r"
	grep -q '^ioctl 0x80046b02 opener=r$' "$t" || fail "_IOR: no opener=r"
	: >"$t"
	"$RAM" ioctl-client "$d" rw || fail "read-write opener"
	cat "$t"
	grep -q '^ioctl 0x40046b03 opener=rw$' "$t" || fail "_IOW: no opener=rw"
	grep -q '^ioctl 0xc0046b04 opener=rw$' "$t" || fail "_IOWR: no opener=rw"
}

# 32-bit driver and clients: the compat_ioctl paths of the control device
# and of the block device (forwarded ioctls).
t_compat_ioctl() {
	local t="$WORK/trace" d got
	[ -x "$RAM32" ] || fail "no 32-bit bdus-ram ($RAM32)"
	rm -f "$t"
	DRIVER_BIN=$RAM32 start_driver create --no-partitions --trace "$t"
	d=$(dev "$DEV_ID")
	"$RAM32" version || fail "32-bit version ioctl"
	"$RAM32" get-config "$DEV_ID" || fail "32-bit get-config"
	[ "$("$RAM32" path-to-id "$d")" = "$DEV_ID" ] || fail "32-bit path-to-id"
	"$RAM32" ioctl-client "$d" rw || fail "32-bit client, read-write"
	"$RAM32" ioctl-client "$d" ro || fail "32-bit client, read-only"
	for op in write read fsync discard; do
		got=$("$RAM32" io "$d" "$op" 0 4096)
		[ "$got" = OK ] || fail "32-bit io $op: $got"
	done
	grep -q '^ioctl 0x40046b03 opener=rw$' "$t" || fail "_IOW not forwarded"
	"$RAM32" destroy "$DEV_ID" || fail "32-bit destroy"
	wait "$DRV_PID" || fail "32-bit driver exit status"
}

t_errno() {
	local d
	start_driver create --no-partitions --error read=28 --error write=67 \
		--error discard=110 --error flush=22 --error secure_erase=1
	d=$(dev "$DEV_ID")
	expect_io "$d" read 0 4096 "ERR 28"     # ENOSPC kept
	expect_io "$d" write 0 4096 "ERR 67"    # ENOLINK kept
	expect_io "$d" discard 0 4096 "ERR 110" # ETIMEDOUT kept
	expect_io "$d" fsync 0 0 "ERR 5"        # EINVAL -> EIO
	expect_io "$d" secdiscard 0 4096 "ERR 5" # EPERM -> EIO
}

t_timeout() {
	local d
	start_driver create --no-partitions --timeout-ms 2000 --delay write=5000
	d=$(dev "$DEV_ID")
	[ "$(cat /sys/block/bdus-$DEV_ID/queue/io_timeout)" = 2000 ] ||
		fail "io_timeout not set"
	expect_io "$d" write 0 4096 "ERR 110"
	expect_io "$d" read 0 4096 OK
	sleep 3.5 # the late reply to the timed-out write must be ignored
	expect_io "$d" read 0 4096 OK
	"$RAM" destroy "$DEV_ID"
	wait "$DRV_PID" || fail "driver failed (was the stale reply rejected?)"

	# request_timeout_ms = 0: no timeout, even if io_timeout is lowered.
	start_driver create --no-partitions --timeout-ms 0 --delay read=2500
	d=$(dev "$DEV_ID")
	echo 500 >"/sys/block/bdus-$DEV_ID/queue/io_timeout"
	expect_io "$d" read 0 4096 OK
}

t_recover_sigkill() {
	local b=/dev/shm/kbdus-rec t1="$WORK/t1" t2="$WORK/t2" d id cpid
	rm -f "$t1" "$t2" "$b"
	start_driver create --recoverable --no-partitions --backing "$b" \
		--timeout-ms 5000 --delay discard=600000 --trace "$t1"
	id=$DEV_ID d=$(dev "$id")
	head -c $((4 << 20)) /dev/urandom >"$WORK/pattern"
	dd if="$WORK/pattern" of="$d" bs=1M oflag=direct status=none || fail "write"
	blkdiscard -o 0 -l 1M "$d" &
	cpid=$!
	wait_for 20 grep -q '^discard' "$t1" || fail "discard did not reach the driver"
	kill -9 "$DRV_PID"
	wait "$DRV_PID" 2>/dev/null
	log "driver killed in the middle of a discard"
	sleep 6 # longer than the 5 s timeout: parked requests must not time out
	[ -e "/sys/block/bdus-$id" ] || fail "recoverable device went away"
	kill -0 "$cpid" 2>/dev/null || fail "client finished without a driver"
	# One worker thread, so that the trace shows the order items were received in.
	start_driver attach "$id" --backing "$b" --threads 1 --trace "$t2"
	[ "$DEV_ID" = "$id" ] || fail "attach reported id $DEV_ID"
	wait "$cpid" || fail "client's discard failed after recovery"
	[ "$(head -n1 "$t2")" = device_available ] || fail "device_available not first"
	grep -q '^discard 0 ' "$t2" || fail "discard not re-delivered"
	cmp <(dd if="$d" bs=1M skip=1 count=3 iflag=direct status=none) \
		<(tail -c +$(((1 << 20) + 1)) "$WORK/pattern") || fail "data lost"
	"$RAM" destroy "$id" || fail "destroy"
	wait "$DRV_PID" || fail "second driver exit status"
}

t_recover_abort() {
	local b=/dev/shm/kbdus-abort t2="$WORK/a2" id d cpid rc
	rm -f "$t2" "$b"
	# The driver crashes (abort()) inside the discard; the next one serves it.
	start_driver create --recoverable --no-partitions --backing "$b" \
		--abort discard
	id=$DEV_ID d=$(dev "$id")
	blkdiscard -o 0 -l 1M "$d" &
	cpid=$!
	wait "$DRV_PID"
	rc=$?
	[ "$rc" = 134 ] || fail "driver exit status $rc, expected 134 (abort)"
	kill -0 "$cpid" 2>/dev/null || fail "client finished without a driver"
	# One worker thread, so that the trace shows the order items were received in.
	start_driver attach "$id" --backing "$b" --threads 1 --trace "$t2"
	wait "$cpid" || fail "client's discard failed after the restart"
	grep -q '^discard 0 ' "$t2" || fail "discard not re-delivered"
}

t_timeout_while_detached() {
	local d id
	# Without a driver, requests time out only if the device asks for it.
	start_driver create --recoverable --no-partitions --timeout-ms 1000 \
		--timeout-while-detached
	id=$DEV_ID d=$(dev "$id")
	kill -9 "$DRV_PID"
	wait "$DRV_PID" 2>/dev/null
	sleep 0.5
	[ -e "/sys/block/bdus-$id" ] || fail "recoverable device went away"
	expect_io "$d" read 0 4096 "ERR 110"
}

t_replace_live() {
	local b=/dev/shm/kbdus-rep t1="$WORK/r1" t2="$WORK/r2" d id fpid p1 p2
	rm -f "$t1" "$t2" "$b"
	start_driver create --no-partitions --backing "$b" --trace "$t1" \
		--size $((32 << 20))
	id=$DEV_ID d=$(dev "$id") p1=$DRV_PID
	fio --name=replace --filename="$d" --direct=1 --ioengine=libaio \
		--iodepth=8 --rw=randwrite --bs=4k --size=16M --verify=crc32c \
		--do_verify=1 --verify_fatal=1 --eta=never \
		--output-format=terse >"$WORK/fio.out" 2>&1 &
	fpid=$!
	sleep 1
	# One worker thread, so that the trace shows the order items were received in.
	start_driver attach "$id" --backing "$b" --threads 1 --trace "$t2"
	p2=$DRV_PID
	wait "$p1" || fail "replaced driver did not exit cleanly"
	grep -q '^flush_and_terminate' "$t1" || fail "no flush_and_terminate"
	log "first replacement done"
	sleep 1
	start_driver attach "$id" --backing "$b"
	wait "$p2" || fail "second replaced driver did not exit cleanly"
	wait "$fpid" || { cat "$WORK/fio.out"; fail "fio verify across replacements"; }
	log "fio verify ok across two replacements"
}

# During a hand-over, a write answered after FLUSH_AND_TERMINATE is not
# covered by the old driver's flush: it must reach the new driver instead
# of being acknowledged and lost with the old driver's volatile cache.
t_handover_barrier() {
	local b=/dev/shm/kbdus-bar t1="$WORK/b1" t2="$WORK/b2" id d p1 cpid
	rm -f "$b" "$t1" "$t2"
	start_driver create --no-partitions --backing "$b" --volatile \
		--hold-writes --threads 2 --trace "$t1" --size $((16 << 20))
	id=$DEV_ID d=$(dev "$id") p1=$DRV_PID
	head -c 4096 /dev/urandom >"$WORK/block"
	dd if="$WORK/block" of="$d" bs=4096 seek=8 oflag=direct conv=notrunc \
		status=none &
	cpid=$!
	wait_for 20 grep -q '^write 32768 4096' "$t1" ||
		fail "write did not reach the driver"
	# One worker thread, so that the trace shows the order items were received in.
	start_driver attach "$id" --backing "$b" --threads 1 --trace "$t2"
	wait "$p1" || fail "old driver exit status"
	grep -q '^flush_and_terminate' "$t1" || fail "no flush_and_terminate"
	wait "$cpid" || fail "client's write failed"
	cat "$t1" "$t2"
	cmp <(dd if="$d" bs=4096 skip=8 count=1 iflag=direct status=none) \
		"$WORK/block" || fail "acknowledged write lost in the hand-over"
	grep -q '^write 32768 4096' "$t2" || fail "write not re-delivered"
}

# A driver killed while one of its threads waits in uninterruptible I/O on
# its own device: a non-recoverable device goes away (the I/O fails), a
# recoverable one waits for the next driver, which serves that I/O.
t_killed_in_own_io() {
	local t="$WORK/k1" t2="$WORK/k2" id pid
	rm -f "$t" "$t2"
	start_driver create --no-partitions --self-read --delay read=600000 \
		--trace "$t"
	id=$DEV_ID pid=$DRV_PID
	wait_for 20 grep -q '^read 0 4096' "$t" || fail "self-read not received"
	kill -9 "$pid"
	wait_for 30 exited "$pid" || fail "killed driver stuck in its own I/O"
	wait "$pid" 2>/dev/null
	wait_for 20 gone "$id" || fail "non-recoverable device not removed"
	log "non-recoverable: driver gone, device removed"

	rm -f "$t"
	start_driver create --no-partitions --recoverable --self-read \
		--delay read=600000 --trace "$t"
	id=$DEV_ID pid=$DRV_PID
	wait_for 20 grep -q '^read 0 4096' "$t" || fail "self-read not received"
	kill -9 "$pid"
	sleep 1
	[ -e "/sys/block/bdus-$id" ] || fail "recoverable device went away"
	start_driver attach "$id" --threads 1 --trace "$t2"
	wait_for 30 exited "$pid" || fail "old driver still stuck after attach"
	wait "$pid" 2>/dev/null
	grep -q '^read 0 4096' "$t2" || fail "self-read not re-delivered"
	log "recoverable: new driver served the dead driver's own read"
}

# A recoverable device survives a driver that dies inside add_disk (here:
# in the partition scan's first read), and the next driver completes it.
t_recoverable_add_disk() {
	local b=/dev/shm/kbdus-ua f="$WORK/ua.id" t2="$WORK/ua2" id pid rc
	rm -f "$b" "$f" "$t2"
	"$RAM" create --recoverable --backing "$b" --abort read \
		--id-file "$f" >/dev/null &
	pid=$!
	echo "$pid" >>"$WORK/pids"
	wait "$pid"
	rc=$?
	[ "$rc" = 134 ] || fail "driver exit status $rc, expected 134 (abort)"
	id=$(cat "$f")
	sleep 0.5
	"$RAM" get-config "$id" || fail "device destroyed with its driver"
	start_driver attach "$id" --backing "$b" --threads 1 --trace "$t2"
	[ "$DEV_ID" = "$id" ] || fail "attach reported id $DEV_ID"
	head -n1 "$t2" | grep -q '^read 0 ' || fail "scan read not re-delivered first"
	grep -q '^device_available' "$t2" || fail "no device_available"
	expect_io "$(dev "$id")" read 0 4096 OK
}

# A caught signal does not interrupt ATTACH (which would lose the live,
# non-recoverable device: its driver was already told to terminate).
t_attach_signal() {
	local ta="$WORK/s1" g="$WORK/gate" f="$WORK/s2.out" id p1 p2 i
	rm -f "$ta" "$g" "$f"
	start_driver create --no-partitions --trace "$ta" --gate "$g"
	id=$DEV_ID p1=$DRV_PID
	"$RAM" attach "$id" --threads 1 >"$f" 2>"$WORK/s2.err" &
	p2=$!
	echo "$p2" >>"$WORK/pids"
	wait_for 20 grep -q '^flush_and_terminate' "$ta" ||
		fail "old driver got no flush_and_terminate"
	for i in 1 2 3; do
		kill -USR1 "$p2" 2>/dev/null
		sleep 0.2
	done
	touch "$g"
	wait "$p1" || fail "old driver exit status"
	wait_for 30 test -s "$f" || { cat "$WORK/s2.err"; fail "attach ended by a caught signal"; }
	[ "$(head -n1 "$f")" = "$id" ] || fail "attached to another id"
	expect_io "$(dev "$id")" read 0 4096 OK
}

# WAIT_UNTIL_DEVICE_IS_DESTROYED does not wait out its one-second bound
# just because a client holds another bdus device open.
t_wait_destroyed() {
	local ms min=999999 i
	start_driver create --no-partitions
	exec 7<"$(dev "$DEV_ID")"
	for i in 1 2 3 4 5; do
		start_driver create --no-partitions
		ms=$("$RAM" destroy-timed "$DEV_ID" | awk '{print $2}')
		wait "$DRV_PID" || fail "driver exit status"
		log "wait took $ms ms"
		[ "$ms" -lt "$min" ] && min=$ms
	done
	exec 7<&-
	[ "$min" -lt 500 ] || fail "every wait took >= $min ms (module references never settled)"
}

t_nonrecoverable_sigkill() {
	local t="$WORK/n1" d id cpid
	rm -f "$t"
	start_driver create --no-partitions --delay read=600000 --trace "$t"
	id=$DEV_ID d=$(dev "$id")
	"$RAM" io "$d" read 0 4096 >"$WORK/client.out" &
	cpid=$!
	wait_for 20 grep -q '^read' "$t" || fail "read did not reach the driver"
	kill -9 "$DRV_PID"
	wait "$cpid"
	[ "$(cat "$WORK/client.out")" = "ERR 5" ] ||
		fail "client got '$(cat "$WORK/client.out")', expected ERR 5"
	wait_for 20 gone "$id" || fail "device still present"
	[ ! -e "$d" ] || fail "device node still present"
	log "device removed, client saw EIO"
}

t_partitions() {
	local b=/dev/shm/kbdus-part id d
	rm -f "$b"
	start_driver create --backing "$b" --size $((16 << 20))
	id=$DEV_ID d=$(dev "$id")
	echo ',,L' | sfdisk -q "$d" || fail "sfdisk"
	wait_for 10 test -b "${d}p1" || fail "no partition after sfdisk"
	[ "$("$RAM" path-to-id "${d}p1")" = "ERR 10" ] || fail "partition: ECHILD"
	"$RAM" destroy "$id"

	# A new device on the same data is scanned while add_disk runs.
	start_driver create --backing "$b" --size $((16 << 20))
	id=$DEV_ID d=$(dev "$id")
	[ -b "${d}p1" ] || fail "partition not found by the scan in add_disk"
	log "scan at creation found ${d}p1"
	"$RAM" destroy "$id"

	start_driver create --backing "$b" --size $((16 << 20)) --no-partitions
	id=$DEV_ID d=$(dev "$id")
	sleep 0.5
	[ ! -e "${d}p1" ] || fail "partition with scanning disabled"
	blockdev --rereadpt "$d" 2>/dev/null && fail "rereadpt succeeded"
	log "no partitions with scanning disabled"
}

t_control() {
	local d id cfg
	start_driver create --no-partitions --read-only --rotational --no-merge \
		--timeout-ms 5000 --size $((8 << 20)) --lbs 4096
	id=$DEV_ID d=$(dev "$id")
	setpriv --bounding-set=-all "$RAM" version 2>&1 |
		grep -q 'Operation not permitted' || fail "opened without CAP_SYS_ADMIN"
	[ "$("$RAM" path-to-id "$d")" = "$id" ] || fail "path-to-id"
	[ "$("$RAM" path-to-id /dev/null)" = "ERR 15" ] || fail "path-to-id ENOTBLK"
	cfg=$("$RAM" get-config "$id") || fail "get-config"
	log "$cfg"
	case $cfg in *"size=8388608 lbs=4096 pbs=4096 "*"read_only=1 rotational=1 merge=0"*) ;;
	*) fail "config" ;; esac
	[ "$(cat /sys/block/bdus-$id/ro)" = 1 ] || fail "ro"
	[ "$(cat /sys/block/bdus-$id/queue/rotational)" = 1 ] || fail "rotational"
	[ "$(cat /sys/block/bdus-$id/queue/nomerges)" = 2 ] || fail "nomerges"
	[ "$(cat /sys/block/bdus-$id/queue/logical_block_size)" = 4096 ] || fail "lbs"
	[ "$(cat /sys/block/bdus-$id/queue/scheduler)" = "[none] mq-deadline" ] ||
		log "scheduler: $(cat /sys/block/bdus-$id/queue/scheduler)"
	expect_io "$d" read 0 4096 OK
	"$RAM" flush "$id" || fail "flush"
	exec 7<"$d" # a client keeps the block device open past destruction
	expect_io fd:7 ioctl 0 4 OK
	"$RAM" destroy "$id" || fail "destroy"
	[ "$("$RAM" get-config "$id")" = "ERR 19" ] || fail "get-config of gone: ENODEV"
	expect_io fd:7 ioctl 0 4 "ERR 19"
	exec 7<&-

	# Ids are never reused.
	start_driver create --no-partitions
	[ "$DEV_ID" -gt "$id" ] || fail "id reused"
}

t_filesystem() {
	local d m="$WORK/mnt" i
	# The kernel's own module requests run outside the chroot: load ext4 here.
	modprobe ext4 || fail "modprobe ext4"
	start_driver create --size $((64 << 20)) --threads 4
	d=$(dev "$DEV_ID")
	mkfs.ext4 -q -F "$d" || fail "mkfs.ext4"
	mkdir -p "$m"
	mount "$d" "$m" || fail "mount"
	for i in 1 2 3 4; do
		head -c $((2 << 20)) /dev/urandom >"$m/f$i"
	done
	(cd "$m" && sha256sum f* >"$WORK/sums")
	umount "$m" || fail "umount"
	"$RAM" flush "$DEV_ID" || fail "flush"
	echo 3 >/proc/sys/vm/drop_caches
	fsck.ext4 -n -f "$d" >/dev/null || fail "fsck"
	mount -o ro "$d" "$m" || fail "mount again"
	(cd "$m" && sha256sum -c --quiet "$WORK/sums") || fail "checksums"
	umount "$m"
	log "ext4: files written, checksummed, fsck clean"
}

slab_objs() { awk -v c="$1" '$1 == c {print $2}' /proc/slabinfo; }

# Freed block-device inodes go through RCU: give them a moment.
slab_settled() {
	[ "$(slab_objs request_queue)" -le "$1" ] &&
		[ "$(slab_objs bdev_cache)" -le "$2" ]
}

t_cycles() {
	local q0 b0 s0 q1 b1 s1
	"$RAM" cycles 10 >/dev/null || fail "warm-up"
	sleep 1
	q0=$(slab_objs request_queue) b0=$(slab_objs bdev_cache)
	s0=$(awk '/^Slab:/{print $2}' /proc/meminfo)
	"$RAM" cycles 200 || fail "cycles"
	[ -n "$q0" ] && [ -n "$b0" ] || fail "no slab counts"
	wait_for 20 slab_settled "$q0" "$b0"
	q1=$(slab_objs request_queue) b1=$(slab_objs bdev_cache)
	s1=$(awk '/^Slab:/{print $2}' /proc/meminfo)
	log "request_queue $q0 -> $q1, bdev_cache $b0 -> $b1, Slab $s0 -> $s1 kB"
	[ "$q1" -le "$q0" ] || fail "request_queue objects leaked"
	[ "$b1" -le "$b0" ] || fail "bdev_cache objects leaked"
	[ $((s1 - s0)) -lt 4096 ] || fail "slab grew by $((s1 - s0)) kB"
	[ -z "$(ls /sys/block | grep bdus)" ] || fail "devices left"
}

t_unload() {
	local i
	for i in 1 2 3 4 5; do
		start_driver create --no-partitions
		"$RAM" destroy "$DEV_ID" || fail "destroy"
		rmmod kbdus || fail "rmmod right after destroy (round $i)"
		wait "$DRV_PID" || fail "driver exit status"
		[ ! -e /dev/bdus-control ] || fail "control device left"
		insmod "$KO" || fail "reload"
	done
	# Unloading removes devices left without a driver.
	start_driver create --no-partitions --recoverable
	kill -9 "$DRV_PID"
	wait "$DRV_PID" 2>/dev/null
	[ -e "/sys/block/bdus-$DEV_ID" ] || fail "orphaned device missing"
	rmmod kbdus || fail "rmmod with an orphaned device"
	gone "$DEV_ID" || fail "orphaned device survived rmmod"
	insmod "$KO" || fail "reload"
	rmmod kbdus || fail "rmmod"
	insmod "$KO" max_devices=2 || fail "reload with max_devices=2"
	start_driver create --no-partitions
	start_driver create --no-partitions
	"$RAM" create --no-partitions 2>&1 | grep -q 'No space left' ||
		fail "third device accepted with max_devices=2"
	log "max_devices enforced"
	cleanup
	rmmod kbdus || fail "rmmod after cleanup"
}

ALL="load version bad_configs fio_verify wake_one request_types ioctl_opener
     compat_ioctl errno timeout recover_sigkill recover_abort
     timeout_while_detached replace_live handover_barrier
     nonrecoverable_sigkill killed_in_own_io recoverable_add_disk
     attach_signal wait_destroyed partitions control filesystem
     cycles unload"

# ------------------------------------------------------------------ runner

run_test() {
	local name=$1 t0 t1 rc secs bad
	dmesg -C
	: >"$WORK/pids"
	t0=$(date +%s%N)
	("t_$name") >"$OUT/$name.log" 2>&1
	rc=$?
	cleanup >>"$OUT/$name.log" 2>&1
	t1=$(date +%s%N)
	secs=$(((t1 - t0) / 1000000))
	secs=$(printf '%d.%03d' $((secs / 1000)) $((secs % 1000)))
	{ echo "--- kernel log ---"; dmesg; } >>"$OUT/$name.log"
	bad=$(dmesg | grep -E "$BAD_KLOG" | grep -v 'loading out-of-tree module taints kernel')
	if [ -n "$bad" ]; then
		echo "FAILED: kernel log: $bad" >>"$OUT/$name.log"
		rc=1
	fi
	if [ $rc = 0 ]; then
		echo "PASS $name $secs" | tee -a "$OUT/summary.txt"
	else
		echo "FAIL $name $secs" | tee -a "$OUT/summary.txt"
		tail -n 15 "$OUT/$name.log" | sed 's/^/    /'
	fi
	return $rc
}

ulimit -c 0 # the abort() test must not write a core dump
failed=0
tests=${*:-$ALL}
for name in ${KBDUS_SKIP:-}; do
	tests=$(echo " $tests " | sed "s/ $name / /")
done
# Named tests need the module: load it first unless asked for explicitly.
case " $tests " in *" load "*) ;; *) tests="load $tests" ;; esac
for name in $tests; do
	run_test "$name" || failed=1
	if [ "$name" = load ] && [ $failed = 1 ]; then
		break
	fi
done
grep -q kbdus /proc/modules && { cleanup; rmmod kbdus; }
exit $failed
