#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepare everything the VM tests need, idempotently:
#   - the host packages (apt-get, only those that are missing);
#   - Debian's current 6.1 kernel image + headers, and the newest 6.12 headers,
#     downloaded with `apt-get download` and unpacked under the cache directory;
#   - modules.dep for the unpacked 6.1 tree, the uncompressed PVH vmlinux and a
#     tiny initramfs.
#
# Cache directory: ${BDUS_VM_DIR:-<repo>/.vm}.  A second run only re-checks.
# On success it writes $BDUS_VM_DIR/env, a shell fragment defining
# KVER61, KDIR61 (common tree), KOBJ61 (arch tree), KROOT61, KVER612, KDIR612,
# KOBJ612, VMLINUX, INITRAMFS.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
VMDIR=${BDUS_VM_DIR:-$REPO/.vm}
mkdir -p "$VMDIR"
VMDIR=$(cd "$VMDIR" && pwd)

log() { echo "[setup] $*" >&2; }

# One setup at a time per cache directory (CI and other VM users share it).
exec 9>"$VMDIR/.setup.lock"
flock 9

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
	sed -n '3,14p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi

# ---------------------------------------------------------------- packages
PKGS="qemu-system-x86 busybox-static fio dwarves kmod zstd python3 util-linux
      e2fsprogs fdisk gcc make libc6-dev libelf1 xz-utils cpio"
missing=()
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
updated=0
apt_update() {
	if [ $updated = 0 ]; then
		log "apt-get update"
		apt-get update -qq >&2
		updated=1
	fi
}
if [ ${#missing[@]} -gt 0 ]; then
	apt_update
	log "installing: ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >&2
fi

# Kernel packages move with every security update: refresh lists older than
# a day, so that the ABI chosen below can still be downloaded.
if ! find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null |
	grep -q .; then
	apt_update
fi

# ---------------------------------------------------------------- kernel ABI
# The 6.1 ABI of the moment comes from the linux-image-amd64 meta package.
kpkg61() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/{print $2; exit}'
}
KPKG=$(kpkg61 || true)
if [ -z "$KPKG" ] || ! apt-cache show "$KPKG" >/dev/null 2>&1; then
	apt_update
	KPKG=$(kpkg61)
fi
[ -n "$KPKG" ] || { log "cannot determine the 6.1 kernel package"; exit 1; }
KVER61=${KPKG#linux-image-}
ABI61=${KVER61%-amd64}

# 6.12: no meta package; pick the newest headers with apt-cache search + sort -V.
pick612() {
	apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' |
		awk '{print $1}' | sort -V | tail -1
}
H612=$(pick612 || true)
if [ -z "$H612" ]; then
	apt_update
	H612=$(pick612)
fi
[ -n "$H612" ] || { log "no 6.12 headers found in the apt lists"; exit 1; }
KVER612=${H612#linux-headers-}
ABI612=${KVER612%-amd64}
KB612=linux-kbuild-${ABI612}
log "6.1 kernel: $KVER61, 6.12 headers: $KVER612"

# ---------------------------------------------------------------- downloads
fetch_unpack() { # <dest-root> <pkg>...
	local root=$1; shift
	local debs=$VMDIR/debs
	mkdir -p "$debs" "$root"
	local p
	for p in "$@"; do
		if [ -e "$root/.unpacked-$p" ]; then continue; fi
		if ! ls "$debs/${p}_"*.deb >/dev/null 2>&1; then
			log "downloading $p"
			(cd "$debs" && apt-get download -qq "$p" >/dev/null 2>&1) ||
				{ apt_update; (cd "$debs" && apt-get download -qq "$p" >&2); }
		fi
		log "unpacking $p"
		dpkg -x "$(ls "$debs/${p}_"*.deb | sort -V | tail -1)" "$root"
		touch "$root/.unpacked-$p"
	done
}

KROOT61=$VMDIR/kroot-$KVER61
KROOT612=$VMDIR/kroot-$KVER612
fetch_unpack "$KROOT61" "linux-image-$KVER61" "linux-headers-$KVER61" \
	"linux-headers-$ABI61-common" linux-kbuild-6.1
fetch_unpack "$KROOT612" "linux-headers-$KVER612" \
	"linux-headers-$ABI612-common" "$KB612"

MODDIR=$KROOT61/lib/modules/$KVER61
if [ ! -s "$MODDIR/modules.dep.bin" ]; then
	log "depmod for $KVER61"
	depmod -b "$KROOT61" "$KVER61"
fi

VMLINUX=$VMDIR/vmlinux-$KVER61
if [ ! -s "$VMLINUX" ]; then
	log "extracting vmlinux"
	python3 "$HERE/extract-vmlinux.py" "$KROOT61/boot/vmlinuz-$KVER61" "$VMLINUX.tmp" >&2
	mv "$VMLINUX.tmp" "$VMLINUX"
fi

INITRAMFS=$VMDIR/initramfs-$KVER61.cpio
if [ ! -s "$INITRAMFS" ] || [ "$HERE/init" -nt "$INITRAMFS" ] ||
	[ "$HERE/mkinitramfs.sh" -nt "$INITRAMFS" ]; then
	log "building initramfs"
	"$HERE/mkinitramfs.sh" "$KROOT61" "$KVER61" "$INITRAMFS.tmp" >&2
	mv "$INITRAMFS.tmp" "$INITRAMFS"
fi

cat >"$VMDIR/env.tmp" <<EOF
KVER61=$KVER61
KROOT61=$KROOT61
KDIR61=$KROOT61/usr/src/linux-headers-$ABI61-common
KOBJ61=$KROOT61/usr/src/linux-headers-$KVER61
KVER612=$KVER612
KDIR612=$KROOT612/usr/src/linux-headers-$ABI612-common
KOBJ612=$KROOT612/usr/src/linux-headers-$KVER612
VMLINUX=$VMLINUX
INITRAMFS=$INITRAMFS
EOF
mv "$VMDIR/env.tmp" "$VMDIR/env"
log "ready ($VMDIR)"
