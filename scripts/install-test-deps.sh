#!/usr/bin/env bash
# Installs the Debian packages the host tests and benchmarks use, if they are missing.
set -euo pipefail

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
    echo "Usage: scripts/install-test-deps.sh"
    echo "Installs fio, e2fsprogs, util-linux, gcc and linux-libc-dev with apt-get when missing (needs root)."
    exit 0
fi

missing=()
command -v fio >/dev/null || missing+=(fio)
command -v mkfs.ext4 >/dev/null || missing+=(e2fsprogs)
command -v blkdiscard >/dev/null || missing+=(util-linux)
command -v losetup >/dev/null || missing+=(mount)
command -v gcc >/dev/null || missing+=(gcc)
[ -f /usr/include/linux/ioctl.h ] || missing+=(linux-libc-dev)

if [ ${#missing[@]} -eq 0 ]; then
    echo "Test dependencies present: fio, e2fsprogs, util-linux, gcc, linux-libc-dev"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "Missing ${missing[*]}; run as root to install them" >&2
    exit 1
fi
echo "Installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
