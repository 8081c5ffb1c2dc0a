#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Compare two builds of kbdus.ko in one VM boot: receiver wake-ups per
# request and IOPS of bdus-ram (4 receiver threads) under fio 4k randread.
set -euo pipefail

usage() {
	cat <<'USAGE'
usage: kernel/bench.sh [OPTIONS]

Builds kbdus.ko twice for one VM kernel, "base" from the sources of a git
revision (kernel/src and kernel/include of REV) and "work" from the working
tree, boots the kernel once under QEMU (kernel/vm/vmrun) and, in that boot,
loads one module after the other, ROUNDS times alternately.  Each time it
serves a 256 MiB bdus-ram device with 4 receiver threads (queue depth 32)
and runs fio 4k random reads (O_DIRECT, libaio) at QD1 and QD32 for SECS
seconds each.  For every run it reports IOPS and the receiver threads'
voluntary context switches per request: a receiver that sleeps in the
receive ioctl and is woken switches once, so this counts wake-ups,
including those that find no request.  Finally one line per module and
queue depth with the mean over the rounds.

Options:
  -k, --kernel K     6.1 (default), 6.12 or 7
  -b, --base REV     git revision of the base build (default: main)
  -r, --runtime SECS fio run time per queue depth (default 10)
  -n, --rounds N     alternating rounds base, work (default 2)
  -c, --cpus N       virtual CPUs of the VM (default 2)
  -h, --help         this text

Takes about 2 minutes with the defaults, plus the builds (≈30 s, more for
7.x).  Needs root and the VM cache of kernel/vm/setup.sh (BDUS_VM_DIR,
default <repo>/.vm; created on first use).  Results: the table on stdout,
raw lines in <cache>/bench/share/bench.txt.
USAGE
}

# ---------------------------------------------------------------- in the VM
# bench.sh --in-vm RUNTIME ROUNDS: runs inside the VM, modules in the share.
in_vm() {
	local rt=$1 rounds=$2 here ram out round m qd id pid f s0 s1 line
	here=$(cd "$(dirname "$0")" && pwd)
	ram=$here/tests/bdus-ram
	out=$VM_SHARE/bench.txt
	: >"$out"
	switches() { # PID: voluntary context switches of all its threads
		cat /proc/"$1"/task/*/status |
			awk '/^voluntary_ctxt_switches/ { s += $2 } END { print s }'
	}
	for round in $(seq "$rounds"); do
		for m in base work; do
			insmod "$VM_SHARE/$m/kbdus.ko"
			f=$(mktemp)
			"$ram" create --size $((256 << 20)) --threads 4 --queue-depth 32 \
				--no-partitions >"$f" &
			pid=$!
			while [ ! -s "$f" ]; do
				kill -0 "$pid" || { echo "bdus-ram failed ($m)"; exit 1; }
				sleep 0.1
			done
			id=$(head -n1 "$f")
			for qd in 1 32; do
				s0=$(switches "$pid")
				line=$(fio --name=bench --filename="/dev/bdus-$id" \
					--direct=1 --ioengine=libaio --iodepth="$qd" \
					--rw=randread --bs=4k --runtime="$rt" --time_based \
					--eta=never --output-format=terse --terse-version=3)
				s1=$(switches "$pid")
				# terse v3: field 6 = KiB read, field 8 = read IOPS
				echo "$line" | awk -F';' -v m="$m" -v qd="$qd" -v r="$round" \
					-v sw=$((s1 - s0)) '{ ios = $6 / 4;
					printf "%s %d %d %d %d %d %.3f\n", m, qd, r, $8, ios, sw,
					ios ? sw / ios : 0 }' | tee -a "$out"
			done
			"$ram" destroy "$id"
			wait "$pid"
			rm -f "$f"
			rmmod kbdus
		done
	done
}

if [ "${1:-}" = --in-vm ]; then
	shift
	in_vm "$@"
	exit
fi

# ------------------------------------------------------------- on the host
K=6.1 BASE=main RT=10 ROUNDS=2 CPUS=2
while [ $# -gt 0 ]; do
	case $1 in
	-k | --kernel) K=$2; shift 2 ;;
	-b | --base) BASE=$2; shift 2 ;;
	-r | --runtime) RT=$2; shift 2 ;;
	-n | --rounds) ROUNDS=$2; shift 2 ;;
	-c | --cpus) CPUS=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "bench.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
done
case $K in 6.1 | 6.12 | 7) ;; *) echo "bench.sh: --kernel: 6.1, 6.12 or 7, not '$K'" >&2; exit 2 ;; esac
[[ $RT =~ ^[1-9][0-9]*$ ]] && [ "$RT" -le 60 ] ||
	{ echo "bench.sh: --runtime: 1..60 seconds, not '$RT'" >&2; exit 2; }
[[ $ROUNDS =~ ^[1-9]$ ]] ||
	{ echo "bench.sh: --rounds: 1..9, not '$ROUNDS'" >&2; exit 2; }
[[ $CPUS =~ ^[1-8]$ ]] ||
	{ echo "bench.sh: --cpus: 1..8, not '$CPUS'" >&2; exit 2; }

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
export BDUS_VM_DIR=${BDUS_VM_DIR:-$REPO/.vm}
git -C "$REPO" rev-parse --verify -q "$BASE^{commit}" >/dev/null ||
	{ echo "bench.sh: --base: no git revision '$BASE'" >&2; exit 2; }

B=$BDUS_VM_DIR/bench
SHARE=$B/share
rm -rf "$B"
mkdir -p "$SHARE/base" "$SHARE/work" "$B/base-src/kernel"

echo "-- build: base = $BASE ($(git -C "$REPO" rev-parse --short "$BASE")), work = working tree, kernel $K"
# The base sources with this tree's build harness.
cp -r "$HERE/Kbuild" "$HERE/Makefile" "$HERE/vm" "$B/base-src/kernel/"
git -C "$REPO" archive "$BASE" kernel/src kernel/include | tar -x -C "$B/base-src"
"$B/base-src/kernel/vm/build-kbdus.sh" "$K" "$SHARE/base" >"$B/build-base.log" 2>&1 ||
	{ tail -n 20 "$B/build-base.log"; exit 1; }
"$HERE/vm/build-kbdus.sh" "$K" "$SHARE/work" >"$B/build-work.log" 2>&1 ||
	{ tail -n 20 "$B/build-work.log"; exit 1; }
make -C "$HERE/tests" bdus-ram >"$B/build-ram.log" 2>&1 ||
	{ tail -n 20 "$B/build-ram.log"; exit 1; }

echo "-- VM ($K, $CPUS vCPUs): $ROUNDS rounds x (base, work) x (QD1, QD32) x ${RT}s"
"$HERE/vm/vmrun" -k "$K" -c "$CPUS" -s "$SHARE" -q -t 900 "$HERE/bench.sh" --in-vm "$RT" "$ROUNDS" ||
	{ echo "bench.sh: VM run failed; console: $SHARE/console.log" >&2; exit 1; }

echo "host load average (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg)"
echo "module QD round   IOPS  requests  switches  switches/request"
awk '{ printf "%-6s %2d %5d %6d %9d %9d %17.3f\n", $1, $2, $3, $4, $5, $6, $7 }' "$SHARE/bench.txt"
echo "mean:"
awk '{ k = $1 " " $2; n[k]++; iops[k] += $4; ios[k] += $5; sw[k] += $6 }
	END { for (k in n) { split(k, a, " ");
		printf "%-6s QD%-2d %8.0f IOPS %8.3f switches/request\n", a[1], a[2],
			iops[k] / n[k], sw[k] / ios[k] } }' "$SHARE/bench.txt" | sort
