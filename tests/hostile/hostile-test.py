#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The hostile suite: attacks on `holler serve` replayed inside a network
namespace of its own (unique name, always deleted), each while two
legitimate clients (alice and bob, 127.0.0.1) relay through the server.
Attackers use other loopback addresses (127.0.0.2 and up). After each
attack: alice and bob still relay, a new client registers, the server's
peak RSS (VmHWM) stayed under RSS_LIMIT_MIB, its descriptor count is back
to where it was before the attack, and each refusal was logged.

    hostile-test.py CASE [--holler PATH] [--keep]
    hostile-test.py --list

Exit 0 on success, 1 on failure, 77 (skip) without root or ip netns.
Every wait is bounded and scaled by HOLLER_TEST_SLOWDOWN.
"""

import argparse
import os
import re
import resource
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsclient import SLOWDOWN, Closed, Ws, frame, raw_connect, upgrade_request  # noqa: E402

RSS_LIMIT_MIB = 64
# A sanitizer build (ASan's shadow memory and its quarantine of freed
# blocks, kept small below) is held to a looser bound.
RSS_LIMIT_SANITIZED_MIB = 256
SKIP = 77


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)
    print("ok: %s" % what, flush=True)


def wait_for(pred, what, timeout):
    """Polls @pred (a /proc or log reading) until true, at most timeout × slowdown."""
    deadline = time.monotonic() + timeout * SLOWDOWN
    while not pred():
        if time.monotonic() > deadline:
            raise Failure("timed out waiting for " + what)
        time.sleep(0.02)
    print("ok: %s" % what, flush=True)


class Server:
    def __init__(self, holler, work, args=(), nofile=None):
        cmd = [holler, "serve", "--port", "0", "--print-uri"] + list(args)
        if nofile:
            cmd = ["prlimit", "--nofile=%d:%d" % (nofile, nofile), "--"] + cmd
        self.err_path = os.path.join(work, "serve.err")
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=16"
        with open(self.err_path, "w") as err:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=env)
        ready, _, _ = select.select([self.proc.stdout], [], [], 10 * SLOWDOWN)
        line = self.proc.stdout.readline().decode() if ready else ""
        if not line:
            raise Failure("holler serve printed no URI: " + self.log()[-500:])
        self.port = int(re.search(r":(\d+)/ws", line).group(1))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5 * SLOWDOWN)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def status_kib(self, key):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def sanitized(self):
        with open("/proc/%d/maps" % self.proc.pid) as f:
            return "libasan" in f.read()

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.proc.pid))

    def log(self):
        with open(self.err_path, errors="replace") as f:
            return f.read()

    def count(self, pattern):
        """Events logged matching @pattern (a throttled line "… (and N more)" is N + 1)."""
        n = 0
        for line in self.log().splitlines():
            if re.search(pattern, line):
                more = re.search(r"\(and (\d+) more\)$", line)
                n += 1 + (int(more.group(1)) if more else 0)
        return n

    def alive(self):
        return self.proc.poll() is None


class Legit:
    """alice and bob on 127.0.0.1, relaying to each other"""

    def __init__(self, server):
        self.server = server
        self.alice = Ws(server.port).register("alice")
        self.bob = Ws(server.port).register("bob")
        self.n = 0

    def relay(self, when):
        self.n += 1
        tag = "%s-%d" % (when, self.n)
        self.alice.send_json({"type": "candidate", "to": "bob", "candidate": tag})
        self.bob.recv_until(lambda m: m.get("candidate") == tag and m.get("from") == "alice")
        self.bob.send_json({"type": "candidate", "to": "alice", "candidate": tag})
        self.alice.recv_until(lambda m: m.get("candidate") == tag and m.get("from") == "bob")
        print("ok: alice and bob relay %s" % when, flush=True)

    def newcomer(self, when):
        carol = Ws(self.server.port).register("carol-%d" % self.n)
        carol.send_json({"type": "candidate", "to": "bob", "candidate": "hello"})
        self.bob.recv_until(lambda m: m.get("candidate") == "hello")
        carol.close()
        print("ok: a new client registers and relays %s" % when, flush=True)


def finish(server, legit, baseline_fds, name):
    legit.relay("after the attack")
    legit.newcomer("after the attack")
    wait_for(lambda: server.fds() == baseline_fds,
             "%s: descriptors back to the baseline of %d" % (name, baseline_fds), 15)
    peak = server.status_kib("VmHWM")
    print("figures: %s: peak RSS %.1f MiB, RSS now %.1f MiB, fds %d" %
          (name, peak / 1024, server.status_kib("VmRSS") / 1024, server.fds()), flush=True)
    limit = RSS_LIMIT_SANITIZED_MIB if server.sanitized() else RSS_LIMIT_MIB
    check(peak < limit * 1024, "%s: peak RSS %.1f MiB < %d MiB" % (name, peak / 1024, limit))
    check(server.alive(), "%s: the server is still running" % name)
    # gone before the stop, so the server's closing handshakes do not wait for them
    legit.alice.close()
    legit.bob.close()
    wait_for(lambda: server.fds() == baseline_fds - 2, "%s: alice and bob gone" % name, 5)
    server.stop()
    check(server.proc.returncode == 0, "%s: the server stops cleanly on SIGTERM (exit %s)" %
          (name, server.proc.returncode))
    check(not re.search(r"Sanitizer|runtime error", server.log()), "%s: no sanitizer report" % name)


# --- 1. descriptor exhaustion: connections that send one request line ---
def case_accept_flood(holler, work):
    """1030 connections from 64 addresses send "GET /ws HTTP/1.1" and hold,
    against a server with 256 descriptors: accepts fail (EMFILE) and are
    retried; then 100 more from one address: refused at accept past 21."""
    server = Server(holler, work, nofile=256)
    try:
        legit = Legit(server)
        baseline = server.fds()
        held = []
        t0 = time.monotonic()
        for i in range(1030):
            try:
                s = raw_connect(server.port, src="127.0.1.%d" % (1 + i % 64), timeout=2)
                s.sendall(b"GET /ws HTTP/1.1\r\n")
                held.append(s)
            except OSError:
                pass
        wait_for(lambda: server.count(r"accept failed: .*[Tt]oo many open files") >= 1,
                 "accept failures (EMFILE) are logged", 10)
        legit.relay("with every descriptor in use")
        for s in held:
            s.close()
        held = []
        print("figures: accept-flood: 1030 connections opened and closed in %.2f s" % (time.monotonic() - t0))
        wait_for(lambda: server.fds() <= baseline + 2, "descriptors freed after the flood", 15)
        legit.newcomer("after the descriptors ran out")
        for i in range(100):
            try:
                s = raw_connect(server.port, src="127.0.0.2", timeout=2)
                s.sendall(b"GET /ws HTTP/1.1\r\n")
                held.append(s)
            except OSError:
                pass
        wait_for(lambda: server.count(r"too-many-clients 127\.0\.0\.2: refused at accept") >= 79,
                 "79 of 100 connections from one address refused at accept, and logged", 10)
        legit.relay("while one address is over its limit")
        for s in held:
            s.close()
        print("figures: accept-flood: %d accept failure(s), %d refusal(s) logged" %
              (server.count(r"accept failed"), server.count(r"refused at accept")))
        finish(server, legit, baseline, "accept-flood")
    finally:
        server.stop()


# --- handshake that never finishes ---
def case_handshake_timeout(holler, work):
    """20 connections from 127.0.0.3 send part of a request and stall; the
    server (--handshake-timeout 2) must close each after 2 s. One more
    sends a request head of 20 KB: refused at 16 KiB."""
    server = Server(holler, work, ["--handshake-timeout", "2"])
    try:
        legit = Legit(server)
        baseline = server.fds()
        stalled = []
        for i in range(20):
            s = raw_connect(server.port, src="127.0.0.3", timeout=10)
            s.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\n" if i % 2 else b"")
            stalled.append(s)
        endless = raw_connect(server.port, src="127.0.0.8", timeout=10)
        try:
            endless.sendall(b"GET /ws HTTP/1.1\r\nX-Long: " + b"a" * 20000)
        except OSError:
            pass   # the server may close before it has read all of it
        t0 = time.monotonic()
        legit.relay("while 20 handshakes stall")
        for s in stalled:
            try:
                check(s.recv(1) == b"", "closed by the server")
            except ConnectionResetError:
                pass
        took = time.monotonic() - t0
        print("figures: handshake-timeout: 20 stalled handshakes closed after %.2f s" % took, flush=True)
        check(took < 2 + 3 * SLOWDOWN, "stalled handshakes closed at the 2 s timeout (%.2f s)" % took)
        wait_for(lambda: server.count(r"handshake-timeout 127\.0\.0\.3") == 20,
                 "20 handshake timeouts logged", 5)
        wait_for(lambda: server.count(r"too-large 127\.0\.0\.8: an HTTP request head over 16384 bytes") == 1,
                 "a request head over 16 KiB refused and logged", 5)
        endless.close()
        for s in stalled:
            s.close()
        finish(server, legit, baseline, "handshake-timeout")
    finally:
        server.stop()


# --- 2. slow readers ---
def slow_reader(port, index, results):
    try:
        ws = Ws(port, src="127.0.0.4", rcvbuf=16384, timeout=20)
        ws.register("slow%d" % index)
        payload = b'{"type":"candidate","to":"slow%d","candidate":"%s"}' % (index, b"x" * 60000)
        data = frame(1, payload)
        next_at = time.monotonic()
        for _ in range(45 * 20):   # 45 messages/s for at most 20 s
            ws.sock.sendall(data)
            next_at += 1 / 45
            time.sleep(max(0, next_at - time.monotonic()))
        results[index] = "never closed"
    except (OSError, Closed) as e:
        results[index] = "closed: %s" % e


def case_slow_reader(holler, work):
    """10 connections relay 60 KB messages to themselves at 45/s and read
    nothing (16 KiB receive buffers): each must be closed, logged."""
    server = Server(holler, work)
    try:
        legit = Legit(server)
        baseline = server.fds()
        results = {}
        threads = [threading.Thread(target=slow_reader, args=(server.port, i, results)) for i in range(10)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        legit.relay("while 10 readers are slow")
        wait_for(lambda: server.count(r"slow-reader slow\d+ \(127\.0\.0\.4\)") == 10,
                 "10 slow readers closed and logged", 20)
        print("figures: slow-reader: all 10 closed within %.2f s" % (time.monotonic() - t0), flush=True)
        legit.relay("after the slow readers were closed")
        for t in threads:
            t.join(30 * SLOWDOWN)
        check(all(r.startswith("closed") for r in results.values()), "every slow reader saw its connection end")
        finish(server, legit, baseline, "slow-reader")
    finally:
        server.stop()


def ping_forever(port, results):
    ws = Ws(port, src="127.0.0.7", rcvbuf=4096, timeout=10)
    pings = frame(9, b"p" * 125) * 500
    sent = 0
    try:
        while sent < 512 * 1024 ** 2:
            ws.sock.sendall(pings)
            sent += len(pings)
        results["ping"] = "never closed"
    except OSError:
        results["ping"] = "closed after %d bytes of pings" % sent
    ws.close()


def case_ping_flood(holler, work):
    """A connection sends pings as fast as it can and reads nothing: the
    pongs libsoup queues count against the queue limit; it is dropped."""
    server = Server(holler, work)
    try:
        legit = Legit(server)
        baseline = server.fds()
        results = {}
        t = threading.Thread(target=ping_forever, args=(server.port, results))
        t0 = time.monotonic()
        t.start()
        legit.relay("while pings pile up")
        t.join(30 * SLOWDOWN)
        print("figures: ping-flood: %s in %.2f s" % (results.get("ping"), time.monotonic() - t0), flush=True)
        check(results.get("ping", "").startswith("closed"), "the ping flooder was dropped")
        wait_for(lambda: server.count(r"error - \(127\.0\.0\.7\): slow-reader") == 1, "the drop logged", 5)
        finish(server, legit, baseline, "ping-flood")
    finally:
        server.stop()


# --- 3. a fragmented message that never ends ---
def fragment_forever(port, results):
    ws = Ws(port, src="127.0.0.5", timeout=10)
    chunk = b"x" * 60000
    sent = 0
    try:
        ws.send_frame(1, chunk, fin=False)
        sent += len(chunk)
        while sent < 2 * 1024 ** 3:
            ws.send_frame(0, chunk, fin=False)
            sent += len(chunk)
        results["fragmented"] = "never closed"
    except OSError:
        try:
            ws.sock.settimeout(2 * SLOWDOWN)
            ws.recv_json()
        except Closed as e:
            results["code"] = e.code
        except OSError:
            pass
        results["fragmented"] = "closed after %d bytes" % sent
    ws.close()


def case_fragmented(holler, work):
    """An unregistered connection sends a text message of 60 KB fragments
    with no end: it must be closed (1009) once the message passes 4 × the
    message limit, and logged."""
    server = Server(holler, work)
    try:
        legit = Legit(server)
        baseline = server.fds()
        results = {}
        t = threading.Thread(target=fragment_forever, args=(server.port, results))
        t0 = time.monotonic()
        t.start()
        legit.relay("while a fragmented message grows")
        t.join(30 * SLOWDOWN)
        print("figures: fragmented: %s in %.2f s, close code %s" %
              (results.get("fragmented"), time.monotonic() - t0, results.get("code")), flush=True)
        check(results.get("fragmented", "").startswith("closed"), "the endless message was cut off")
        wait_for(lambda: server.count(r"error - \(127\.0\.0\.5\): A fragmented message over 262144 bytes") == 1,
                 "the refusal logged", 5)
        finish(server, legit, baseline, "fragmented")
    finally:
        server.stop()


# --- rate-limit flood ---
def case_rate_flood(holler, work):
    """A registered client sends 10,000 relay frames to bob at once: what
    bob receives plus what the log says was dropped must be 10,000."""
    server = Server(holler, work)
    try:
        legit = Legit(server)
        baseline = server.fds()
        flooder = Ws(server.port, src="127.0.0.6").register("flooder")
        data = b"".join(frame(1, b'{"type":"candidate","to":"bob","candidate":"flood"}') for _ in range(10000))
        t0 = time.monotonic()
        flooder.sock.sendall(data)
        received = [0]

        def dropped():
            total = 0
            for m in re.finditer(r"rate-limited flooder \(127\.0\.0\.6\): (\d+) message\(s\) dropped", server.log()):
                total += int(m.group(1))
            return total

        def drain():
            while True:
                msg = legit.bob.recv_json()
                if msg.get("candidate") == "flood":
                    received[0] += 1
                if msg.get("candidate", "").startswith("mark"):
                    return

        # relayed during the flood; bob counts the flood's frames up to it
        legit.alice.send_json({"type": "candidate", "to": "bob", "candidate": "mark"})
        wait_for(lambda: dropped() > 0, "the drops logged", 5)
        drain()
        wait_for(lambda: dropped() + received[0] == 10000,
                 "relayed + logged as dropped = 10,000", 5)
        print("figures: rate-flood: %d relayed, %d dropped (logged) in %.2f s" %
              (received[0], dropped(), time.monotonic() - t0), flush=True)
        check(flooder.recv_json().get("code") == "rate-limited", "the flooder told rate-limited")
        flooder.close()
        finish(server, legit, baseline, "rate-flood")
    finally:
        server.stop()


CASES = {
    "accept-flood": case_accept_flood,
    "handshake-timeout": case_handshake_timeout,
    "slow-reader": case_slow_reader,
    "ping-flood": case_ping_flood,
    "fragmented": case_fragmented,
    "rate-flood": case_rate_flood,
}


def inside(case, holler):
    """Runs in the namespace: only lo, up"""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = tempfile.mkdtemp(prefix="holler-hostile-")
    try:
        CASES[case](holler, work)
        return 0
    except Failure as e:
        print("FAIL: %s" % e, flush=True)
        log = open(os.path.join(work, "serve.err"), errors="replace").read() if os.path.exists(
            os.path.join(work, "serve.err")) else ""
        print("--- server log (last 40 lines) ---\n" + "\n".join(log.splitlines()[-40:]))
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("case", nargs="?")
    parser.add_argument("--holler", default=os.environ.get("HOLLER_BIN", "holler"))
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.list or args.case is None:
        for name, fn in CASES.items():
            print("%-18s %s" % (name, fn.__doc__.split("\n")[0]))
        return 0
    if args.case not in CASES:
        print("unknown case %s" % args.case)
        return 2
    if args.inside:
        return inside(args.case, args.holler)
    if os.geteuid() != 0 or shutil.which("ip") is None or shutil.which("prlimit") is None:
        print("skip: needs root, ip (iproute2) and prlimit for a network namespace")
        return SKIP
    ns = "holler-hostile-%d-%s" % (os.getpid(), args.case)
    if subprocess.run(["ip", "netns", "add", ns]).returncode != 0:
        print("skip: cannot create a network namespace")
        return SKIP
    try:
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        return subprocess.run(["ip", "netns", "exec", ns, sys.executable, os.path.abspath(__file__),
                               args.case, "--inside", "--holler", args.holler]).returncode
    finally:
        subprocess.run(["ip", "netns", "del", ns])


if __name__ == "__main__":
    sys.exit(main())
