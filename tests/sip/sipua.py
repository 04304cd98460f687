# SPDX-License-Identifier: LGPL-2.1-or-later
"""A tiny SIP user agent over UDP for the sip suite: registers with digest
authentication, answers INVITEs with a chosen response (or rings until
CANCEL), and places an INVITE with whatever SDP a case wants (plain
RTP/AVP, SDES). Just enough SIP (RFC 3261) for that; nothing here is
meant for anything but tests."""

import hashlib
import random
import re
import socket
import time

COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length",
           "c": "content-type"}


def rand(n=10):
    return "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


class Message:
    def __init__(self, data):
        head, _, self.body = data.partition("\r\n\r\n")
        lines = head.split("\r\n")
        self.first = lines[0]
        self.headers = []
        for line in lines[1:]:
            if line[:1] in " \t" and self.headers:
                name, value = self.headers[-1]
                self.headers[-1] = (name, value + " " + line.strip())
                continue
            name, _, value = line.partition(":")
            name = name.strip().lower()
            self.headers.append((COMPACT.get(name, name), value.strip()))
        parts = self.first.split(" ", 2)
        self.is_response = parts[0].startswith("SIP/")
        self.status = int(parts[1]) if self.is_response else 0
        self.method = None if self.is_response else parts[0]

    def get(self, name):
        for n, v in self.headers:
            if n == name:
                return v
        return None

    def all(self, name):
        return [v for n, v in self.headers if n == name]

    def cseq_method(self):
        return (self.get("cseq") or " ").split()[-1]


class UA:
    """One user at @registrar (an IP) from @address, over UDP."""

    def __init__(self, sock, address, registrar, user, password):
        self.sock = sock
        self.address = address
        self.port = sock.getsockname()[1]
        self.registrar = registrar
        self.user = user
        self.password = password
        self.domain = registrar
        self.cseq = 1

    def send(self, text):
        self.sock.sendto(text.encode(), (self.registrar, 5060))

    def recv(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data, _ = self.sock.recvfrom(65535)
            except socket.timeout:
                break
            return Message(data.decode(errors="replace"))
        raise TimeoutError("no SIP message within %.0f s" % timeout)

    def request(self, method, uri, call_id, from_tag, to, extra="", body="", to_tag=""):
        branch = "z9hG4bK" + rand()
        content = ("Content-Type: application/sdp\r\n" if body else "")
        text = ("%s %s SIP/2.0\r\n" % (method, uri)
                + "Via: SIP/2.0/UDP %s:%d;branch=%s;rport\r\n" % (self.address, self.port, branch)
                + "Max-Forwards: 70\r\n"
                + "From: <sip:%s@%s>;tag=%s\r\n" % (self.user, self.domain, from_tag)
                + "To: <%s>%s\r\n" % (to, ";tag=" + to_tag if to_tag else "")
                + "Call-ID: %s\r\n" % call_id
                + "CSeq: %d %s\r\n" % (self.cseq, method)
                + "Contact: <sip:%s@%s:%d>\r\n" % (self.user, self.address, self.port)
                + extra + content
                + "Content-Length: %d\r\n\r\n" % len(body.encode()) + body)
        self.send(text)
        return branch, text

    def authorization(self, challenge, method, uri):
        realm = re.search(r'realm="([^"]*)"', challenge).group(1)
        nonce = re.search(r'nonce="([^"]*)"', challenge).group(1)
        ha1 = md5("%s:%s:%s" % (self.user, realm, self.password))
        response = md5("%s:%s:%s" % (ha1, nonce, md5("%s:%s" % (method, uri))))
        return ('Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", algorithm=MD5'
                % (self.user, realm, nonce, uri, response))

    def final(self, method, timeout):
        while True:
            msg = self.recv(timeout)
            if msg.is_response and msg.cseq_method() == method and msg.status >= 200:
                return msg
            if msg.is_response:
                self.last_provisional = msg

    def register(self, timeout=5):
        call_id, tag, uri = rand(16), rand(), "sip:%s" % self.domain
        aor = "sip:%s@%s" % (self.user, self.domain)
        self.request("REGISTER", uri, call_id, tag, aor, "Expires: 300\r\n")
        msg = self.final("REGISTER", timeout)
        if msg.status == 401:
            self.cseq += 1
            auth = self.authorization(msg.get("www-authenticate"), "REGISTER", uri)
            self.request("REGISTER", uri, call_id, tag, aor, "Expires: 300\r\nAuthorization: %s\r\n" % auth)
            msg = self.final("REGISTER", timeout)
        if msg.status != 200:
            raise RuntimeError("%s: REGISTER got %s" % (self.user, msg.first))

    def ack(self, uri, call_id, tag, to, response, branch):
        to_tag = re.search(r";tag=([^;>\s]+)", response.get("to") or "")
        text = ("ACK %s SIP/2.0\r\n" % uri
                + "Via: SIP/2.0/UDP %s:%d;branch=%s;rport\r\n" % (self.address, self.port, branch)
                + "Max-Forwards: 70\r\n"
                + "From: <sip:%s@%s>;tag=%s\r\n" % (self.user, self.domain, tag)
                + "To: <%s>%s\r\n" % (to, ";tag=" + to_tag.group(1) if to_tag else "")
                + "Call-ID: %s\r\nCSeq: %d ACK\r\nContent-Length: 0\r\n\r\n" % (call_id, self.cseq))
        self.send(text)

    def invite(self, callee, sdp, timeout=10):
        """INVITE sip:callee@domain with @sdp; returns the final response
        (ACKed when it is an error)."""
        uri = "sip:%s@%s" % (callee, self.domain)
        call_id, tag = rand(16), rand()
        branch, _ = self.request("INVITE", uri, call_id, tag, uri, body=sdp)
        msg = self.final("INVITE", timeout)
        if msg.status == 407:
            self.ack(uri, call_id, tag, uri, msg, branch)
            self.cseq += 1
            auth = self.authorization(msg.get("proxy-authenticate"), "INVITE", uri)
            branch, _ = self.request("INVITE", uri, call_id, tag, uri, "Proxy-Authorization: %s\r\n" % auth,
                                     body=sdp)
            msg = self.final("INVITE", timeout)
        if msg.status >= 300:
            self.ack(uri, call_id, tag, uri, msg, branch)
        return msg

    def respond(self, request, status, phrase, to_tag=None):
        lines = ["SIP/2.0 %d %s" % (status, phrase)]
        lines += ["Via: %s" % v for v in request.all("via")]
        to = request.get("to")
        if to_tag and ";tag=" not in to:
            to += ";tag=" + to_tag
        lines += ["From: %s" % request.get("from"), "To: %s" % to, "Call-ID: %s" % request.get("call-id"),
                  "CSeq: %s" % request.get("cseq"), "Content-Length: 0", "", ""]
        self.send("\r\n".join(lines))

    def wait_request(self, method, timeout):
        deadline = time.monotonic() + timeout
        while True:
            msg = self.recv(max(0.01, deadline - time.monotonic()))
            if not msg.is_response and msg.method == method:
                return msg
