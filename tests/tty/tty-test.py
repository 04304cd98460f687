#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The interactive terminal mode under tmux (meson suite 'tty').

    tty-test.py call|caller|signals --holler PATH [--keep]

Starts `holler serve` on 127.0.0.1, runs `holler listen` (no --auto-answer,
880 Hz) in a detached tmux pane on a private tmux socket, and calls it with
a plain `holler call --json` (440 Hz). It reads the pane with
`tmux capture-pane -p` and types with `tmux send-keys`. The call case:

  - the status line says "ringing"; `a` answers
  - the status line shows "active", "host/host", "rtt", an output
    level well above silence and the code the caller reported; the pane's terminal is in single-key mode
    (-icanon -echo) while holler runs
  - `m` mutes: the status shows MUTED and a silent input meter, and the
    caller's JSON "level" events measure the callee's audio as silence
    (below -50 dBFS or no tone); `m` again brings 880 Hz back
  - `h` hangs up: both processes exit 0, the caller's end reason is
    "hangup"; after holler is gone the terminal has icanon and echo again
    (stty -a run right after it, and a typed `stty -a` that is echoed)

The caller case: `holler call` in the pane calls a plain `listen
--auto-answer --json`; its status line shows "active", the callee's id,
"host/host" and received audio, and `h` ends the call for both. The
signals case: Ctrl-C while waiting (exit 0), SIGTERM in an active
call (hung up, exit 0) and a failure (no rendezvous server, exit 1) all
leave the terminal with icanon and echo.

Every wait has a timeout; the tmux server and every process are killed at
the end, pass or fail. Exit 0 on success, 1 on failure, 77 (skip) when
tmux is missing.
"""

import argparse
import json
import os
import re
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from holler_events import read_events  # noqa: E402

LOOPBACK = ["--allow-loopback", "--ice-address", "127.0.0.1"]
CALLER_HZ, CALLEE_HZ = 440, 880
SILENCE_DB = -50.0
WAIT = 20
STATUS_WORDS = ("waiting", "starting", "calling", "ringing", "connecting", "active", "ended")
METER = re.compile(r"\| (in|out) \[[#.]+\] (-?\d+) dBFS")


class Failure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)


def has_flag(stty, flag):
    """stty -a lists a flag as "flag" when set and "-flag" when clear."""
    return re.search(r"(?<![-\w])%s(?![-\w])" % flag, stty) is not None


def clear_flag(stty, flag):
    return re.search(r"(?<![\w])-%s(?![-\w])" % flag, stty) is not None


class Lab:
    def __init__(self, holler, keep):
        self.holler = holler
        self.keep = keep
        self.dir = tempfile.mkdtemp(prefix="holler-tty-")
        self.socket = "holler-tty-%d" % os.getpid()
        self.procs = []
        self.env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="", HOME=self.dir,
                        XDG_CONFIG_HOME=os.path.join(self.dir, "config"))
        self.env.pop("TMUX", None)

    def path(self, name):
        return os.path.join(self.dir, name)

    def tmux(self, *args, check_rc=True):
        out = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null"] + list(args),
                             capture_output=True, text=True, timeout=10, env=self.env)
        if check_rc and out.returncode != 0:
            raise Failure("tmux %s: %s" % (" ".join(args), out.stderr.strip()))
        return out.stdout

    def spawn(self, argv, **kwargs):
        proc = subprocess.Popen(argv, env=self.env, **kwargs)
        self.procs.append(proc)
        return proc

    def start_server(self):
        log = open(self.path("serve.log"), "w")
        proc = self.spawn([self.holler, "serve", "--port", "0", "--print-uri"],
                          stdout=subprocess.PIPE, stderr=log)
        ready, _, _ = select.select([proc.stdout], [], [], WAIT)
        check(ready, "holler serve printed no URI within %d s" % WAIT)
        uri = proc.stdout.readline().decode().strip()
        check(uri.startswith("ws://127.0.0.1:"), "holler serve printed %r" % uri)
        return uri

    def pane(self, session="holler"):
        return self.tmux("capture-pane", "-p", "-t", session)

    def status_line(self, session="holler"):
        """The last line of the pane that starts with a call state."""
        lines = [l for l in self.pane(session).splitlines() if l.split(" ", 1)[0] in STATUS_WORDS]
        return lines[-1] if lines else ""

    def wait_pane(self, what, predicate, timeout=WAIT, session="holler"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.1)
        raise Failure("no %s within %d s; the pane:\n%s" % (what, timeout, self.pane(session)))

    def start_pane(self, session, argv):
        """holler in a new tmux session; sh (no line editing) runs stty
        right after holler exits, to a file: what holler left."""
        # (trap: the pane's sh outlives a Ctrl-C sent to holler, as a login shell does)
        script = "trap : INT; %s; echo HOLLER-EXIT=$?; stty -a > %s; exec sh" % (
            " ".join(shlex.quote(a) for a in argv), shlex.quote(self.path(session + "-stty-after")))
        self.tmux("new-session", "-d", "-s", session, "-x", "200", "-y", "30", "sh", "-c", script)
        return self.tmux("display-message", "-p", "-t", session, "#{pane_tty}").strip()

    def check_single_keys(self, pane_tty):
        stty = subprocess.run(["stty", "-a", "-F", pane_tty], capture_output=True, text=True, timeout=10).stdout
        check(clear_flag(stty, "icanon") and clear_flag(stty, "echo"),
              "holler did not put %s into single-key mode: %s" % (pane_tty, stty))

    def start_listen(self, uri, session, registers=True):
        pane_tty = self.start_pane(session, [self.holler, "listen", "--signaling", uri, "--id", session] +
                                   LOOPBACK + ["--input", "tone:%d" % CALLEE_HZ, "--output", "null"])
        if not registers:
            return pane_tty
        self.wait_pane("registration", lambda: "Registered as" in self.pane(session), session=session)
        check(self.status_line(session).startswith("waiting"), "no 'waiting' status line:\n" + self.pane(session))
        self.check_single_keys(pane_tty)
        return pane_tty

    def call(self, uri, callee, name, duration, extra=()):
        log_path = self.path(name + ".log")
        with open(log_path, "w") as log:
            proc = self.spawn([self.holler, "call", callee, "--id", name, "--signaling", uri] + LOOPBACK +
                              ["--input", "tone:%d" % CALLER_HZ, "--output", "null", "--json",
                               "--duration", str(duration)] + list(extra), stdin=subprocess.DEVNULL, stderr=log)
        return proc, log_path

    def wait_exit(self, session):
        """holler's exit status as the pane's sh printed it, and the
        terminal settings sh found right after."""
        self.wait_pane("holler listen's exit", lambda: "HOLLER-EXIT=" in self.pane(session), session=session)
        exit_line = [l for l in self.pane(session).splitlines() if l.startswith("HOLLER-EXIT=")][0]
        stty_path = self.path(session + "-stty-after")
        self.wait_pane("stty after holler", lambda: os.path.exists(stty_path) and os.path.getsize(stty_path) > 0,
                       session=session)
        with open(stty_path) as f:
            return int(exit_line.split("=", 1)[1]), f.read()

    def close(self):
        self.tmux("kill-server", check_rc=False)
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if self.keep:
            print("# kept %s" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def meters(status):
    return {kind: float(db) for kind, db in METER.findall(status)}


def caller_events(path, kind):
    return read_events(path, kind)


def wait_levels(log, count, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        levels = caller_events(log, "level")
        if len(levels) >= count:
            return levels
        time.sleep(0.1)
    raise Failure("the caller reported fewer than %d level events within %d s (see %s)" % (count, timeout, log))


def case_call(lab):
    uri = lab.start_server()
    lab.start_listen(uri, "holler")
    print("ok - listening; the terminal is in single-key mode (-icanon -echo)")

    caller, caller_log = lab.call(uri, "holler", "alice", 20)
    lab.wait_pane("ringing status", lambda: lab.status_line().startswith("ringing"))
    check("alice" in lab.status_line(), "the ringing status names no caller: " + lab.status_line())
    check("press a to answer" in lab.pane(), "no ringing prompt:\n" + lab.pane())
    print("ok - ringing: %s" % lab.status_line())

    lab.tmux("send-keys", "-t", "holler", "a")

    def active_with_audio():
        status = lab.status_line()
        m = meters(status)
        return status if (status.startswith("active") and "host/host" in status
                          and m.get("out", -120) > -30 and re.search(r"rx [1-9]\d* kbit/s", status)) else None
    status = lab.wait_pane("active status with received audio", active_with_audio)
    check(re.search(r"rtt (–|\d+(\.\d)? ms)", status), "no round-trip time field: " + status)
    rx = float(re.search(r"rx (\d+) kbit/s", status).group(1))
    check(20 <= rx <= 80, "received bitrate %.0f kbit/s is not what 32 kbit/s Opus in RTP gives" % rx)
    check(meters(status)["in"] > -30, "the input meter shows no tone: " + status)
    print("ok - answered: %s" % status)

    # the short authentication string: the code the caller got for this
    # DTLS session, before the meters so a narrow terminal keeps it
    peer = caller_events(caller_log, "peer")
    check(len(peer) == 1 and re.fullmatch(r"\d{3} \d{3}", peer[0].get("sas") or ""),
          "the caller reported no code: %s" % peer)
    code = re.search(r"\| code (\d{3} \d{3})", status)
    check(code and code.group(1) == peer[0]["sas"] and status.index("code") < status.index(" in ["),
          "the status line shows no code %s before the meters: %s" % (peer[0]["sas"], status))
    print("ok - code %s on both sides" % code.group(1))

    # the caller's RTCP receiver reports give a round-trip time (RFC 3550:
    # the first report after about 2.5 s, then every 5 s)
    status = lab.wait_pane("a measured round-trip time",
                           lambda: re.search(r"rtt \d+(\.\d)? ms", lab.status_line()) and lab.status_line())
    print("ok - rtt: %s" % status)

    # before muting, the caller hears the callee's tone
    levels = wait_levels(caller_log, 2)
    last = levels[-1]
    check(abs(last["tone_hz"] - CALLEE_HZ) < 20 and last["level_db"] > -30,
          "the caller does not hear %d Hz before muting: %s" % (CALLEE_HZ, last))

    before = len(caller_events(caller_log, "level"))
    lab.tmux("send-keys", "-t", "holler", "m")
    muted = lab.wait_pane("MUTED status", lambda: "MUTED" in lab.status_line() and
                          meters(lab.status_line()).get("in", 0) <= -100 and lab.status_line())
    check("Microphone muted" in lab.pane(), "no 'Microphone muted' line:\n" + lab.pane())
    # the first level window after the key may straddle it; the next two
    # are all after it
    levels = wait_levels(caller_log, before + 3)[before + 1:]
    for ev in levels:
        check(ev["level_db"] < SILENCE_DB or ev["tone_hz"] == 0,
              "the caller still hears the muted callee: %s" % ev)
    print("ok - muted: %s; caller measured %s" % (
        muted, ", ".join("%.0f Hz %.1f dBFS" % (ev["tone_hz"], ev["level_db"]) for ev in levels)))

    before = len(caller_events(caller_log, "level"))
    lab.tmux("send-keys", "-t", "holler", "m")
    lab.wait_pane("unmuted status", lambda: "MUTED" not in lab.status_line() and
                  meters(lab.status_line()).get("in", -120) > -30)
    levels = wait_levels(caller_log, before + 3)[before + 1:]
    for ev in levels:
        check(abs(ev["tone_hz"] - CALLEE_HZ) < 20 and ev["level_db"] > -30,
              "the caller does not hear %d Hz after unmuting: %s" % (CALLEE_HZ, ev))
    print("ok - unmuted; caller measured %s" % ", ".join(
        "%.0f Hz %.1f dBFS" % (ev["tone_hz"], ev["level_db"]) for ev in levels))

    # digit keys send DTMF to the caller
    lab.tmux("send-keys", "-t", "holler", "-l", "5#")
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and len(caller_events(caller_log, "dtmf")) < 2:
        time.sleep(0.1)
    digits = "".join(ev["digit"] for ev in caller_events(caller_log, "dtmf"))
    check(digits == "5#", "the caller received DTMF %r, not '5#' (see %s)" % (digits, caller_log))
    print("ok - keys 5 and # sent as DTMF; the caller received %s" % digits)

    lab.tmux("send-keys", "-t", "holler", "?")
    lab.wait_pane("help line", lambda: "m mute/unmute" in lab.pane())

    lab.tmux("send-keys", "-t", "holler", "h")
    status, stty = lab.wait_exit("holler")
    check(status == 0, "holler listen exited %d:\n%s" % (status, lab.pane()))
    try:
        rc = caller.wait(WAIT)
    except subprocess.TimeoutExpired:
        raise Failure("the caller did not exit within %d s after the hangup" % WAIT)
    ended = caller_events(caller_log, "ended")
    check(rc == 0, "the caller exited %d (see %s)" % (rc, caller_log))
    check(ended and ended[-1]["reason"] == "hangup" and not ended[-1]["failed"],
          "the caller's end: %s" % (ended[-1] if ended else "none"))
    print("ok - hung up with h: both exit 0, the caller's end reason is hangup")

    check(has_flag(stty, "icanon") and has_flag(stty, "echo"),
          "the terminal was not restored after holler exited: " + stty)
    lab.tmux("send-keys", "-t", "holler", "stty -a", "Enter")
    lab.wait_pane("a typed stty -a, echoed and run",
                  lambda: re.search(r"^[$#] stty -a$", lab.pane(), re.M) and has_flag(lab.pane(), "icanon"))
    check(has_flag(lab.pane(), "echo"), "stty -a in the pane shows no echo:\n" + lab.pane())
    print("ok - terminal restored: icanon and echo after holler exits")


def holler_pid(lab, session):
    """holler, the child of the pane's sh"""
    sh = lab.tmux("display-message", "-p", "-t", session, "#{pane_pid}").strip()
    with open("/proc/%s/task/%s/children" % (sh, sh)) as f:
        children = f.read().split()
    check(len(children) == 1, "the pane's sh has children %s" % children)
    return int(children[0])


def check_restored(stty, what):
    check(has_flag(stty, "icanon") and has_flag(stty, "echo"),
          "the terminal was not restored after %s: %s" % (what, stty))


def case_signals(lab):
    uri = lab.start_server()

    lab.start_listen(uri, "sigint")
    lab.tmux("send-keys", "-t", "sigint", "C-c")
    status, stty = lab.wait_exit("sigint")
    check(status == 0 and "Interrupted" in lab.pane("sigint"),
          "Ctrl-C while waiting: exit %d:\n%s" % (status, lab.pane("sigint")))
    check_restored(stty, "Ctrl-C")
    print("ok - Ctrl-C while waiting: exit 0, terminal restored")

    lab.start_listen(uri, "sigterm")
    caller, caller_log = lab.call(uri, "sigterm", "carol", 20)
    lab.wait_pane("ringing status", lambda: lab.status_line("sigterm").startswith("ringing"), session="sigterm")
    lab.tmux("send-keys", "-t", "sigterm", "a")
    lab.wait_pane("active status", lambda: lab.status_line("sigterm").startswith("active"), session="sigterm")
    os.kill(holler_pid(lab, "sigterm"), signal.SIGTERM)
    status, stty = lab.wait_exit("sigterm")
    check(status == 0, "SIGTERM in a call: exit %d:\n%s" % (status, lab.pane("sigterm")))
    check_restored(stty, "SIGTERM")
    try:
        rc = caller.wait(WAIT)
    except subprocess.TimeoutExpired:
        raise Failure("the caller did not exit within %d s after SIGTERM hung up" % WAIT)
    ended = caller_events(caller_log, "ended")
    check(rc == 0 and ended and ended[-1]["reason"] == "hangup",
          "the caller after SIGTERM: exit %d, %s" % (rc, ended[-1] if ended else "no end"))
    print("ok - SIGTERM in an active call: hung up, exit 0, terminal restored")

    # an error: the rendezvous server is not there (a port nobody listens on)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = "ws://127.0.0.1:%d/ws" % s.getsockname()[1]
    lab.start_listen(dead, "error", registers=False)
    status, stty = lab.wait_exit("error")
    check(status == 1, "no server: exit %d, not 1:\n%s" % (status, lab.pane("error")))
    check_restored(stty, "a failure")
    print("ok - no rendezvous server: exit 1, terminal restored")


def case_caller(lab):
    """The interactive side is the caller; the callee a plain --json process."""
    uri = lab.start_server()
    log_path = lab.path("callee.log")
    with open(log_path, "w") as log:
        callee = lab.spawn([lab.holler, "listen", "--auto-answer", "--id", "bob", "--signaling", uri] + LOOPBACK +
                           ["--input", "tone:%d" % CALLEE_HZ, "--output", "null", "--json", "--dtmf", "42"],
                           stdin=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + WAIT
    while not caller_events(log_path, "signaling") and time.monotonic() < deadline:
        time.sleep(0.1)
    check(caller_events(log_path, "signaling"), "the callee did not register (see %s)" % log_path)
    pane_tty = lab.start_pane("caller", [lab.holler, "call", "bob", "--id", "alice", "--signaling", uri] + LOOPBACK +
                              ["--input", "tone:%d" % CALLER_HZ, "--output", "null", "--duration", "30"])

    def active_with_audio():
        status = lab.status_line("caller")
        return status if (status.startswith("active | bob") and "host/host" in status
                          and meters(status).get("out", -120) > -30) else None
    status = lab.wait_pane("active status with received audio", active_with_audio, session="caller")
    lab.check_single_keys(pane_tty)
    print("ok - calling: %s" % status)
    # the callee's --dtmf 42: log lines, and the last digits on the status line
    status = lab.wait_pane("received DTMF on the status line",
                           lambda: "DTMF received 42" in lab.status_line("caller") and lab.status_line("caller"),
                           session="caller")
    check("Received DTMF 4" in lab.pane("caller") and "Received DTMF 2" in lab.pane("caller"),
          "no 'Received DTMF' lines:\n" + lab.pane("caller"))
    print("ok - DTMF from the callee shown: %s" % status)
    lab.tmux("send-keys", "-t", "caller", "h")
    status, stty = lab.wait_exit("caller")
    check(status == 0, "holler call exited %d:\n%s" % (status, lab.pane("caller")))
    check_restored(stty, "h")
    try:
        rc = callee.wait(WAIT)
    except subprocess.TimeoutExpired:
        raise Failure("the callee did not exit within %d s after the hangup" % WAIT)
    ended = caller_events(log_path, "ended")
    check(rc == 0 and ended and ended[-1]["reason"] == "hangup",
          "the callee: exit %d, %s" % (rc, ended[-1] if ended else "no end"))
    print("ok - the caller hung up with h: both exit 0, the callee's end reason is hangup, terminal restored")


CASES = {"call": case_call, "caller": case_caller, "signals": case_signals}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--holler", default=os.environ.get("HOLLER_BIN"))
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    if shutil.which("tmux") is None:
        print("# SKIP tmux is not installed")
        return 77
    if args.holler is None:
        print("--holler or HOLLER_BIN is needed", file=sys.stderr)
        return 2
    lab = Lab(args.holler, args.keep)
    try:
        CASES[args.case](lab)
    except Failure as e:
        print("not ok - %s" % e)
        for name in ("caller.log", "serve.log"):
            try:
                with open(lab.path(name)) as f:
                    print("# %s:\n%s" % (name, "".join("#   " + l for l in f.readlines()[-15:])))
            except OSError:
                pass
        return 1
    finally:
        lab.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
