#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build kbdus.ko for one of the VM kernels into kernel/build/<kver>/kbdus.ko
# (or OUTDIR/kbdus.ko), with KCFLAGS=-Werror, from a copy of the sources so
# that builds for different kernels never share objects.  The 6.1 and 6.12
# modules are built on the host (gcc-12, like Debian's bookworm kernels); the
# 7.x module inside the trixie root of kernel/vm/setup.sh (gcc-14, trixie's
# kbuild), entered with chroot in a private mount namespace.  Prints the
# module's path.
set -euo pipefail

usage() {
	cat <<'USAGE'
usage: kernel/vm/build-kbdus.sh [--help] 6.1|6.12|7 [OUTDIR]

Builds kernel/kbdus.ko's sources for the given kernel of the VM test harness
(Debian's current 6.1, newest 6.12+deb12, newest 7.x from trixie-backports;
see kernel/vm/setup.sh, which it runs first) with -Werror, and prints the
path of the module: kernel/build/<kver>/kbdus.ko unless OUTDIR is given.
For a DKMS or in-tree build use `make -C kernel` instead.
USAGE
}

case ${1:-} in
-h | --help) usage; exit 0 ;;
6.1 | 6.12 | 7) K=$1 ;;
*) usage >&2; exit 2 ;;
esac

HERE=$(cd "$(dirname "$0")" && pwd)
KSRC=$(cd "$HERE/.." && pwd)
REPO=$(cd "$KSRC/.." && pwd)
export BDUS_VM_DIR=${BDUS_VM_DIR:-$REPO/.vm}

"$HERE/setup.sh" >/dev/null 2>"$BDUS_VM_DIR/setup.log" ||
	{ cat "$BDUS_VM_DIR/setup.log" >&2; exit 1; }
# shellcheck disable=SC1091
. "$BDUS_VM_DIR/env"

T=${K//./}
eval "KVER=\$KVER$T KDIR=\$KDIR$T KOBJ=\$KOBJ$T"
OUT=${2:-$KSRC/build/$KVER}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

copy_src() { # <dir>
	rm -rf "$1"
	mkdir -p "$1"
	cp -r "$KSRC/Kbuild" "$KSRC/Makefile" "$KSRC/src" "$KSRC/include" "$1/"
}

if [ "$K" = 7 ]; then
	B=/build/kbdus-$$
	copy_src "$TROOT$B"
	trap 'rm -rf "$TROOT$B"' EXIT
	# objtool reads /proc; the mount vanishes with the namespace.
	unshare -m --propagation private sh -c '
		mount -t proc proc "$1/proc" &&
		exec chroot "$1" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root \
			make -C "$2" KDIR="$3" KOBJ="$4" KCFLAGS=-Werror modules' \
		sh "$TROOT" "$B" "$KDIR" "$KOBJ" >&2
	cp "$TROOT$B/kbdus.ko" "$OUT/kbdus.ko"
else
	B=$OUT/src-copy
	copy_src "$B"
	make -C "$B" KDIR="$KDIR" KOBJ="$KOBJ" KCFLAGS=-Werror modules >&2
	cp "$B/kbdus.ko" "$OUT/kbdus.ko"
	rm -rf "$B"
fi
modinfo -F vermagic "$OUT/kbdus.ko" | grep -q "^$KVER " ||
	{ echo "build-kbdus: $OUT/kbdus.ko is not for $KVER" >&2; exit 1; }
echo "$OUT/kbdus.ko"
