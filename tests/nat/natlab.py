# SPDX-License-Identifier: LGPL-2.1-or-later
"""The NAT lab: network namespaces, veth pairs, nftables NAT routers and a
"public" namespace with coturn and `holler serve`. See docs/nat.md.

    pub      198.51.100.1 (TURN, signaling), 198.51.100.2 (STUN), bridge br0;
             203.0.113.0/24 routed here and dropped (dead servers, no ICMP)
    nata     WAN 198.51.100.11 on br0, LAN 10.0.1.1/24 (bridge lan)
    a1, a2   10.0.1.10, 10.0.1.11 behind nata
    natb     WAN 198.51.100.12 on br0, LAN 10.0.2.1/24
    b1       10.0.2.10 behind natb

Every namespace name starts with "hnat-<pid>-", so parallel runs do not
collide and leftovers of dead runs can be told apart and removed.
Nothing here touches the root namespace's interfaces or addresses.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from holler_events import read_events  # noqa: E402

PREFIX = "hnat-"
PUB_IP = "198.51.100.1"      # coturn (TURN) and holler serve
STUN_IP = "198.51.100.2"     # coturn again, on a second address (STUN only)
FAKE_GW = "198.51.100.254"   # the public namespace's default route
# Dead servers: the NAT routers send 203.0.113.0/24 to the public
# namespace, whose nftables drop it before routing: no answer and no ICMP,
# like a STUN/TURN server that is down behind a firewall.
DEAD_NET = "203.0.113.0/24"
DEAD_IP = "203.0.113.66"
DEAD_NFT = """
table ip natlab_dead {
  chain prerouting {
    type filter hook prerouting priority raw; policy accept;
    ip daddr %s drop
  }
}
""" % DEAD_NET
TURN_USER, TURN_PASS, REALM = "test", "test", "holler.test"
SIGNALING_PORT = 7780
JITTERLINE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jitterline.py")
# Forwarded UDP to NFQUEUE 0 (from the LAN) and 1 (from the WAN), before
# the NAT lab's own filter rules.
JITTER_NFT = """
table ip jitterline {
  chain forward {
    type filter hook forward priority filter - 10; policy accept;
    iifname "lan" meta l4proto udp queue num 0
    iifname "wan" meta l4proto udp queue num 1
  }
}
"""


class LabError(Exception):
    pass


def sh(*cmd, check=True, input=None):
    res = subprocess.run(cmd, input=input, capture_output=True, text=True)
    if check and res.returncode != 0:
        raise LabError("%s: %s" % (" ".join(cmd), res.stderr.strip()))
    return res


def preflight():
    """None when the lab can run here, or why it cannot (exit 77)."""
    if os.geteuid() != 0:
        return "the NAT lab needs root (network namespaces, nftables)"
    for tool in ("ip", "nft", "turnserver"):
        if shutil.which(tool) is None:
            return "%s not found (apt-get install iproute2 nftables coturn)" % tool
    name = "%sprobe-%d" % (PREFIX, os.getpid())
    res = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if res.returncode != 0:
        return "ip netns unavailable: " + res.stderr.strip()
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
    return None


_jitter_support = None


def jitter_support():
    """(method, None) with method "nft" (the kernel has nft_queue) or
    "iptables" (iptables-nft -j NFQUEUE, xt_NFQUEUE), or (None, why not)."""
    global _jitter_support
    if _jitter_support is not None:
        return _jitter_support
    name = "%sjprobe-%d" % (PREFIX, os.getpid())
    sh("ip", "netns", "add", name)
    try:
        nsx = ["ip", "netns", "exec", name]
        if sh(*nsx, "nft", "-f", "-", input=JITTER_NFT, check=False).returncode == 0:
            _jitter_support = ("nft", None)
        elif shutil.which("iptables-nft") is None:
            _jitter_support = (None, "the kernel has no nft queue expression (CONFIG_NFT_QUEUE) "
                               "and iptables-nft is not installed (apt-get install iptables)")
        elif sh(*nsx, "iptables-nft", "-A", "FORWARD", "-p", "udp", "-j", "NFQUEUE",
                "--queue-num", "0", check=False).returncode == 0:
            _jitter_support = ("iptables", None)
        else:
            _jitter_support = (None, "the kernel has neither nft_queue nor xt_NFQUEUE: "
                               "no way to delay packets (and no sch_netem either)")
    finally:
        sh("ip", "netns", "del", name, check=False)
    return _jitter_support


def remove_leftovers():
    """Delete namespaces of earlier runs whose process is gone."""
    out = sh("ip", "netns", "list", check=False).stdout
    for line in out.splitlines():
        name = line.split()[0] if line.split() else ""
        m = re.match(r"^%s(\d+)-" % PREFIX, name)
        if m is None:
            continue
        pid = int(m.group(1))
        try:
            os.kill(pid, 0)
            continue          # still running: not ours to remove
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        kill_namespace_processes(name)
        sh("ip", "netns", "del", name, check=False)


def kill_namespace_processes(ns):
    pids = sh("ip", "netns", "pids", ns, check=False).stdout.split()
    for pid in pids:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass


class Peer:
    """One holler process in a namespace; its --json events on stderr
    (GLib debug messages, with G_MESSAGES_DEBUG, go to the same log)."""

    def __init__(self, lab, ns, name, args):
        self.name = name
        self.log_path = os.path.join(lab.dir, name + ".log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(["ip", "netns", "exec", lab.ns(ns)] + args,
                                     stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=self.log)
        lab.procs.append(self.proc)
        self.returncode = None
        self.exit_time = None

    def events(self, kind=None):
        return read_events(self.log_path, kind)

    def first(self, kind, **match):
        for ev in self.events(kind):
            if all(ev.get(k) == v for k, v in match.items()):
                return ev
        return None

    def wait_event(self, kind, timeout, **match):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ev = self.first(kind, **match)
            if ev is not None:
                return ev
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise LabError("%s: no %s event within %.0f s (see %s)" % (self.name, kind, timeout, self.log_path))

    def wait(self, timeout):
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise LabError("%s did not exit within %.0f s (see %s)" % (self.name, timeout, self.log_path))
        self.log.close()
        return self.returncode

    def text(self):
        with open(self.log_path) as f:
            return f.read()


class Lab:
    def __init__(self, holler, tag="lab"):
        self.holler = holler
        self.base = "%s%d-" % (PREFIX, os.getpid())
        self.dir = tempfile.mkdtemp(prefix="holler-nat-%s-" % tag)
        self.namespaces = []
        self.procs = []
        self.turn_log = None
        self.jitter_proc = None

    def ns(self, short):
        return self.base + short

    # --- plumbing ---

    def add_ns(self, short):
        name = self.ns(short)
        sh("ip", "netns", "add", name)
        self.namespaces.append(name)
        sh("ip", "-n", name, "link", "set", "lo", "up")
        return name

    def ip(self, short, *args):
        return sh("ip", "-n", self.ns(short), *args)

    def nsexec(self, short, *cmd, check=True, input=None):
        return sh("ip", "netns", "exec", self.ns(short), *cmd, check=check, input=input)

    def veth(self, ns_a, if_a, ns_b, if_b):
        sh("ip", "link", "add", if_a, "netns", self.ns(ns_a), "type", "veth",
           "peer", "name", if_b, "netns", self.ns(ns_b))
        self.ip(ns_a, "link", "set", if_a, "up")
        self.ip(ns_b, "link", "set", if_b, "up")

    def bridge(self, ns, name, *addresses):
        self.ip(ns, "link", "add", name, "type", "bridge")
        self.ip(ns, "link", "set", name, "up")
        for a in addresses:
            self.ip(ns, "addr", "add", a, "dev", name)

    # --- topology ---

    def build(self, nat_a="cone", nat_b="cone", block_udp_a=False, loss_a=0, jitter_a=None):
        """The public namespace, two NAT routers and three hosts."""
        self.add_ns("pub")
        self.bridge("pub", "br0", PUB_IP + "/24", STUN_IP + "/24")
        # coturn needs a default route to relay: a fake gateway that
        # answers no one (its MAC is permanent, so no ARP leaves).
        self.ip("pub", "neigh", "add", FAKE_GW, "lladdr", "02:00:00:00:00:fe", "dev", "br0",
                "nud", "permanent")
        self.ip("pub", "route", "add", "default", "via", FAKE_GW)
        self.nsexec("pub", "nft", "-f", "-", input=DEAD_NFT)
        self.router("a", 1, nat_a, block_udp=block_udp_a, loss=loss_a)
        if jitter_a is not None:
            self.start_jitter("nata", *jitter_a)
        self.router("b", 2, nat_b)
        self.host("a1", "a", 1, 10)
        self.host("a2", "a", 1, 11)
        self.host("b1", "b", 2, 10)

    def router(self, x, subnet, mode, block_udp=False, loss=0):
        r = "nat" + x
        self.add_ns(r)
        self.veth(r, "wan", "pub", x + "-wan")
        self.ip("pub", "link", "set", x + "-wan", "master", "br0")
        self.ip(r, "addr", "add", "198.51.100.%d/24" % (10 + subnet), "dev", "wan")
        self.ip(r, "route", "add", "default", "via", PUB_IP)
        self.bridge(r, "lan", "10.0.%d.1/24" % subnet)
        self.nsexec(r, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        self.nsexec(r, "nft", "-f", "-", input=nat_ruleset(mode, block_udp, loss))

    def host(self, h, x, subnet, last):
        self.add_ns(h)
        self.veth(h, "eth0", "nat" + x, h)
        self.ip("nat" + x, "link", "set", h, "master", "lan")
        self.ip(h, "addr", "add", "10.0.%d.%d/24" % (subnet, last), "dev", "eth0")
        self.ip(h, "route", "add", "default", "via", "10.0.%d.1" % subnet)

    def start_jitter(self, r, delay_ms, jitter_ms):
        """Delay every UDP packet router r forwards by delay_ms ± jitter_ms
        (normal, per direction in order): NFQUEUE 0 (LAN -> WAN) and 1
        (WAN -> LAN) handed to jitterline.py in the router's namespace."""
        method, why = jitter_support()
        if method is None:
            raise LabError(why)
        if method == "nft":
            self.nsexec(r, "nft", "-f", "-", input=JITTER_NFT)
        else:
            for iif, q in (("lan", 0), ("wan", 1)):
                self.nsexec(r, "iptables-nft", "-A", "FORWARD", "-i", iif, "-p", "udp",
                            "-j", "NFQUEUE", "--queue-num", str(q))
        self.jitter_log = os.path.join(self.dir, "jitterline.log")
        log = open(self.jitter_log, "w")
        self.procs.append(subprocess.Popen(
            ["ip", "netns", "exec", self.ns(r), sys.executable, JITTERLINE, "--queue", "0", "--queue", "1",
             "--delay", str(delay_ms), "--jitter", str(jitter_ms)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT))
        self.jitter_proc = self.procs[-1]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with open(self.jitter_log) as f:
                if "ready" in f.read():
                    return
            if self.jitter_proc.poll() is not None:
                break
            time.sleep(0.02)
        raise LabError("jitterline did not start (see %s)" % self.jitter_log)

    def stop_jitter(self):
        """Stop the delay line; {queue: what it imposed} (jitterline.py)."""
        self.jitter_proc.terminate()
        self.jitter_proc.wait(5)
        out = {}
        with open(self.jitter_log) as f:
            for line in f:
                if line.startswith("{"):
                    s = json.loads(line)
                    out[s["queue"]] = s
        return out

    # --- servers ---

    def start_turn(self, secret=None):
        """coturn in the public namespace: TURN on PUB_IP, STUN on both."""
        args = ["turnserver", "-n", "--listening-ip=" + PUB_IP, "--listening-ip=" + STUN_IP,
                "--relay-ip=" + PUB_IP, "--listening-port=3478", "--min-port=49152",
                "--max-port=49252", "--realm=" + REALM, "--fingerprint", "--no-tls", "--no-dtls",
                "--no-cli", "--log-file=stdout", "--simple-log",
                "--userdb=" + os.path.join(self.dir, "turndb"),
                "--pidfile=" + os.path.join(self.dir, "turn.pid")]
        if secret is not None:
            args += ["--use-auth-secret", "--static-auth-secret=" + secret]
        else:
            args += ["--lt-cred-mech", "--user=%s:%s" % (TURN_USER, TURN_PASS)]
        self.turn_log = os.path.join(self.dir, "turnserver.log")
        log = open(self.turn_log, "w")
        self.procs.append(subprocess.Popen(["ip", "netns", "exec", self.ns("pub"), "stdbuf", "-oL"] + args,
                                           stdin=subprocess.DEVNULL, stdout=log,
                                           stderr=subprocess.STDOUT))
        self.wait_listening("udp", PUB_IP, 3478)
        self.wait_listening("udp", STUN_IP, 3478)
        self.wait_listening("tcp", PUB_IP, 3478)

    def start_signaling(self):
        log = open(os.path.join(self.dir, "serve.log"), "w")
        self.procs.append(subprocess.Popen(
            ["ip", "netns", "exec", self.ns("pub"), self.holler, "serve", "--address", PUB_IP,
             "--port", str(SIGNALING_PORT)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT))
        self.wait_listening("tcp", PUB_IP, SIGNALING_PORT)
        return "ws://%s:%d/ws" % (PUB_IP, SIGNALING_PORT)

    def wait_listening(self, proto, ip, port, timeout=10):
        deadline = time.monotonic() + timeout
        flag = "-lun" if proto == "udp" else "-ltn"
        while time.monotonic() < deadline:
            out = self.nsexec("pub", "ss", flag, check=False).stdout
            if "%s:%d " % (ip, port) in out:
                return
            time.sleep(0.05)
        raise LabError("nothing listens on %s %s:%d in the public namespace" % (proto, ip, port))

    def peer(self, ns, name, args):
        return Peer(self, ns, name, [self.holler] + args)

    def close(self, keep_dir=False):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(3)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for name in reversed(self.namespaces):
            kill_namespace_processes(name)
            sh("ip", "netns", "del", name, check=False)
        self.namespaces = []
        if not keep_dir:
            shutil.rmtree(self.dir, ignore_errors=True)


def nat_ruleset(mode, block_udp=False, loss=0):
    """nftables for one router: "cone" (plain masquerade: endpoint-
    independent mapping, port-restricted filtering) or "symmetric"
    (random,fully-random: a new port per destination)."""
    masq = "masquerade" if mode == "cone" else "masquerade random,fully-random"
    forward = ['iifname "wan" ct state new drop']
    if block_udp:
        forward.append('iifname "lan" meta l4proto udp drop')
    if loss:
        forward.insert(0, "numgen random mod 100 < %d drop" % loss)
    return """
table ip natlab {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" %s
  }
  chain input {
    type filter hook input priority filter; policy accept;
    # Unsolicited packets from the WAN to the router itself would create
    # conntrack entries that take the ports masquerade wants to keep.
    iifname "wan" ct state new drop
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    %s
  }
}
""" % (masq, "\n    ".join(forward))
