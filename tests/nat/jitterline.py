#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A delay line with jitter for the NAT lab, in user space: nftables hands
forwarded packets to NFQUEUE, this holds each one for a random delay
(normal distribution, clipped at 0) and then lets it through. It stands in
for `tc qdisc ... netem delay D J distribution normal`, which needs the
sch_netem kernel module (not every kernel has it). See docs/nat.md.

    jitterline.py --queue 0 --queue 1 [--delay 30] [--jitter 15] [--seed N]

Each queue is one direction and a FIFO: a packet never leaves before the
one queued before it (as in a router queue: a real path's jitter comes
from queueing, which keeps order; netem's independent delays would
reorder ~1 packet in 6 at 50 packets/s). Prints "ready" once bound, and on
SIGTERM one JSON line per queue: packets, mean and standard deviation of
the delays applied, and the interarrival jitter (RFC 3550 estimator over
the delay differences of consecutive packets) they impose.

Pure Python (raw netlink), no libnetfilter_queue needed.
"""

import argparse
import json
import math
import random
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_CONFIG = 0, 1, 2
NFQA_CFG_CMD, NFQA_CFG_PARAMS = 1, 2
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NFQA_PACKET_HDR, NFQA_VERDICT_HDR = 1, 2
NF_ACCEPT = 1
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2


def attr(kind, payload):
    a = struct.pack("=HH", 4 + len(payload), kind) + payload
    return a + b"\0" * (-len(a) % 4)


def message(msg, queue, payload, flags=NLM_F_REQUEST, seq=0):
    body = struct.pack("=BBH", socket.AF_UNSPEC, 0, socket.htons(queue)) + payload
    return struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | msg, flags, seq, 0) + body


def attrs(data):
    out, off = {}, 0
    while off + 4 <= len(data):
        length, kind = struct.unpack_from("=HH", data, off)
        if length < 4:
            break
        out[kind & 0x7fff] = data[off + 4:off + length]
        off += (length + 3) & ~3
    return out


class Line:
    def __init__(self, delay, jitter, rng):
        self.delay, self.jitter, self.rng = delay / 1000, jitter / 1000, rng
        self.pending = []          # (release time, packet id), in order
        self.last_release = 0.0
        self.delays = []
        self.rfc_jitter = 0.0

    def add(self, now, packet_id):
        release = max(now + max(0.0, self.rng.gauss(self.delay, self.jitter)), self.last_release)
        if self.delays:
            d = abs((release - now) - self.delays[-1])
            self.rfc_jitter += (d - self.rfc_jitter) / 16
        self.delays.append(release - now)
        self.last_release = release
        self.pending.append((release, packet_id))

    def summary(self, queue):
        n = len(self.delays)
        mean = sum(self.delays) / n if n else 0
        sd = math.sqrt(sum((d - mean) ** 2 for d in self.delays) / n) if n else 0
        return {"queue": queue, "packets": n, "mean_delay_ms": round(mean * 1000, 1),
                "sd_delay_ms": round(sd * 1000, 1), "jitter_ms": round(self.rfc_jitter * 1000, 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--queue", type=int, action="append", required=True)
    ap.add_argument("--delay", type=float, default=30, help="mean delay, ms")
    ap.add_argument("--jitter", type=float, default=15, help="standard deviation, ms")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    sock.bind((0, 0))
    lines = {}
    for seq, q in enumerate(args.queue, 1):
        cmd = attr(NFQA_CFG_CMD, struct.pack("=BBH", NFQNL_CFG_CMD_BIND, 0, 0))
        params = attr(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META))
        for i, payload in enumerate((cmd, params)):
            sock.send(message(NFQNL_MSG_CONFIG, q, payload, NLM_F_REQUEST | NLM_F_ACK, seq * 2 + i))
            reply = sock.recv(65536)
            err = struct.unpack_from("=i", reply, 16)[0] if struct.unpack_from("=H", reply, 4)[0] == NLMSG_ERROR else 0
            if err:
                print("jitterline: binding queue %d failed: errno %d" % (q, -err), file=sys.stderr)
                return 1
        lines[q] = Line(args.delay, args.jitter, rng)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    print("ready", flush=True)

    def verdict(q, packet_id):
        hdr = attr(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, packet_id))
        sock.send(message(NFQNL_MSG_VERDICT, q, hdr))

    while not stop:
        now = time.monotonic()
        due = [l.pending[0][0] for l in lines.values() if l.pending]
        timeout = max(0.0, min(due) - now) if due else 0.5
        try:
            readable, _, _ = select.select([sock], [], [], timeout)
        except InterruptedError:
            continue
        if readable:
            data = sock.recv(1 << 16)
            now = time.monotonic()
            off = 0
            while off + 16 <= len(data):
                length, kind = struct.unpack_from("=IH", data, off)
                if length < 16:
                    break
                if kind == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                    q = socket.ntohs(struct.unpack_from("=H", data, off + 18)[0])
                    a = attrs(data[off + 20:off + length])
                    if NFQA_PACKET_HDR in a and q in lines:
                        lines[q].add(now, struct.unpack_from("!I", a[NFQA_PACKET_HDR])[0])
                off += (length + 3) & ~3
        now = time.monotonic()
        for q, line in lines.items():
            while line.pending and line.pending[0][0] <= now:
                verdict(q, line.pending.pop(0)[1])
    for q, line in lines.items():
        for _, packet_id in line.pending:
            verdict(q, packet_id)
        print(json.dumps(line.summary(q)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
