#!/usr/bin/env python3
"""Sum of the request totals in the profiles stored in Redis (snapshot "s" + change records "d:*").

Usage: redis_totals.py PORT KEY_PREFIX [ACCOUNT_PREFIX]
Prints "profiles N" and "requests N". A blob starts with a format byte then a varint total
(ProfileCodec); profile totals add up when snapshot and change records merge (AccountProfile.merge).
Minimal RESP client: no third-party module needed.
"""
import socket
import sys


class Redis:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = self.sock.makefile("rb")

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        return self.read()

    def read(self):
        line = self.buf.readline()
        kind, rest = line[:1], line[1:-2]
        if kind in (b"+", b":"):
            return int(rest) if kind == b":" else rest
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.buf.read(n + 2)
            return data[:-2]
        if kind == b"*":
            return [self.read() for _ in range(int(rest))]
        raise RuntimeError("unexpected reply %r" % line)


def varint(blob, at):
    value, shift = 0, 0
    while True:
        b = blob[at]
        at += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value
        shift += 7


def main():
    port, prefix = int(sys.argv[1]), sys.argv[2]
    account_prefix = sys.argv[3] if len(sys.argv) > 3 else ""
    r = Redis(port)
    cursor, profiles, requests = b"0", 0, 0
    while True:
        cursor, keys = r.call("SCAN", cursor, "MATCH", "%s:{%s*}:p" % (prefix, account_prefix), "COUNT", 1000)
        for key in keys:
            fields = r.call("HGETALL", key)
            profiles += 1
            for name, blob in zip(fields[0::2], fields[1::2]):
                if name == b"s" or name.startswith(b"d:"):
                    requests += varint(blob, 1)
        if cursor == b"0":
            break
    print("profiles %d" % profiles)
    print("requests %d" % requests)


if __name__ == "__main__":
    main()
