#!/usr/bin/env bash
# fio side by side inside the kernel test VM: the kernel's own RAM disk (brd), a RAM-disk
# BlockDriver served over kbdus, and the same driver over fuse-loop; prints IOPS and ratios.
set -euo pipefail

usage() {
    cat <<'TXT'
Usage: scripts/bench-kbdus-vm.sh [--runtime SECONDS] [--help]

Boots the kernel test VM (Debian's 6.1 kernel under QEMU/TCG) and runs fio 4k random
reads and writes on /dev/ram0 (brd, kernel only), on /dev/bdus-N (RamDiskDriver over
kbdus) and on /dev/loopN (RamDiskDriver over fuse-loop), all in the same VM run, and
prints IOPS with the ratio to brd. Emulation makes every number small: only the
ratios mean something. Needs root and kernel/kbdus.ko (kernel/ci.sh builds it).

  --runtime SECONDS   per workload and device (default 8)
TXT
}
runtime=8
while [ $# -gt 0 ]; do
    case "$1" in
        --runtime) runtime=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
    esac
done

cd "$(dirname "$0")/.."
repo=$(pwd)
[ -f kernel/kbdus.ko ] || { echo "kernel/kbdus.ko is missing: run kernel/ci.sh first" >&2; exit 2; }
export BDUS_VM_DIR=${BDUS_VM_DIR:-$repo/.vm}
./mvnw -q -B -ntp -pl bdus-native package -DskipTests  # builds the cli jar scripts/bdus runs

share="$BDUS_VM_DIR/bench-vm"
rm -rf "$share"
mkdir -p "$share"
cat > "$share/run.sh" <<GUEST
#!/bin/bash
set -u
cd "$repo"
insmod kernel/kbdus.ko || exit 90
modprobe brd rd_nr=1 rd_size=262144 || exit 91
modprobe fuse 2>/dev/null; modprobe loop 2>/dev/null
start_server() { # transport log
    scripts/bdus serve --name "b-\$1" --size 256M --workers 2 --transport "\$1" \
        --state-dir /run/bdus-bench >"\$2" 2>&1 &
    for _ in \$(seq 1 600); do grep -q '^READY ' "\$2" && break; sleep 0.2; done
    awk '/^READY /{print \$2}' "\$2"
}
iops() { # device rw engine depth
    fio --name=b --filename="\$1" --rw="\$2" --bs=4k --direct=1 --ioengine="\$3" --iodepth="\$4" \
        --time_based --runtime=$runtime --eta=never --output-format=json 2>/dev/null \
      | python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"][0]; print(int(j["read"]["iops"]+j["write"]["iops"]))'
}
kbdus_dev=\$(start_server kbdus "\$VM_SHARE/kbdus.log")
fuse_dev=\$(start_server fuse-loop "\$VM_SHARE/fuse.log")
[ -n "\$kbdus_dev" ] && [ -n "\$fuse_dev" ] || { cat "\$VM_SHARE"/*.log; exit 92; }
for d in /dev/ram0 "\$kbdus_dev" "\$fuse_dev"; do dd if=/dev/zero of="\$d" bs=1M count=256 oflag=direct status=none; done
printf '%-28s %10s %10s %7s %10s %7s\n' "workload (4k, direct)" brd kbdus ratio fuse-loop ratio
for w in "randread psync 1" "randread libaio 16" "randwrite libaio 16"; do
    set -- \$w
    b=\$(iops /dev/ram0 \$1 \$2 \$3); k=\$(iops "\$kbdus_dev" \$1 \$2 \$3); f=\$(iops "\$fuse_dev" \$1 \$2 \$3)
    printf '%-28s %10s %10s %7s %10s %7s\n' "\$1 \$2 QD\$3" "\$b" "\$k" \
        "\$(python3 -c "print(f'{\$k/\$b:.2f}')")" "\$f" "\$(python3 -c "print(f'{\$f/\$b:.2f}')")"
done
for t in kbdus fuse-loop; do scripts/bdus destroy "\$t/b-\$t" --state-dir /run/bdus-bench; done
GUEST
chmod +x "$share/run.sh"
echo "Booting the VM; this takes a few minutes..."
kernel/vm/vmrun --quiet --share "$share" --memory 3G --timeout 1200 "$share/run.sh" >"$share/out.txt" 2>&1 || {
    rc=$?; cat "$share/out.txt"; tail -20 "$share/console.log"; exit "$rc"; }
grep -A5 '^workload' "$share/console.log" | sed 's/^\[[^]]*\] //'
