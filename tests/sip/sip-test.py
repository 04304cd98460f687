#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The sip suite: holler's sip: backend against a real Kamailio (the
shipped data/kamailio/kamailio.cfg) as registrar and proxy.

    sip-test.py CASE --holler PATH --kamailio-cfg PATH --wav-tone PATH
    sip-test.py --list

Kamailio runs in a network namespace of its own with a bridge (10.79.0.1);
every user agent (each holler, each tiny SIP client of sipua.py) gets its
own namespace with a veth on that bridge, so they share one LAN and
nothing reaches the machine's network. Names carry this process's pid.
Users register with digest authentication (db_text users file). Every wait
is for an event, bounded by a timeout scaled by HOLLER_TEST_SLOWDOWN.
baresip (baresip-core) calls holler and is called by it; what baresip
decoded is measured by holler-wav-tone on its sndfile recording.
Exit 0 ok, 1 failed, 77 skipped (no root, no kamailio; no baresip for
its cases).
"""

import argparse
import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sipua  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from holler_events import read_events  # noqa: E402

SLOW = float(os.environ.get("HOLLER_TEST_SLOWDOWN", "1"))
KAMAILIO_IP = "10.79.0.1"
POLL_S = 0.05
USERS = {"alice": "alice-pw", "bob": "bob-pw", "carol": "carol-pw", "dave": "dave-pw", "mallory": "mallory-pw",
         "svc1": "svc1-pw", "svc2": "svc2-pw"}
CLONE_NEWNET = 0x40000000


class Failure(Exception):
    pass


class Skip(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def wait_until(what, timeout, cond):
    deadline = time.monotonic() + timeout * SLOW
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure("%s: not within %.0f s" % (what, timeout * SLOW))
        time.sleep(POLL_S)


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


_libc = ctypes.CDLL(None, use_errno=True)


@contextlib.contextmanager
def netns(name):
    """Sockets made inside the block live in namespace @name."""
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open("/var/run/netns/" + name, os.O_RDONLY)
    try:
        if _libc.setns(target, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns")
        yield
    finally:
        _libc.setns(own, CLONE_NEWNET)
        os.close(own)
        os.close(target)


class Holler:
    """A holler process in its own namespace; --json events to a log."""

    def __init__(self, lab, name, ns, args, prefix=()):
        self.name = name
        self.log_path = os.path.join(lab.dir, name + ".log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns] + list(prefix) + [lab.holler] + args + ["--json"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.log,
                                     cwd=lab.dir)
        lab.procs.append(self.proc)

    def events(self, kind=None):
        return read_events(self.log_path, kind)

    def wait_event(self, kind, timeout, contains=None):
        def found():
            for ev in self.events(kind):
                if contains is None or contains in ev.get("message", ""):
                    return ev
            if self.proc.poll() is not None:
                raise Failure("%s exited (%s) before %s %s (see %s)"
                              % (self.name, self.proc.returncode, kind, contains or "", self.log_path))
            return None
        return wait_until("%s: %s %s" % (self.name, kind, contains or ""), timeout, found)

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout * SLOW)
        except subprocess.TimeoutExpired:
            raise Failure("%s did not exit within %.0f s (see %s)" % (self.name, timeout * SLOW, self.log_path))

    def ended(self):
        ev = self.events("ended")
        return ev[-1] if ev else None

    def heard(self, hz):
        """The tone of the stats event at the end and the level events"""
        stats = self.events("stats")
        tone = stats[-1].get("received_tone_hz", 0) if stats else 0
        levels = sum(1 for ev in self.events("level")
                     if ev.get("level_db", -120) > -40 and abs(ev.get("tone_hz", 0) - hz) < 15)
        return abs(tone - hz) < 15 and levels >= 1, tone, levels


class Lab:
    def __init__(self, holler, cfg):
        self.holler = holler
        self.cfg = cfg
        self.pid = os.getpid()
        self.dir = tempfile.mkdtemp(prefix="holler-sip-")
        self.procs = []
        self.namespaces = []
        self.next_host = 10
        self.kns = self.ns_name("k")

    def ns_name(self, what):
        return "hsip%d%s" % (self.pid, what)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        deadline = time.monotonic() + 3
        for p in self.procs:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for ns in reversed(self.namespaces):
            pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout.split()
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
            subprocess.run(["ip", "netns", "delete", ns], stderr=subprocess.DEVNULL)
        if exc[0] is None:
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            print("# logs kept in %s" % self.dir)

    def start_kamailio(self, defines=()):
        if subprocess.run(["ip", "netns", "add", self.kns], stderr=subprocess.DEVNULL).returncode != 0:
            raise Skip("cannot create a network namespace (no CAP_NET_ADMIN?)")
        self.namespaces.append(self.kns)
        run("ip", "-n", self.kns, "link", "set", "lo", "up")
        run("ip", "-n", self.kns, "link", "add", "br0", "type", "bridge")
        # a fixed address: a bridge takes its lowest port's unless told, and a
        # peer joining later would change it under the others' ARP caches
        run("ip", "-n", self.kns, "link", "set", "br0", "address", "02:00:0a:4f:00:01")
        run("ip", "-n", self.kns, "address", "add", KAMAILIO_IP + "/24", "dev", "br0")
        run("ip", "-n", self.kns, "link", "set", "br0", "up")
        db = os.path.join(self.dir, "db")
        os.makedirs(db)
        shutil.copy("/usr/share/kamailio/dbtext/kamailio/version", db)
        with open(os.path.join(db, "subscriber"), "w") as f:
            f.write("id(int,auto) username(string) domain(string) password(string) "
                    "ha1(string,null) ha1b(string,null)\n")
            for i, (user, password) in enumerate(USERS.items()):
                f.write("%d:%s:%s:%s::\n" % (i + 1, user, KAMAILIO_IP, password))
        for user, password in USERS.items():
            with open(os.path.join(self.dir, user + ".pw"), "w") as f:
                f.write(password + "\n")
        with open(os.path.join(self.dir, "wrong.pw"), "w") as f:
            f.write("not-the-password\n")
        rundir = os.path.join(self.dir, "run")
        os.makedirs(rundir)
        log = open(os.path.join(self.dir, "kamailio.log"), "w")
        self.kamailio = subprocess.Popen(
            ["ip", "netns", "exec", self.kns, "kamailio", "-DD", "-E", "-f", self.cfg,
             "-A", 'DBURL="text://%s"' % db, "-A", "REPLY_TIMEOUT_MS=3000",
             "-l", "udp:%s:5060" % KAMAILIO_IP, "-l", "tcp:%s:5060" % KAMAILIO_IP,
             "-Y", rundir, "-m", "32", "-M", "4"] + [a for d in defines for a in ("-A", d)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        self.procs.append(self.kamailio)
        # ready when it answers OPTIONS
        ns, address = self.add_host("probe")
        with netns(ns):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((address, 0))
        probe = "OPTIONS sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=z9hG4bKprobe%%d\r\n" \
                "From: <sip:probe@%s>;tag=p\r\nTo: <sip:%s>\r\nCall-ID: probe\r\nCSeq: %%d OPTIONS\r\n" \
                "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n" % (KAMAILIO_IP, address, sock.getsockname()[1],
                                                                  KAMAILIO_IP, KAMAILIO_IP)
        sock.settimeout(0.2)

        def answers(n=[0]):
            n[0] += 1
            if self.kamailio.poll() is not None:
                raise Failure("kamailio exited (see %s/kamailio.log)" % self.dir)
            sock.sendto((probe % (n[0], n[0])).encode(), (KAMAILIO_IP, 5060))
            try:
                return b"200" in sock.recv(4096)
            except socket.timeout:
                return False
        wait_until("kamailio answers OPTIONS", 20, answers)
        sock.close()

    def add_host(self, name):
        """A namespace on the bridge: (its name, its address)"""
        ns = self.ns_name(name)
        address = "10.79.0.%d" % self.next_host
        veth = "v%d" % self.next_host
        self.next_host += 1
        run("ip", "netns", "add", ns)
        self.namespaces.append(ns)
        run("ip", "-n", ns, "link", "set", "lo", "up")
        run("ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", veth, "netns", self.kns)
        run("ip", "-n", ns, "address", "add", address + "/24", "dev", "eth0")
        run("ip", "-n", ns, "link", "set", "eth0", "up")
        run("ip", "-n", self.kns, "link", "set", veth, "master", "br0")
        run("ip", "-n", self.kns, "link", "set", veth, "up")
        return ns, address

    def holler_peer(self, user, command, extra, transport=None, password_file=None):
        ns, address = self.add_host(user)
        uri = "sip:%s@%s" % (user, KAMAILIO_IP) + (";transport=" + transport if transport else "")
        args = [command] + extra + ["--signaling", uri, "--ice-address", address,
                                    "--password-file", password_file or os.path.join(self.dir, user + ".pw"),
                                    "--output", "null"]
        return Holler(self, user, ns, args)

    def sip_client(self, user):
        ns, address = self.add_host(user)
        with netns(ns):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((address, 0))
        ua = sipua.UA(sock, address, KAMAILIO_IP, user, USERS[user])
        ua.register(5 * SLOW)
        return ua


# --- cases ---

def call_both_ways(lab, transport):
    bob = lab.holler_peer("bob", "listen", ["--auto-answer", "--input", "tone:880"], transport)
    bob.wait_event("signaling", 10, "Registered")
    alice = lab.holler_peer("alice", "call", ["bob", "--input", "tone:440", "--duration", "3"], transport)
    alice.wait_event("state", 15, "active")
    if transport == "tcp":
        out = subprocess.run(["ip", "netns", "exec", lab.kns, "ss", "-Htn", "state", "established",
                              "( sport = :5060 )"], capture_output=True, text=True).stdout
        check(len(out.splitlines()) >= 2, "both hollers talk to kamailio over TCP: %r" % out)
    check(alice.wait_exit(20) == 0, "the caller exits 0 (see %s)" % alice.log_path)
    check(bob.wait_exit(10) == 0, "the callee exits 0 (see %s)" % bob.log_path)
    for peer, hz in ((alice, 880), (bob, 440)):
        ok, tone, levels = peer.heard(hz)
        check(ok, "%s heard %d Hz (stats %.1f Hz, %d level events)" % (peer.name, hz, tone, levels))
        print("# %s heard %.1f Hz (%d level events with it)" % (peer.name, tone, levels))
        check(peer.ended()["reason"] == "hangup", "%s ended with hangup" % peer.name)
    first = alice.events("first-audio")[0]
    print("# alice: first audio %.0f ms after the process started (registration included), %.0f ms after the call"
          % (first["since_start_ms"], first["since_call_ms"]))
    offer = [ev for ev in bob.events("incoming")]
    check(offer and offer[0].get("from") == "sip:alice@%s" % KAMAILIO_IP, "the callee saw alice's address")


def case_call_udp(lab):
    call_both_ways(lab, None)


def case_call_tcp(lab):
    call_both_ways(lab, "tcp")


def case_wrong_password(lab):
    alice = lab.holler_peer("alice", "call", ["bob", "--input", "tone:440"],
                            password_file=os.path.join(lab.dir, "wrong.pw"))
    check(alice.wait_exit(15) == 1, "a refused registration exits 1")
    errors = [ev["message"] for ev in alice.events("error")]
    check(any("refused" in m and "password" in m for m in errors), "a clear error: %s" % errors)
    check(not any("not-the-password" in line for line in open(alice.log_path)), "the password is not logged")


def case_no_registrar(lab):
    # nothing listens on that port: ICMP port unreachable, or silence
    ns, address = lab.add_host("alice")
    alice = Holler(lab, "alice", ns, ["call", "bob", "--signaling", "sip:alice@%s:5999" % KAMAILIO_IP,
                                      "--password-file", os.path.join(lab.dir, "alice.pw"),
                                      "--ice-address", address, "--output", "null"])
    check(alice.wait_exit(40) == 1, "no registrar: exit 1")
    errors = [ev["message"] for ev in alice.events("error")]
    check(any("Cannot reach the registrar" in m for m in errors), "a clear error: %s" % errors)


def case_offline(lab):
    alice = lab.holler_peer("alice", "call", ["nobody", "--input", "tone:440"])
    check(alice.wait_exit(15) == 1, "calling an unregistered user fails")
    check(alice.ended()["reason"] == "peer-offline", "ended with peer-offline: %s" % alice.ended())


def case_busy(lab):
    bob = lab.holler_peer("bob", "listen", ["--auto-answer", "--input", "tone:880"])
    bob.wait_event("signaling", 10, "Registered")
    alice = lab.holler_peer("alice", "call", ["bob", "--input", "tone:440", "--duration", "30"])
    alice.wait_event("state", 15, "active")
    carol = lab.holler_peer("carol", "call", ["sip:bob@%s" % KAMAILIO_IP, "--input", "tone:660"])
    check(carol.wait_exit(15) == 1, "the second caller fails")
    check(carol.ended()["reason"] == "busy", "the second caller hears busy (486): %s" % carol.ended())
    check(alice.proc.poll() is None, "the first call goes on")
    alice.proc.send_signal(signal.SIGTERM)
    check(alice.wait_exit(10) == 0 and bob.wait_exit(10) == 0, "the first call ends cleanly")


def case_reject(lab):
    dave = lab.sip_client("dave")
    alice = lab.holler_peer("alice", "call", ["dave", "--input", "tone:440"])
    invite = dave.wait_request("INVITE", 15 * SLOW)
    check("UDP/TLS/RTP/SAVPF" in invite.body and "a=end-of-candidates" in invite.body
          and "a=candidate:" in invite.body and "trickle" not in invite.body,
          "holler's INVITE carries a complete DTLS-SRTP offer:\n" + invite.body)
    dave.respond(invite, 603, "Decline", to_tag="dave1")
    check(alice.wait_exit(15) == 1, "a declined call fails")
    check(alice.ended()["reason"] == "rejected", "603 ends with rejected: %s" % alice.ended())


def case_cancel(lab):
    dave = lab.sip_client("dave")
    alice = lab.holler_peer("alice", "call", ["dave", "--input", "tone:440"])
    invite = dave.wait_request("INVITE", 15 * SLOW)
    dave.respond(invite, 180, "Ringing", to_tag="dave1")
    alice.wait_event("ringing", 10)
    alice.proc.send_signal(signal.SIGTERM)   # the caller hangs up while it rings
    cancel = dave.wait_request("CANCEL", 10 * SLOW)
    dave.respond(cancel, 200, "OK")
    dave.respond(invite, 487, "Request Terminated", to_tag="dave1")
    check(alice.wait_exit(10) == 0, "hanging up while ringing is a normal end")
    check(alice.ended()["reason"] == "hangup", "ended with hangup: %s" % alice.ended())


PLAIN_SDP = ("v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n"
             "m=audio 40000 RTP/AVP 0 111\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:111 opus/48000/2\r\n")
SDES_SDP = ("v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n"
            "m=audio 40000 RTP/SAVP 111\r\na=rtpmap:111 opus/48000/2\r\n"
            "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n")


def case_plain_rtp(lab):
    bob = lab.holler_peer("bob", "listen", ["--auto-answer", "--input", "tone:880"])
    bob.wait_event("signaling", 10, "Registered")
    mallory = lab.sip_client("mallory")
    for name, sdp in (("RTP/AVP", PLAIN_SDP), ("SDES", SDES_SDP)):
        reply = mallory.invite("bob", sdp.format(ip=mallory.address), 10 * SLOW)
        check(reply.status == 488, "%s offer refused with 488: %s" % (name, reply.first))
        check("DTLS-SRTP" in (reply.get("warning") or ""), "the 488 says why: %s" % reply.get("warning"))
        mallory.cseq += 1
    check(bob.proc.poll() is None, "the callee still waits for a call")
    notices = [ev["message"] for ev in bob.events("signaling") if "DTLS-SRTP" in ev["message"]]
    check(len(notices) == 2, "the callee reports both refusals: %s" % notices)
    check(not bob.events("dtls") and not bob.events("first-audio"), "no media with the plain offer")
    # stopped while waiting, holler unregisters: bob is then unknown
    bob.proc.send_signal(signal.SIGTERM)
    check(bob.wait_exit(10) == 0, "the callee stops cleanly")
    reply = mallory.invite("bob", PLAIN_SDP.format(ip=mallory.address), 10 * SLOW)
    check(reply.status == 404, "bob unregistered on exit: %s" % reply.first)


def case_service(lab):
    """The answering service on a SIP account: two callers at once, each
    recorded, each heard with its own tone."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        raise Skip("no D-Bus session bus (run under dbus-run-session)")
    rec = os.path.join(lab.dir, "rec")
    os.makedirs(rec)
    ns, address = lab.add_host("bob")
    bob = Holler(lab, "bob", ns, ["listen", "--service", "--auto-answer", "--record-dir", rec,
                                  "--signaling", "sip:bob@%s" % KAMAILIO_IP, "--ice-address", address,
                                  "--password-file", os.path.join(lab.dir, "bob.pw")])
    bob.wait_event("signaling", 10, "Registered")
    callers = {"alice": 440, "carol": 660}
    peers = [lab.holler_peer(user, "call", ["bob", "--input", "tone:%d" % hz, "--duration", "3"])
             for user, hz in callers.items()]
    for peer in peers:
        check(peer.wait_exit(20) == 0, "%s's call to the service ends normally" % peer.name)

    wait_until("the service ends both calls and writes their sidecars", 10, lambda: len(sidecars(rec)) == 2)
    done = sidecars(rec)
    check(sorted(s["caller"] for s in done) == ["sip:alice@%s" % KAMAILIO_IP, "sip:carol@%s" % KAMAILIO_IP],
          "one sidecar per caller: %s" % [s["caller"] for s in done])
    for sidecar in done:
        hz = callers[sidecar["caller"].split(":")[1].split("@")[0]]
        tone = sidecar["stats"]["received_tone_hz"]
        print("# the service heard %s at %.1f Hz" % (sidecar["caller"], tone))
        check(abs(tone - hz) < 15 and not sidecar["failed"], "the service heard %d Hz: %s" % (hz, sidecar))
    check(all(os.path.getsize(os.path.join(rec, s["recording"])) > 4000 for s in done),
          "both recordings hold audio")


def case_service_refusals(lab):
    """The answering service refusing and being left: a caller not on
    --allow hears 603 (rejected), a caller that hangs up while it rings
    sends CANCEL (the service's call ends with hangup), and a ringing call
    hung up over D-Bus (Call.Hangup, what holler hangup N calls) is
    declined with 603."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS") or shutil.which("gdbus") is None:
        raise Skip("no D-Bus session bus (run under dbus-run-session) or no gdbus")
    ns, address = lab.add_host("bob")
    alice_uri = "sip:alice@%s" % KAMAILIO_IP
    bob = Holler(lab, "bob", ns, ["listen", "--service", "--allow", alice_uri, "--signaling",
                                  "sip:bob@%s" % KAMAILIO_IP, "--ice-address", address,
                                  "--password-file", os.path.join(lab.dir, "bob.pw")])
    bob.wait_event("signaling", 10, "Registered")
    carol = lab.holler_peer("carol", "call", ["bob", "--input", "tone:660"])
    check(carol.wait_exit(15) == 1 and carol.ended()["reason"] == "rejected",
          "a caller not on the allow list is declined (603): %s" % carol.ended())
    alice_ns, alice_address = lab.add_host("alice")

    def alice_calls(name):
        return Holler(lab, name, alice_ns, ["call", "bob", "--input", "tone:440", "--signaling", alice_uri,
                                            "--password-file", os.path.join(lab.dir, "alice.pw"),
                                            "--ice-address", alice_address, "--output", "null"])
    first = alice_calls("alice-1")
    first.wait_event("ringing", 10)
    wait_until("the service rings", 10, lambda: len(bob.events("incoming")) == 1)
    first.proc.send_signal(signal.SIGTERM)
    check(first.wait_exit(10) == 0 and first.ended()["reason"] == "hangup", "the caller gave up while ringing")
    wait_until("the service's ringing call ends", 10,
               lambda: any(ev.get("reason") == "hangup" for ev in bob.events("ended")))
    second = alice_calls("alice-2")
    second.wait_event("ringing", 10)
    incoming = wait_until("the service rings again", 10,
                          lambda: bob.events("incoming")[1:] and bob.events("incoming")[1])
    number = incoming["peer"].rsplit("-", 1)[1]   # the service labels its calls call-N
    # the D-Bus method `holler hangup N` calls (gdbus: this case tests SIP, not
    # the client, which once aborted at exit in pthread_setspecific here)
    hangup = subprocess.run(["ip", "netns", "exec", ns, "gdbus", "call", "--session", "--dest",
                             "io.github.holler.Holler", "--object-path", "/io/github/holler/Holler/Call/" + number,
                             "--method", "io.github.holler.Holler.Call.Hangup"], capture_output=True, text=True)
    check(hangup.returncode == 0, "Hangup on call %s: %s" % (number, hangup.stderr))
    check(second.wait_exit(10) == 1 and second.ended()["reason"] == "rejected",
          "a ringing call hung up by the service is declined (603): %s" % second.ended())


def start_service(lab, user):
    """An answering service on its own account and D-Bus session bus"""
    ns, address = lab.add_host(user)
    rec = os.path.join(lab.dir, "rec-" + user)
    os.makedirs(rec)
    svc = Holler(lab, user, ns, ["listen", "--service", "--auto-answer", "--record-dir", rec,
                                 "--signaling", "sip:%s@%s" % (user, KAMAILIO_IP), "--ice-address", address,
                                 "--password-file", os.path.join(lab.dir, user + ".pw")],
                 prefix=["dbus-run-session", "--"])
    svc.ns, svc.rec = ns, rec
    return svc


def sidecars(rec):
    """The sidecars of calls that have ended: one is written when a call
    starts and completed (end, stats) when it ends"""
    done = []
    for name in sorted(os.listdir(rec)):
        if name.endswith(".json"):
            try:
                with open(os.path.join(rec, name)) as f:
                    sidecar = json.load(f)
            except ValueError:
                continue
            if "end_reason" in sidecar and "stats" in sidecar:
                done.append(sidecar)
    return done


def case_dispatcher(lab):
    """Two answering services behind Kamailio's dispatcher: calls to
    "answer" spread over both; one is killed, the next calls all land on
    the other; every recording holds its caller's tone."""
    if shutil.which("dbus-run-session") is None:
        raise Skip("no dbus-run-session")
    ds_list = os.path.join(lab.dir, "dispatcher.list")
    # each instance by its own account: Kamailio reaches it where it
    # registered; both start inactive and probing (flags 1|8), so each is
    # up once a probe finds it registered and answering ("is up" logged)
    with open(ds_list, "w") as f:
        f.write("1 sip:svc1@%s 9\n1 sip:svc2@%s 9\n" % (KAMAILIO_IP, KAMAILIO_IP))
    lab.start_kamailio(["WITH_DISPATCHER", 'DS_LIST="%s"' % ds_list, "DS_PING_INTERVAL=1"])
    services = [start_service(lab, "svc1"), start_service(lab, "svc2")]
    for svc in services:
        svc.wait_event("signaling", 10, "Registered")

    def dispatcher_up(user):
        with open(os.path.join(lab.dir, "kamailio.log"), errors="replace") as f:
            return "dispatcher: sip:%s@%s is up" % (user, KAMAILIO_IP) in f.read()
    for svc in services:
        wait_until("the dispatcher probes %s up" % svc.name, 10, lambda: dispatcher_up(svc.name))
    tones = {"alice": 440, "carol": 660}
    hosts = {user: lab.add_host(user) for user in tones}
    placed = []

    def call_round(n):
        calls = []
        for user, hz in tones.items():
            ns, address = hosts[user]
            name = "%s-%d" % (user, n)
            calls.append(Holler(lab, name, ns, ["call", "answer", "--input", "tone:%d" % hz, "--duration", "2",
                                                "--signaling", "sip:%s@%s" % (user, KAMAILIO_IP),
                                                "--password-file", os.path.join(lab.dir, user + ".pw"),
                                                "--ice-address", address, "--output", "null"]))
        for call in calls:
            check(call.wait_exit(30) == 0, "%s's call to the services ends normally (see %s)"
                  % (call.name, call.log_path))
        placed.extend(calls)

    for n in range(5):              # 10 calls
        call_round(n)
    wait_until("both services wrote 10 sidecars", 10,
               lambda: sum(len(sidecars(s.rec)) for s in services) == 10)
    taken = [len(sidecars(s.rec)) for s in services]
    print("# calls taken by svc1, svc2: %s" % taken)
    check(all(t > 0 for t in taken), "both services take calls: %s" % taken)
    # svc2 stops for good (killed, no goodbye)
    for pid in subprocess.run(["ip", "netns", "pids", services[1].ns], capture_output=True,
                              text=True).stdout.split():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), signal.SIGKILL)
    before = len(sidecars(services[0].rec))
    for n in range(5, 7):           # 4 more calls
        call_round(n)
    wait_until("svc1 records the calls after svc2 stopped", 10,
               lambda: len(sidecars(services[0].rec)) == before + 4)
    check(len(sidecars(services[1].rec)) == taken[1], "nothing more reached the stopped service")
    for svc in services:
        for sidecar in sidecars(svc.rec):
            user = sidecar["caller"].split(":")[1].split("@")[0]
            tone = sidecar["stats"]["received_tone_hz"]
            check(not sidecar["failed"] and abs(tone - tones[user]) < 15,
                  "%s's recording holds %s's %d Hz: %.1f" % (svc.name, user, tones[user], tone))
    print("# every recording holds its caller's tone (%d calls)" % len(placed))


BARESIP_CONFIG = """poll_method epoll
sip_listen {address}:5060
net_interface eth0
audio_player aufile,/dev/null
audio_alert aufile,/dev/null
audio_source ausine,{hz}
module_path /usr/lib/baresip/modules
module stdio.so
module opus.so
module ausine.so
module aufile.so
module sndfile.so
module ice.so
module dtls_srtp.so
module_app account.so
module_app menu.so
snd_path {dir}
rtcp_mux yes
"""


class Baresip:
    """baresip (DESIGN.md §8) in its own namespace: ICE, DTLS-SRTP, Opus,
    a sine tone out, decoded audio saved by its sndfile module."""

    def __init__(self, lab, user, hz, commands=()):
        if shutil.which("baresip") is None:
            raise Skip("no baresip (apt-get install baresip-core)")
        ns, address = lab.add_host(user)
        self.dir = os.path.join(lab.dir, "baresip-" + user)
        os.makedirs(self.dir)
        with open(os.path.join(self.dir, "config"), "w") as f:
            f.write(BARESIP_CONFIG.format(address=address, hz=hz, dir=self.dir))
        with open(os.path.join(self.dir, "accounts"), "w") as f:
            f.write("<sip:%s@%s>;auth_pass=%s;medianat=ice;mediaenc=dtls_srtp;answermode=auto;"
                    "audio_codecs=opus\n" % (user, KAMAILIO_IP, USERS[user]))
        self.log_path = os.path.join(lab.dir, "baresip-%s.log" % user)
        args = ["ip", "netns", "exec", ns, "baresip", "-f", self.dir]
        for c in commands:
            args += ["-e", c]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=open(self.log_path, "w"),
                                     stderr=subprocess.STDOUT)
        lab.procs.append(self.proc)

    def wait_log(self, text, timeout):
        def found():
            if self.proc.poll() is not None:
                raise Failure("baresip exited (see %s)" % self.log_path)
            with open(self.log_path, errors="replace") as f:
                return text in f.read()
        wait_until("baresip: %s" % text, timeout, found)

    def heard(self, lab, hz):
        """holler-wav-tone over what baresip decoded"""
        files = [f for f in os.listdir(self.dir) if f.endswith("-dec.wav")]
        check(len(files) == 1, "baresip saved its decoded audio: %s" % files)
        out = subprocess.run([lab.wav_tone, os.path.join(self.dir, files[0]), str(hz)],
                             capture_output=True, text=True)
        return json.loads(out.stdout)


def check_baresip_heard(lab, baresip, hz):
    result = baresip.heard(lab, hz)
    print("# baresip heard %s" % result)
    check(result["seconds"] > 2 and result["share"] > 0.8 and abs(result["dominant_hz"] - hz) < 15,
          "baresip decoded %d Hz: %s" % (hz, result))


def check_holler_heard(peer, hz):
    ok, tone, levels = peer.heard(hz)
    print("# %s heard %.1f Hz (%d level events with it)" % (peer.name, tone, levels))
    check(ok, "%s heard %d Hz (stats %.1f Hz, %d level events)" % (peer.name, hz, tone, levels))


def case_baresip_calls_holler(lab):
    bob = lab.holler_peer("bob", "listen", ["--auto-answer", "--input", "tone:880", "--duration", "4"])
    bob.wait_event("signaling", 10, "Registered")
    carol = Baresip(lab, "carol", 660, ["/dial sip:bob@%s" % KAMAILIO_IP])
    check(bob.wait_exit(20) == 0, "holler's call with baresip ends normally (see %s)" % bob.log_path)
    carol.wait_log("terminated (duration", 10)
    check_holler_heard(bob, 660)
    check_baresip_heard(lab, carol, 880)


def case_holler_calls_baresip(lab):
    carol = Baresip(lab, "carol", 660)
    carol.wait_log("registered successfully", 10)
    alice = lab.holler_peer("alice", "call", ["carol", "--input", "tone:440", "--duration", "4"])
    check(alice.wait_exit(20) == 0, "holler's call to baresip ends normally (see %s)" % alice.log_path)
    carol.wait_log("terminated (duration", 10)
    check_holler_heard(alice, 660)
    check_baresip_heard(lab, carol, 440)


CASES = {
    "call-udp": case_call_udp,
    "call-tcp": case_call_tcp,
    "wrong-password": case_wrong_password,
    "offline": case_offline,
    "no-registrar": case_no_registrar,
    "busy": case_busy,
    "reject": case_reject,
    "cancel": case_cancel,
    "plain-rtp": case_plain_rtp,
    "service": case_service,
    "dispatcher": case_dispatcher,
    "service-refusals": case_service_refusals,
    "baresip-calls-holler": case_baresip_calls_holler,
    "holler-calls-baresip": case_holler_calls_baresip,
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("case", nargs="?")
    parser.add_argument("--holler")
    parser.add_argument("--kamailio-cfg")
    parser.add_argument("--wav-tone")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    if args.list:
        print("\n".join(CASES))
        return 0
    if args.case not in CASES:
        parser.error("unknown case %s" % args.case)
    try:
        if os.geteuid() != 0:
            raise Skip("needs root for network namespaces")
        if shutil.which("kamailio") is None:
            raise Skip("no kamailio (apt-get install kamailio)")
        with Lab(os.path.abspath(args.holler), os.path.abspath(args.kamailio_cfg)) as lab:
            lab.wav_tone = args.wav_tone
            if args.case != "dispatcher":
                lab.start_kamailio()
            CASES[args.case](lab)
    except Skip as e:
        print("SKIP: %s" % e)
        return 77
    except Failure as e:
        print("FAIL: %s" % e)
        return 1
    print("ok: %s" % args.case)
    return 0


if __name__ == "__main__":
    sys.exit(main())
