#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Extract the uncompressed ELF vmlinux from an x86 bzImage: xz (Debian's 6.1
# kernels) or zstd (6.12 and later).  Booting the ELF through its PVH entry
# saves the in-guest decompression, which costs seconds under TCG.
# usage: extract-vmlinux.py <bzImage> <out>
import lzma
import struct
import subprocess
import sys

if len(sys.argv) != 3 or sys.argv[1] in ("-h", "--help"):
    print("usage: extract-vmlinux.py <bzImage> <out>\n"
          "Writes the uncompressed ELF vmlinux inside an xz- or zstd-compressed\n"
          "x86 bzImage to <out>.")
    sys.exit(0 if len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help") else 2)

data = open(sys.argv[1], 'rb').read()


def payload():
    """The compressed kernel, located through the x86 boot protocol header."""
    if data[0x202:0x206] != b'HdrS':
        return None
    setup_sects = data[0x1f1] or 4
    offset, length = struct.unpack_from('<II', data, 0x248)
    start = (setup_sects + 1) * 512 + offset
    return data[start:start + length]


def unxz(blob):
    return lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(blob)


def unzstd(blob):
    # The payload ends with the 4-byte uncompressed size, not zstd data.
    return subprocess.run(['zstd', '-d', '-c', '-q'], input=blob[:-4],
                          stdout=subprocess.PIPE, check=True).stdout


def done(out, how):
    with open(sys.argv[2], 'wb') as f:
        f.write(out)
    print(f"vmlinux: {len(out)} bytes ({how})")
    sys.exit(0)


p = payload()
if p is not None:
    try:
        if p.startswith(b'\xfd7zXZ\x00'):
            out = unxz(p)
        elif p.startswith(b'\x28\xb5\x2f\xfd'):
            out = unzstd(p)
        else:
            out = b''
        if out[:4] == b'\x7fELF':
            done(out, "boot header payload")
    except (lzma.LZMAError, subprocess.CalledProcessError):
        pass

# Fallback: look for an xz stream anywhere.
magic = b'\xfd7zXZ\x00'
off = data.find(magic)
while off >= 0:
    try:
        out = unxz(data[off:])
        if out[:4] == b'\x7fELF':
            done(out, f"xz at offset {off}")
    except lzma.LZMAError:
        pass
    off = data.find(magic, off + 1)
sys.exit("no xz- or zstd-compressed ELF found")
