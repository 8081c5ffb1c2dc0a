#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the tiny, uncompressed initramfs: busybox-static, the modules needed
# for virtio-mmio + 9p + overlayfs (with their dependencies, in load order;
# .ko.xz modules are decompressed for busybox insmod; built-in ones skipped)
# and our /init.
# usage: mkinitramfs.sh <unpacked-kernel-root> <kver> <out.cpio>
set -euo pipefail
if [ $# -ne 3 ] || [ "$1" = --help ] || [ "$1" = -h ]; then
	echo "usage: mkinitramfs.sh <unpacked-kernel-root> <kver> <out.cpio>"
	echo "Builds the test VM's initramfs (busybox-static, virtio/9p/overlay modules, /init)."
	[ "${1:-}" = --help ] || [ "${1:-}" = -h ]
	exit $?
fi
KROOT=$1; KVER=$2; OUT=$3
MODDIR=$KROOT/lib/modules/$KVER
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W"/{bin,dev,proc,sys,newroot,lower,upper,mods}
cp /bin/busybox "$W/bin/busybox"
WANT="virtio_pci virtio_mmio virtio_rng 9pnet_virtio 9p overlay"
order=()
add() { # $1 = path relative to $MODDIR
	local p=$1 x d deps rev=()
	for x in "${order[@]:-}"; do [ "$x" = "$p" ] && return 0; done
	deps=$(grep -E "^$p:" "$MODDIR/modules.dep" | cut -d: -f2 || true)
	for d in $deps; do rev=("$d" "${rev[@]}"); done
	for d in "${rev[@]:-}"; do [ -n "$d" ] && add "$d"; done
	order+=("$p")
}
for m in $WANT; do
	p=$(grep -E "/${m//_/[_-]}\.ko(\.xz)?:" "$MODDIR/modules.dep" | cut -d: -f1 | head -1 || true)
	if [ -z "$p" ]; then
		# Built into this kernel (6.12 and later have virtio and virtio_pci).
		grep -qE "/${m//_/[_-]}\.ko\$" "$MODDIR/modules.builtin" ||
			{ echo "module $m neither built in nor found" >&2; exit 1; }
		continue
	fi
	add "$p"
done
: >"$W/mods/order"
for p in "${order[@]}"; do
	cp "$MODDIR/$p" "$W/mods/"
	b=$(basename "$p")
	case $b in *.xz) xz -d "$W/mods/$b"; b=${b%.xz} ;; esac
	echo "$b" >>"$W/mods/order"
done
cp "$(dirname "$0")/init" "$W/init"
chmod +x "$W/init"
(cd "$W" && find . | busybox cpio -o -H newc 2>/dev/null) >"$OUT"
echo "initramfs: $(du -h "$OUT" | cut -f1), modules: $(tr '\n' ' ' <"$W/mods/order")"
