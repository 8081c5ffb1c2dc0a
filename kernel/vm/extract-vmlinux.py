#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Extract the uncompressed ELF vmlinux from an xz-compressed x86 bzImage
# (Debian's 6.1 amd64 kernels).  Booting the ELF through its PVH entry saves
# the in-guest decompression, which costs seconds under TCG.
# usage: extract-vmlinux.py <bzImage> <out>
import lzma
import sys

if len(sys.argv) != 3 or sys.argv[1] in ("-h", "--help"):
    print("usage: extract-vmlinux.py <bzImage> <out>\n"
          "Writes the uncompressed ELF vmlinux inside an xz-compressed bzImage to <out>.")
    sys.exit(0 if len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help") else 2)

data = open(sys.argv[1], 'rb').read()
magic = b'\xfd7zXZ\x00'
off = data.find(magic)
while off >= 0:
    try:
        out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[off:])
        if out[:4] == b'\x7fELF':
            with open(sys.argv[2], 'wb') as f:
                f.write(out)
            print(f"vmlinux: {len(out)} bytes from offset {off}")
            sys.exit(0)
    except lzma.LZMAError:
        pass
    off = data.find(magic, off + 1)
sys.exit("no xz-compressed ELF found")
