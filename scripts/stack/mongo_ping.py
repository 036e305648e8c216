#!/usr/bin/env python3
"""Readiness probe for a MongoDB wire-protocol server (FerretDB here).

Sends a real OP_MSG `{ping: 1, $db: "admin"}` over a raw socket and exits 0 only
when the reply says ok: 1. Standard library only, so it runs before (and without)
the project's node_modules.

usage: mongo_ping.py HOST PORT [TIMEOUT_SECONDS]
"""
import socket
import struct
import sys

OP_MSG = 2013


def bson_doc(items):
    """Encodes a flat document of int32 and string values (all a ping needs)."""
    body = b""
    for key, value in items:
        name = key.encode() + b"\x00"
        if isinstance(value, int):
            body += b"\x10" + name + struct.pack("<i", value)
        else:
            raw = value.encode() + b"\x00"
            body += b"\x02" + name + struct.pack("<i", len(raw)) + raw
    return struct.pack("<i", len(body) + 5) + body + b"\x00"


def read_ok(doc):
    """Returns the numeric value of the top-level `ok` field of a BSON document."""
    pos, end = 4, len(doc) - 1
    fixed = {0x01: 8, 0x07: 12, 0x08: 1, 0x09: 8, 0x0A: 0, 0x10: 4, 0x11: 8, 0x12: 8, 0x13: 16}
    while pos < end:
        kind = doc[pos]
        name_end = doc.index(b"\x00", pos + 1)
        name = doc[pos + 1 : name_end].decode()
        pos = name_end + 1
        if name == "ok":
            if kind == 0x01:
                return struct.unpack_from("<d", doc, pos)[0]
            if kind == 0x10:
                return struct.unpack_from("<i", doc, pos)[0]
            if kind == 0x12:
                return struct.unpack_from("<q", doc, pos)[0]
            if kind == 0x08:
                return doc[pos]
            raise ValueError("unexpected type for ok: %#x" % kind)
        if kind in fixed:
            pos += fixed[kind]
        elif kind in (0x02, 0x0D, 0x0E):  # string, code, symbol
            pos += 4 + struct.unpack_from("<i", doc, pos)[0]
        elif kind in (0x03, 0x04):  # document, array
            pos += struct.unpack_from("<i", doc, pos)[0]
        elif kind == 0x05:  # binary
            pos += 5 + struct.unpack_from("<i", doc, pos)[0]
        elif kind == 0x0B:  # regex: two cstrings
            pos = doc.index(b"\x00", doc.index(b"\x00", pos) + 1) + 1
        else:
            raise ValueError("unsupported BSON type %#x before ok" % kind)
    raise ValueError("no ok field in reply")


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed by server")
        buf += chunk
    return buf


def ping(host, port, timeout):
    doc = bson_doc([("ping", 1), ("$db", "admin")])
    payload = struct.pack("<I", 0) + b"\x00" + doc  # flagBits, section kind 0, body
    header = struct.pack("<iiii", 16 + len(payload), 1, 0, OP_MSG)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        sock.sendall(header + payload)
        length, _req, _resp_to, opcode = struct.unpack("<iiii", recv_exact(sock, 16))
        body = recv_exact(sock, length - 16)
    if opcode != OP_MSG:
        raise ValueError("unexpected reply opcode %d" % opcode)
    if body[4] != 0:
        raise ValueError("unexpected first section kind %d" % body[4])
    return read_ok(body[5:])


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    host, port = sys.argv[1], int(sys.argv[2])
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 2.0
    try:
        ok = ping(host, port, timeout)
    except (OSError, ValueError) as exc:
        print("mongo ping %s:%d failed: %s" % (host, port, exc), file=sys.stderr)
        return 1
    if ok != 1:
        print("mongo ping %s:%d answered ok=%r" % (host, port, ok), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
