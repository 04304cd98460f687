#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The answering service (holler listen --service) with real holler callers
through `holler serve`, all on 127.0.0.1, under its own D-Bus session bus
(run it with dbus-run-session; meson does).

    service-test.py CASE --holler PATH --wav-tone PATH
    service-test.py --list

Cases assert on audio decoded from the recordings (Goertzel, via
holler-wav-tone), the JSON sidecars, the callers' end reasons and exit
codes, and what `holler calls` reports over D-Bus. Exit 0 ok, 1 failed,
77 skipped (no D-Bus session bus or gst-launch-1.0).
"""

import argparse
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

LOOPBACK = ["--allow-loopback", "--ice-address", "127.0.0.1"]
# Sanitizer builds run several times slower: .ci/run sets these there
# (fewer concurrent callers, longer waits); the plain run uses 10 and 1.
CALLERS = int(os.environ.get("HOLLER_TEST_CALLERS", "10"))
SLOW = float(os.environ.get("HOLLER_TEST_SLOWDOWN", "1"))


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


class Proc:
    """A holler process; --json events on stderr go to a log file."""

    def __init__(self, lab, name, args):
        self.name = name
        self.log_path = os.path.join(lab.dir, name + ".log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([lab.holler] + args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=self.log, cwd=lab.dir)
        lab.procs.append(self)

    def events(self, kind=None):
        out = []
        with open(self.log_path) as f:
            for line in f:
                if line.startswith("{"):
                    try:
                        ev = json.loads(line)
                    except ValueError:
                        continue
                    if kind is None or ev.get("event") == kind:
                        out.append(ev)
        return out

    def wait_event(self, kind, timeout, **match):
        timeout *= SLOW
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for ev in self.events(kind):
                if all(ev.get(k) == v for k, v in match.items()):
                    return ev
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise Failure("%s: no %s %s within %.0f s (see %s)" % (self.name, kind, match, timeout, self.log_path))

    def wait(self, timeout):
        timeout *= SLOW
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Failure("%s did not exit within %.0f s (see %s)" % (self.name, timeout, self.log_path))

    def ended(self):
        ev = self.events("ended")
        return ev[-1] if ev else None


class Lab:
    def __init__(self, holler, wav_tone, name):
        self.holler = holler
        self.wav_tone = wav_tone
        self.dir = tempfile.mkdtemp(prefix="holler-service-%s-" % name)
        self.procs = []
        self.uri = None

    def start_server(self):
        p = Proc(self, "serve", ["serve", "--port", "0", "--print-uri"])
        line = p.proc.stdout.readline().decode().strip()
        check(line.startswith("ws://"), "holler serve printed no URI (see %s)" % p.log_path)
        self.uri = line
        return p

    def common(self):
        return LOOPBACK + ["--signaling", self.uri, "--json"]

    def service(self, extra, name="service"):
        p = Proc(self, name, ["listen", "--service", "--auto-answer", "--id", "answerer"]
                 + self.common() + extra)
        p.wait_event("listening", 10)
        p.wait_event("signaling", 10)   # registered
        return p

    def caller(self, name, hz, duration, extra=()):
        return Proc(self, name, ["call", "answerer", "--id", name, "--input", "tone:%d" % hz,
                                 "--duration", str(duration), "--output", "null"]
                    + self.common() + list(extra))

    def ctl(self, *args):
        out = subprocess.run([self.holler] + list(args), capture_output=True, text=True, timeout=20)
        return out.returncode, out.stdout, out.stderr

    def tone_share(self, path, hz):
        """Decode an Ogg Opus recording and measure @hz in it."""
        wav = path + ".wav"
        dec = subprocess.run(["gst-launch-1.0", "-q", "filesrc", "location=" + path, "!", "oggdemux", "!",
                              "opusdec", "!", "audioconvert", "!", "audioresample", "!",
                              "audio/x-raw,format=S16LE,rate=48000,channels=1", "!", "wavenc", "!",
                              "filesink", "location=" + wav], capture_output=True, text=True, timeout=60)
        check(dec.returncode == 0 and os.path.exists(wav),
              "%s does not decode: %s" % (path, (dec.stderr or dec.stdout).strip()[-300:]))
        out = subprocess.run([self.wav_tone, wav, str(hz)], capture_output=True, text=True, timeout=30)
        check(out.returncode == 0, "holler-wav-tone %s: %s" % (wav, out.stderr.strip()))
        return json.loads(out.stdout)

    def close(self, keep):
        for p in self.procs:
            if p.proc.poll() is None:
                p.proc.kill()
                p.proc.wait()
            p.log.close()
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def recordings(rec):
    """Sidecars (as dicts, with the recording's path) in a record dir."""
    out = {}
    for path in sorted(glob.glob(os.path.join(rec, "*.json"))):
        with open(path) as f:
            side = json.load(f)
        side["path"] = os.path.join(rec, side["recording"])
        out[side["caller"]] = side
    return out


# --- cases ---

def case_ten_callers(lab):
    """10 concurrent callers, each its own tone: every recording holds its
    caller's tone, every sidecar names its caller; holler calls (D-Bus)
    lists the calls and hangs one up."""
    rec = os.path.join(lab.dir, "rec")
    svc = lab.service(["--record-dir", rec, "--max-calls", "12"])
    tones = {"caller%d" % i: 400 + 100 * i for i in range(CALLERS)}
    last = "caller%d" % (CALLERS - 1)
    callers = {name: lab.caller(name, hz, 6 * SLOW) for name, hz in tones.items()}
    for name, p in callers.items():
        p.wait_event("state", 20, state="active")
    # the service may not have seen every call become active yet
    deadline = time.monotonic() + 10 * SLOW
    while True:
        rc, out, err = lab.ctl("calls", "--json")
        check(rc == 0, "holler calls failed: %s" % err)
        calls = json.loads(out)
        if (len(calls) == CALLERS and all(c["state"] == "active" and "pair-type" in c["stats"] for c in calls)) \
                or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    check(len(calls) == CALLERS, "holler calls lists %d calls, expected %d: %s" % (len(calls), CALLERS, out))
    check(sorted(c["peer"] for c in calls) == sorted(tones), "peers listed: %s" % [c["peer"] for c in calls])
    check(all(c["state"] == "active" and c["stats"].get("pair-type") == "host/host" for c in calls),
          "not all active with a host/host pair: %s" % out)
    victim = next(c for c in calls if c["peer"] == last)
    rc, _, err = lab.ctl("hangup", str(victim["id"]))
    check(rc == 0, "holler hangup %s failed: %s" % (victim["id"], err))
    check(callers[last].wait(10) == 0, "%s did not end cleanly after the hang-up" % last)
    check(callers[last].ended()["reason"] == "hangup", "%s: %s" % (last, callers[last].ended()))
    for name, p in callers.items():
        check(p.wait(30) == 0, "%s exit status %s (see %s)" % (name, p.proc.returncode, p.log_path))
    rc, out, _ = lab.ctl("calls", "--json")
    check(rc == 0 and json.loads(out) == [], "calls left after all ended: %s" % out)
    sides = recordings(rec)
    check(sorted(sides) == sorted(tones), "sidecars for %s" % sorted(sides))
    shares = {}
    for name, hz in tones.items():
        side = sides[name]
        check(side["direction"] == "incoming" and side["end_reason"] == "hangup" and not side["failed"],
              "%s sidecar: %s" % (name, side))
        r = lab.tone_share(side["path"], hz)
        shares[name] = round(r["share"], 2)
        check(r["share"] > 0.6, "%s's recording: %d Hz in %.0f%% of it (%.1f s, dominant %.0f Hz)"
              % (name, hz, r["share"] * 100, r["seconds"], r["dominant_hz"]))
    check(sides[last]["duration_s"] < sides["caller0"]["duration_s"],
          "the hung-up call is not shorter: %s vs %s" % (sides[last]["duration_s"], sides["caller0"]["duration_s"]))
    svc.proc.send_signal(signal.SIGTERM)
    check(svc.wait(15) == 0, "service exit status %s after SIGTERM" % svc.proc.returncode)
    return {"tone_shares": shares}


def case_echo(lab):
    """--input echo: the caller hears its own tone back."""
    lab.service(["--input", "echo"])
    heard = os.path.join(lab.dir, "heard.wav")
    p = lab.caller("echoer", 700, 4, ["--output", "file:" + heard])
    check(p.wait(30) == 0, "caller exit status %s (see %s)" % (p.proc.returncode, p.log_path))
    out = subprocess.run([lab.wav_tone, heard, "700"], capture_output=True, text=True, timeout=30)
    r = json.loads(out.stdout)
    check(r["share"] > 0.6, "the caller heard 700 Hz in %.0f%% of the call (dominant %.0f Hz)"
          % (r["share"] * 100, r["dominant_hz"]))
    return {"echo_share": round(r["share"], 2)}


def case_greeting_then_record(lab):
    """A greeting (660 Hz, 2 s) first, then the caller is recorded."""
    greeting = os.path.join(lab.dir, "greeting.ogg")
    subprocess.run(["gst-launch-1.0", "-q", "audiotestsrc", "freq=660", "num-buffers=100", "samplesperbuffer=960",
                    "!", "audio/x-raw,rate=48000,channels=1", "!", "opusenc", "!", "oggmux", "!",
                    "filesink", "location=" + greeting], check=True, timeout=30)
    rec = os.path.join(lab.dir, "rec")
    lab.service(["--record-dir", rec, "--greeting", greeting])
    p = lab.caller("visitor", 440, 5)
    check(p.wait(30) == 0, "caller exit status %s (see %s)" % (p.proc.returncode, p.log_path))
    levels = [ev for ev in p.events("level") if ev.get("level_db", -120) > -40]
    early = [round(ev["tone_hz"]) for ev in levels[:2]]
    check(all(abs(hz - 660) < 15 for hz in early) and early, "the caller did not hear the greeting first: %s" % early)
    side = recordings(rec)["visitor"]
    r = lab.tone_share(side["path"], 440)
    check(r["share"] > 0.6, "recording: 440 Hz in %.0f%%" % (r["share"] * 100))
    return {"greeting_heard": early, "record_share": round(r["share"], 2)}


def case_killed(lab):
    """kill -9 of the service mid-call leaves a playable recording."""
    rec = os.path.join(lab.dir, "rec")
    svc = lab.service(["--record-dir", rec])
    p = lab.caller("survivor", 440, 30)
    p.wait_event("state", 20, state="active")
    time.sleep(3.5)
    svc.proc.send_signal(signal.SIGKILL)
    svc.wait(5)
    p.proc.terminate()
    p.wait(15)
    sides = recordings(rec)
    check("survivor" in sides, "no sidecar after the kill: %s" % os.listdir(rec))
    r = lab.tone_share(sides["survivor"]["path"], 440)
    check(r["seconds"] >= 2.0, "only %.1f s survived the kill" % r["seconds"])
    check(r["share"] > 0.6, "440 Hz in %.0f%% of what survived" % (r["share"] * 100))
    return {"seconds_kept": r["seconds"]}


def case_sigterm(lab):
    """SIGTERM mid-call: callers get a bye (hangup), recordings and
    sidecars are complete, the service exits 0."""
    rec = os.path.join(lab.dir, "rec")
    svc = lab.service(["--record-dir", rec])
    callers = [lab.caller("c%d" % i, 500 + 200 * i, 30) for i in range(2)]
    for p in callers:
        p.wait_event("state", 20, state="active")
    time.sleep(2)
    svc.proc.send_signal(signal.SIGTERM)
    check(svc.wait(15) == 0, "service exit status %s after SIGTERM" % svc.proc.returncode)
    for i, p in enumerate(callers):
        check(p.wait(15) == 0, "c%d exit status %s (see %s)" % (i, p.proc.returncode, p.log_path))
        check(p.ended()["reason"] == "hangup", "c%d ended with %s" % (i, p.ended()))
    sides = recordings(rec)
    for i in range(2):
        side = sides["c%d" % i]
        check(side.get("end_reason") == "hangup", "c%d sidecar: %s" % (i, side))
        r = lab.tone_share(side["path"], 500 + 200 * i)
        check(r["share"] > 0.6 and r["seconds"] > 1.5, "c%d recording: %s" % (i, r))
    return {}


def case_allow_list(lab):
    """--allow: others are rejected, the allowed caller gets through."""
    lab.service(["--allow", "friend"])
    stranger = lab.caller("stranger", 440, 2)
    check(stranger.wait(20) == 1, "the stranger's call did not fail")
    check(stranger.ended()["reason"] == "rejected", "stranger ended with %s" % stranger.ended())
    friend = lab.caller("friend", 440, 2)
    check(friend.wait(20) == 0, "the friend's call failed (see %s)" % friend.log_path)
    return {}


def case_max_calls(lab):
    """--max-calls 1: a second caller hears busy, the first is unharmed."""
    lab.service(["--max-calls", "1"])
    first = lab.caller("first", 440, 4)
    first.wait_event("state", 20, state="active")
    second = lab.caller("second", 550, 2)
    check(second.wait(20) == 1, "the second call did not fail")
    check(second.ended()["reason"] == "busy", "second ended with %s" % second.ended())
    check(first.wait(20) == 0, "the first call failed (see %s)" % first.log_path)
    return {}


CASES = {
    "ten-callers": case_ten_callers,
    "echo": case_echo,
    "greeting-record": case_greeting_then_record,
    "killed": case_killed,
    "sigterm": case_sigterm,
    "allow-list": case_allow_list,
    "max-calls": case_max_calls,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", nargs="?")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--holler", default=os.environ.get("HOLLER_BIN"))
    ap.add_argument("--wav-tone", default=os.environ.get("HOLLER_WAV_TONE"))
    args = ap.parse_args()
    if args.list:
        for name, fn in CASES.items():
            print("%-16s %s" % (name, fn.__doc__.split("\n")[0]))
        return 0
    if args.case not in CASES or not args.holler or not args.wav_tone:
        ap.error("give a case (--list), --holler and --wav-tone")
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        print("SKIP: no D-Bus session bus (run under dbus-run-session)")
        return 77
    if shutil.which("gst-launch-1.0") is None:
        print("SKIP: gst-launch-1.0 not found (gstreamer1.0-tools)")
        return 77
    lab = Lab(os.path.abspath(args.holler), os.path.abspath(args.wav_tone), args.case)
    keep = args.keep
    try:
        lab.start_server()
        result = CASES[args.case](lab)
        print("SERVICE-RESULT " + json.dumps(dict(case=args.case, ok=True, **result)))
        return 0
    except Failure as e:
        print("FAIL %s: %s (logs in %s)" % (args.case, e, lab.dir))
        keep = True
        return 1
    finally:
        lab.close(keep)


if __name__ == "__main__":
    sys.exit(main())
