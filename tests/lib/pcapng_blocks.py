# SPDX-License-Identifier: BSD-2-Clause
# pcapng blocks and options built byte by byte (draft-ietf-opsawg-pcapng 3.1, 3.5), for the
# test generators: blk(e, type, body) pads the body and frames it with both lengths;
# e is the struct byte order ("<" or ">").
import struct


def pad(b):
    return b + b"\0" * (-len(b) % 4)


def blk(e, t, body):
    body = pad(body)
    n = len(body) + 12
    return struct.pack(e + "II", t, n) + body + struct.pack(e + "I", n)


def opt(e, code, val):
    return pad(struct.pack(e + "HH", code, len(val)) + val)
