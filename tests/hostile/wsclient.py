# SPDX-License-Identifier: LGPL-2.1-or-later
"""A minimal blocking WebSocket client (RFC 6455) for the hostile suite:
enough to register and relay through `holler serve`, and to send frames a
well-behaved client never would. Client frames are masked with the key
0000 (valid, and the payload needs no XOR)."""

import base64
import json
import os
import socket
import struct

SLOWDOWN = float(os.environ.get("HOLLER_TEST_SLOWDOWN", "1") or "1")


class Closed(Exception):
    """The server closed the connection (code None: no close frame)."""

    def __init__(self, code):
        super().__init__("closed (code %s)" % code)
        self.code = code


def raw_connect(port, src="127.0.0.1", rcvbuf=None, timeout=5.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((src, 0))
    s.settimeout(timeout * SLOWDOWN)
    s.connect(("127.0.0.1", port))
    return s


def upgrade_request(port):
    key = base64.b64encode(os.urandom(16)).decode()
    return ("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n" % (port, key)).encode()


def frame(opcode, payload, fin=True):
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    return head + b"\0\0\0\0" + payload


class Ws:
    def __init__(self, port, src="127.0.0.1", rcvbuf=None, timeout=5.0):
        self.sock = raw_connect(port, src, rcvbuf, timeout)
        self.sock.sendall(upgrade_request(port))
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise Closed(None)
            data += chunk
        head, self.buf = data.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("no upgrade: %r" % head[:80])

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send_frame(self, opcode, payload, fin=True):
        self.sock.sendall(frame(opcode, payload, fin))

    def send_json(self, obj):
        self.send_frame(1, json.dumps(obj).encode())

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Closed(None)
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_frame(self):
        b0, b1 = self._need(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._need(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._need(8))[0]
        return b0 & 0x0F, self._need(n)

    def recv_json(self):
        """The next text message; answers pings; Closed on a close frame."""
        while True:
            opcode, payload = self.recv_frame()
            if opcode == 1:
                return json.loads(payload)
            if opcode == 8:
                raise Closed(struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None)
            if opcode == 9:
                self.send_frame(10, payload)

    def recv_until(self, pred):
        while True:
            msg = self.recv_json()
            if pred(msg):
                return msg

    def register(self, ident):
        self.send_json({"type": "register", "id": ident})
        self.recv_until(lambda m: m.get("type") == "registered")
        return self
