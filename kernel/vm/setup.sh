#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepare everything the VM tests need, idempotently, for the three kernels
# the module supports:
#   6.1   Debian bookworm's current kernel (linux-image-amd64's ABI);
#   6.12  the newest 6.12.N+deb12 kernel of bookworm-security;
#   7     the newest 7.x kernel of trixie-backports (trixie's archive is read
#         through a private apt configuration under the cache directory; the
#         machine's sources are not touched);
# that is: the host packages (apt-get, only those that are missing), each
# kernel's image, modules and headers (apt-get download + dpkg -x under the
# cache), modules.dep, the uncompressed PVH vmlinux and a tiny initramfs per
# kernel, and a throwaway trixie root (mmdebstrap: gcc-14, make, libc6-dev,
# libelf1t64, dwarves) that the 7.x module is built in, since trixie's
# headers need gcc-14 and a kbuild linked against trixie's libc.
#
# Cache directory: ${BDUS_VM_DIR:-<repo>/.vm}.  A second run only re-checks
# (apt lists are refreshed when older than a day).  Versions are always the
# newest available at run time.  On success it writes $BDUS_VM_DIR/env, a
# shell fragment defining, for K in 61 612 7:
#   KVER<K> KROOT<K> MODDIR<K> VMLINUX<K> INITRAMFS<K>   (booting)
#   KDIR<K> KOBJ<K>  header trees (for 7: paths inside TROOT)
# and TROOT (the trixie root).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
VMDIR=${BDUS_VM_DIR:-$REPO/.vm}

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
	awk 'NR > 3 && !/^#/ { exit } NR > 3 { sub(/^# ?/, ""); print }' "$0"
	exit 0
fi

mkdir -p "$VMDIR"
VMDIR=$(cd "$VMDIR" && pwd)

log() { echo "[setup] $*" >&2; }

# One setup at a time per cache directory (CI and other VM users share it).
exec 9>"$VMDIR/.setup.lock"
flock 9

# ---------------------------------------------------------------- packages
PKGS="qemu-system-x86 busybox-static fio dwarves kmod zstd python3 util-linux
      e2fsprogs fdisk gcc make libc6-dev libelf1 xz-utils cpio gcc-multilib
      mmdebstrap debian-archive-keyring"
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
# a day, so that the versions chosen below can still be downloaded.
fresh_lists() { # <lists dir>
	find "$1" -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | grep -q .
}
fresh_lists /var/lib/apt/lists || apt_update

# Private apt configuration for trixie + trixie-backports.
TAPT=$VMDIR/apt-trixie
mkdir -p "$TAPT/lists/partial" "$TAPT/cache/archives/partial"
cat >"$TAPT/sources.list" <<'EOF'
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie-backports main
EOF
: >"$TAPT/status"
TOPTS=(-o "Dir::Etc::SourceList=$TAPT/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o "Dir::State::Lists=$TAPT/lists" -o "Dir::Cache=$TAPT/cache"
	-o "Dir::State::status=$TAPT/status" -o APT::Architecture=amd64
	-o Debug::NoLocking=1)
tupdated=0
tapt_update() {
	if [ $tupdated = 0 ]; then
		log "apt-get update (trixie, private lists)"
		apt-get "${TOPTS[@]}" update -qq >&2
		tupdated=1
	fi
}
fresh_lists "$TAPT/lists" || tapt_update

# Nothing to choose again while the package lists, this script and the
# initramfs parts are unchanged since the last successful run.
stamp() {
	stat -c '%n %Y' /var/lib/apt/lists/*_Packages* "$TAPT"/lists/*_Packages* \
		"$0" "$HERE/init" "$HERE/mkinitramfs.sh" "$HERE/extract-vmlinux.py" \
		2>/dev/null | md5sum | cut -d' ' -f1
}
STAMP=$(stamp)
artefacts_exist() {
	local f
	for f in $(sed -n 's/^\(VMLINUX\|INITRAMFS\|MODDIR\|KOBJ6\|TROOT\)[0-9]*=//p' \
		"$VMDIR/env"); do
		[ -e "$f" ] || return 1
	done
}
if [ -s "$VMDIR/env" ] && grep -qx "# stamp $STAMP" "$VMDIR/env" &&
	artefacts_exist; then
	log "up to date ($VMDIR)"
	exit 0
fi

# ---------------------------------------------------------------- versions
# The 6.1 ABI of the moment comes from the linux-image-amd64 meta package.
kpkg61() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/{print $2; exit}'
}
KPKG61=$(kpkg61 || true)
if [ -z "$KPKG61" ] || ! apt-cache show "$KPKG61" >/dev/null 2>&1; then
	apt_update
	KPKG61=$(kpkg61)
fi
[ -n "$KPKG61" ] || { log "cannot determine the 6.1 kernel package"; exit 1; }
KVER61=${KPKG61#linux-image-}

# newest KVER (e.g. 6.12.117+deb12-amd64) whose image AND headers exist;
# no meta package: apt-cache search + sort -V.  Args: apt options, regex of
# the version part.
newest_kver() {
	local re=$1
	shift
	comm -12 \
		<(apt-cache "$@" search --names-only "^linux-image-${re}-amd64(-unsigned)?\$" |
			awk '{print $1}' | sed -E 's/^linux-image-//; s/-unsigned$//' | sort -u) \
		<(apt-cache "$@" search --names-only "^linux-headers-${re}-amd64\$" |
			awk '{print $1}' | sed 's/^linux-headers-//' | sort -u) |
		sort -V | tail -1
}
KVER612=$(newest_kver '6\.12\.[0-9]+\+deb12' || true)
if [ -z "$KVER612" ]; then
	apt_update
	KVER612=$(newest_kver '6\.12\.[0-9]+\+deb12')
fi
[ -n "$KVER612" ] || { log "no 6.12 kernel found in the apt lists"; exit 1; }
KVER7=$(newest_kver '7\.[0-9]+\.[0-9]+\+deb13' "${TOPTS[@]}" || true)
if [ -z "$KVER7" ]; then
	tapt_update
	KVER7=$(newest_kver '7\.[0-9]+\.[0-9]+\+deb13' "${TOPTS[@]}")
fi
[ -n "$KVER7" ] || { log "no 7.x kernel found in trixie-backports"; exit 1; }
log "kernels: $KVER61, $KVER612, $KVER7"

# The packages that make up a kernel image: the -unsigned image if there is
# one, else the image and (newer packaging) the base/binary/modules packages
# it depends on, preferring linux-binary-unsigned-*.  Args: kver, apt opts.
image_pkgs() {
	local kver=$1 p d
	shift
	if apt-cache "$@" show "linux-image-$kver-unsigned" >/dev/null 2>&1; then
		echo "linux-image-$kver-unsigned"
		return
	fi
	echo "linux-image-$kver"
	for d in $(apt-cache "$@" depends "linux-image-$kver" |
		awk '/Depends: linux-(base|binary|modules)-/{print $2}'); do
		p=$d
		case $d in linux-binary-*)
			apt-cache "$@" show "linux-binary-unsigned-${d#linux-binary-}" \
				>/dev/null 2>&1 && p=linux-binary-unsigned-${d#linux-binary-} ;;
		esac
		echo "$p"
	done
}

# ---------------------------------------------------------------- downloads
DEBS=$VMDIR/debs
mkdir -p "$DEBS"
fetch_unpack() { # <dest-root> <apt-cmd prefix: host|trixie> <pkg>...
	local root=$1 where=$2 p opts=()
	shift 2
	[ "$where" = trixie ] && opts=("${TOPTS[@]}")
	mkdir -p "$root"
	for p in "$@"; do
		[ -e "$root/.unpacked-$p" ] && continue
		if ! ls "$DEBS/${p}_"*.deb >/dev/null 2>&1; then
			log "downloading $p"
			(cd "$DEBS" && apt-get "${opts[@]}" download -qq "$p" >/dev/null 2>&1) || {
				if [ "$where" = trixie ]; then tapt_update; else apt_update; fi
				(cd "$DEBS" && apt-get "${opts[@]}" download -qq "$p" >&2)
			}
		fi
		log "unpacking $p"
		dpkg -x "$(ls "$DEBS/${p}_"*.deb | sort -V | tail -1)" "$root"
		touch "$root/.unpacked-$p"
	done
}

abi() { echo "${1%-amd64}"; }

# 6.1: image + headers on the host (gcc-12 builds it).
KROOT61=$VMDIR/kroot-$KVER61
fetch_unpack "$KROOT61" host "$KPKG61" "linux-headers-$KVER61" \
	"linux-headers-$(abi "$KVER61")-common" linux-kbuild-6.1
# 6.12: likewise, from bookworm-security.
KROOT612=$VMDIR/kroot-$KVER612
# shellcheck disable=SC2046
fetch_unpack "$KROOT612" host $(image_pkgs "$KVER612") "linux-headers-$KVER612" \
	"linux-headers-$(abi "$KVER612")-common" "linux-kbuild-$(abi "$KVER612")"
# 7.x: image and modules for booting; its headers go into the trixie root.
KROOT7=$VMDIR/kroot-$KVER7
# shellcheck disable=SC2046
fetch_unpack "$KROOT7" trixie $(image_pkgs "$KVER7" "${TOPTS[@]}")

# The trixie build root.
TROOT=$VMDIR/trixie-root
if [ ! -e "$TROOT/.complete" ]; then
	log "creating the trixie build root (mmdebstrap, about a minute)"
	rm -rf "$TROOT" "$TROOT.tmp"
	mmdebstrap --variant=apt --mode=root --quiet \
		--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
		--include=gcc-14,make,libc6-dev,libelf1t64,libssl3t64,zlib1g,dwarves,kmod,xz-utils \
		trixie "$TROOT.tmp" http://deb.debian.org/debian >&2
	mv "$TROOT.tmp" "$TROOT"
	touch "$TROOT/.complete"
fi
fetch_unpack "$TROOT" trixie "linux-headers-$KVER7" \
	"linux-headers-$(abi "$KVER7")-common" "linux-kbuild-$(abi "$KVER7")"

# ------------------------------------------------------- boot artefacts
# Newer packages ship modules in /usr/lib/modules only (merged /usr); depmod
# and mkinitramfs look in <root>/lib/modules.
moddir() { # <kroot> <kver>
	local r=$1 v=$2
	[ -e "$r/lib" ] || ln -s usr/lib "$r/lib"
	echo "$r/lib/modules/$v"
}
vmlinuz_of() { # <kroot> <kver>
	local f
	for f in "$1/boot/vmlinuz-$2" "$1/usr/lib/modules/$2/vmlinuz" \
		"$1/usr/lib/modules/$2/vmlinuz.unsigned"; do
		[ -e "$f" ] && { echo "$f"; return; }
	done
	log "no vmlinuz for $2 in $1"
	return 1
}
prepare_boot() { # <kroot> <kver>
	local kroot=$1 kver=$2 md vml ird
	md=$(moddir "$kroot" "$kver")
	if [ ! -s "$md/modules.dep.bin" ]; then
		log "depmod for $kver"
		depmod -b "$kroot" "$kver"
	fi
	vml=$VMDIR/vmlinux-$kver
	if [ ! -s "$vml" ]; then
		log "extracting vmlinux of $kver"
		python3 "$HERE/extract-vmlinux.py" "$(vmlinuz_of "$kroot" "$kver")" "$vml.tmp" >&2
		mv "$vml.tmp" "$vml"
	fi
	ird=$VMDIR/initramfs-$kver.cpio
	if [ ! -s "$ird" ] || [ "$HERE/init" -nt "$ird" ] ||
		[ "$HERE/mkinitramfs.sh" -nt "$ird" ]; then
		log "building the initramfs of $kver"
		"$HERE/mkinitramfs.sh" "$kroot" "$kver" "$ird.tmp" >&2
		mv "$ird.tmp" "$ird"
	fi
}
prepare_boot "$KROOT61" "$KVER61"
prepare_boot "$KROOT612" "$KVER612"
prepare_boot "$KROOT7" "$KVER7"

hdr() { echo "$1/usr/src/linux-headers-$2"; }
cat >"$VMDIR/env.tmp" <<EOF
# stamp $STAMP
KVER61=$KVER61
KROOT61=$KROOT61
MODDIR61=$(moddir "$KROOT61" "$KVER61")
VMLINUX61=$VMDIR/vmlinux-$KVER61
INITRAMFS61=$VMDIR/initramfs-$KVER61.cpio
KDIR61=$(hdr "$KROOT61" "$(abi "$KVER61")-common")
KOBJ61=$(hdr "$KROOT61" "$KVER61")
KVER612=$KVER612
KROOT612=$KROOT612
MODDIR612=$(moddir "$KROOT612" "$KVER612")
VMLINUX612=$VMDIR/vmlinux-$KVER612
INITRAMFS612=$VMDIR/initramfs-$KVER612.cpio
KDIR612=$(hdr "$KROOT612" "$(abi "$KVER612")-common")
KOBJ612=$(hdr "$KROOT612" "$KVER612")
KVER7=$KVER7
KROOT7=$KROOT7
MODDIR7=$(moddir "$KROOT7" "$KVER7")
VMLINUX7=$VMDIR/vmlinux-$KVER7
INITRAMFS7=$VMDIR/initramfs-$KVER7.cpio
TROOT=$TROOT
KDIR7=$(hdr "" "$(abi "$KVER7")-common")
KOBJ7=$(hdr "" "$KVER7")
EOF
mv "$VMDIR/env.tmp" "$VMDIR/env"
log "ready ($VMDIR)"
