#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The answering service (holler listen --service) with real holler callers
through `holler serve`, all on 127.0.0.1, under its own D-Bus session bus
(run it with dbus-run-session; meson does).

    service-test.py CASE --holler PATH --wav-tone PATH
    service-test.py --list

Cases assert on audio decoded from the recordings (Goertzel, via
holler-wav-tone), the JSON sidecars, the callers' end reasons and exit
codes, and what `holler calls` reports over D-Bus. Every wait is for an
event or a condition, bounded by a timeout scaled by HOLLER_TEST_SLOWDOWN;
none is for a fixed time. Exit 0 ok, 1 failed, 77 skipped (no D-Bus
session bus or gst-launch-1.0; the disk cases also need root and a private
mount namespace, `unshare -m`, for their small file systems).
"""

import argparse
import errno
import glob
import json
import re
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from holler_events import read_events  # noqa: E402

LOOPBACK = ["--allow-loopback", "--ice-address", "127.0.0.1"]
# Sanitizer builds run several times slower: .ci/run sets these there
# (fewer concurrent callers, longer waits); the plain run uses 10 and 1.
CALLERS = int(os.environ.get("HOLLER_TEST_CALLERS", "10"))
SLOW = float(os.environ.get("HOLLER_TEST_SLOWDOWN", "1"))


# Polling interval of the waits below (each has its own scaled timeout)
POLL_S = 0.05


class Failure(Exception):
    pass


class Skip(Exception):
    pass


def wait_until(what, timeout, cond, interval=POLL_S):
    """Waits for cond() to return something true (returned), at most
    timeout * SLOW seconds."""
    deadline = time.monotonic() + timeout * SLOW
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure("%s: not within %.0f s" % (what, timeout * SLOW))
        time.sleep(interval)


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
        return read_events(self.log_path, kind)

    def wait_event(self, kind, timeout, **match):
        timeout *= SLOW
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for ev in self.events(kind):
                if all(ev.get(k) == v for k, v in match.items()):
                    return ev
            if self.proc.poll() is not None:
                break
            time.sleep(POLL_S)
        raise Failure("%s: no %s %s within %.0f s (see %s)" % (self.name, kind, match, timeout, self.log_path))

    def heard(self, hz):
        """How many once-a-second level events carried @hz (what it heard)"""
        return sum(1 for ev in self.events("level")
                   if ev.get("level_db", -120) > -40 and abs(ev.get("tone_hz", 0) - hz) < 15)

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
        self.others = []             # anything else with a .proc to stop
        self.mounts = []
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
        out = subprocess.run([self.holler] + list(args), capture_output=True, text=True, timeout=20 * SLOW)
        return out.returncode, out.stdout, out.stderr

    def calls(self):
        """holler calls --json: {peer: call}"""
        rc, out, err = self.ctl("calls", "--json")
        check(rc == 0, "holler calls failed: %s" % err)
        return {c["peer"]: c for c in json.loads(out)}

    def wait_received(self, peers, packets, timeout):
        """Until the service has received @packets RTP packets from each of
        @peers (D-Bus Stats, updated once a second): that much of each
        caller is in its recording."""
        def enough():
            calls = self.calls()
            return all(calls.get(p, {}).get("stats", {}).get("packets-received", 0) >= packets for p in peers)
        wait_until("%d packets received from each of %s" % (packets, sorted(peers)), timeout, enough, 0.2)

    def mount_tmpfs(self, path, options):
        """A small tmpfs (root, in the private mount namespace main() made)"""
        out = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "holler-test", path],
                             capture_output=True, text=True, timeout=10)
        if out.returncode != 0:
            raise Skip("cannot mount a tmpfs here: %s" % out.stderr.strip())
        self.mounts.append(path)

    def tone_share(self, path, hz):
        """Decode an Ogg Opus recording and measure @hz in it."""
        wav = os.path.join(self.dir, os.path.basename(path) + ".wav")   # not on the record dir's disk
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
        for p in self.others + self.procs:
            if p.proc.poll() is None:
                p.proc.kill()
                p.proc.wait()
            p.log.close()
        for path in reversed(self.mounts):
            subprocess.run(["umount", "-l", path], timeout=10)
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


def ogg_pages(path):
    """The pages of a one-stream Ogg file: (flags, granule, packets ending
    on it); a packet continued across pages is joined."""
    with open(path, "rb") as f:
        data = f.read()
    pages, partial, i = [], b"", 0
    while i < len(data):
        check(data[i:i + 4] == b"OggS", "%s: no Ogg page at byte %d" % (path, i))
        flags, granule = data[i + 5], int.from_bytes(data[i + 6:i + 14], "little", signed=True)
        nseg = data[i + 26]
        lacing = data[i + 27:i + 27 + nseg]
        at = i + 27 + nseg
        packets = []
        for n in lacing:
            partial += data[at:at + n]
            at += n
            if n < 255:
                packets.append(partial)
                partial = b""
        pages.append((flags, granule, packets))
        i = at
    return pages


def opus_packets(path):
    """The audio packets of an Ogg Opus file (after OpusHead and OpusTags)"""
    packets = [p for _, _, ps in ogg_pages(path) for p in ps]
    check(len(packets) >= 2 and packets[0].startswith(b"OpusHead") and packets[1].startswith(b"OpusTags"),
          "%s: not Ogg Opus" % path)
    return packets[2:]


def match_packets(source, got):
    """Walks the sent and the recorded packets: each recorded one is either
    the next sent one (sent ones that never arrived are skipped; the first
    may be any) or an empty concealment frame (one TOC byte: the packet
    before's configuration, or a CELT one for a rest shorter than a frame,
    RFC 7845 4.1). Returns (identical, sent ones skipped, samples of
    concealment)."""
    j, toc, identical, skipped, fill_samples = 0, None, 0, 0, 0
    for i, pkt in enumerate(got):
        if toc is not None and len(pkt) == 1 and (pkt[0] == toc & 0xFC or
                                                  (pkt[0] >> 3 in (28, 29, 30) and pkt[0] & 7 == toc & 4)):
            fill_samples += {28: 120, 29: 240, 30: 480}.get(pkt[0] >> 3, 960)
            continue
        last = len(source) if toc is None else min(j + 40, len(source))
        nxt = [n for n in range(j, last) if source[n] == pkt]
        check(nxt, "recorded packet %d (%d bytes) is none of the sent packets %d..%d" % (i, len(pkt), j, last - 1))
        skipped += nxt[0] - j if toc is not None else 0
        j, toc, identical = nxt[0] + 1, pkt[0], identical + 1
    return identical, skipped, fill_samples


# --- cases ---

def case_ten_callers(lab):
    """10 concurrent callers, each its own tone: every recording holds its
    caller's tone, every sidecar names its caller; holler calls (D-Bus)
    lists the calls and hangs one up."""
    rec = os.path.join(lab.dir, "rec")
    svc = lab.service(["--record-dir", rec, "--max-calls", "12"])
    tones = {"caller%d" % i: 400 + 100 * i for i in range(CALLERS)}
    last = "caller%d" % (CALLERS - 1)
    # the last caller would talk for a minute: only the hang-up ends it
    callers = {name: lab.caller(name, hz, 60 if name == last else 6 * SLOW) for name, hz in tones.items()}
    for name, p in callers.items():
        p.wait_event("state", 20, state="active")

    # the service may not have seen every call become active yet
    def listed():
        calls = lab.calls()
        if len(calls) == CALLERS and all(c["state"] == "active" and "pair-type" in c["stats"]
                                         for c in calls.values()):
            return calls
        return None
    calls = wait_until("%d active calls listed by holler calls" % CALLERS, 10, listed, 0.2)
    check(sorted(calls) == sorted(tones), "peers listed: %s" % sorted(calls))
    check(all(c["stats"].get("pair-type") == "host/host" for c in calls.values()),
          "not all host/host: %s" % calls)
    # 2 s of the last caller's audio in before it is hung up (the check
    # below decodes its recording)
    lab.wait_received([last], 100, 20)
    rc, _, err = lab.ctl("hangup", str(calls[last]["id"]))
    check(rc == 0, "holler hangup %s failed: %s" % (calls[last]["id"], err))
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
        check(r["share"] > 0.6 and r["seconds"] >= 1.5,
              "%s's recording: %d Hz in %.0f%% of it (%.1f s, dominant %.0f Hz)"
              % (name, hz, r["share"] * 100, r["seconds"], r["dominant_hz"]))
    # hung up by the service, long before its own minute was over
    check(sides[last]["duration_s"] < 50, "the hung-up call lasted %s s" % sides[last]["duration_s"])
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


def case_greeting_then_echo(lab):
    """A greeting followed by the echo: the greeting goes through the
    feed (decoded, encoded with the echo) instead of being sent as the
    file's packets; the caller hears 660 Hz first, then its own 440 Hz."""
    greeting = os.path.join(lab.dir, "greeting.ogg")
    subprocess.run(["gst-launch-1.0", "-q", "audiotestsrc", "freq=660", "num-buffers=100", "samplesperbuffer=960",
                    "!", "audio/x-raw,rate=48000,channels=1", "!", "opusenc", "!", "oggmux", "!",
                    "filesink", "location=" + greeting], check=True, timeout=30)
    lab.service(["--greeting", greeting, "--input", "echo"])
    p = lab.caller("visitor", 440, 5)
    check(p.wait(30) == 0, "caller exit status %s (see %s)" % (p.proc.returncode, p.log_path))
    heard = [round(ev["tone_hz"]) for ev in p.events("level") if ev.get("level_db", -120) > -40]
    check(heard and abs(heard[0] - 660) < 15, "the caller did not hear the greeting first: %s" % heard)
    check(sum(1 for hz in heard if abs(hz - 440) < 15) >= 2, "the caller did not hear its echo: %s" % heard)
    return {"heard": heard}


def case_greeting_wav(lab):
    """A WAV greeting is encoded once, on a thread, at the first call
    (which plays it through its own encoder meanwhile); the next caller
    gets those packets. Both hear 660 Hz first and are recorded."""
    greeting = os.path.join(lab.dir, "greeting.wav")
    subprocess.run(["gst-launch-1.0", "-q", "audiotestsrc", "freq=660", "num-buffers=100", "samplesperbuffer=960",
                    "!", "audio/x-raw,rate=48000,channels=1,format=S16LE", "!", "wavenc", "!",
                    "filesink", "location=" + greeting], check=True, timeout=30)
    rec = os.path.join(lab.dir, "rec")
    os.environ["G_MESSAGES_DEBUG"] = "holler-media"   # the service says which greeting path a call took
    try:
        svc = lab.service(["--record-dir", rec, "--greeting", greeting])
    finally:
        del os.environ["G_MESSAGES_DEBUG"]
    heard = {}
    for name, hz in (("first", 440), ("second", 550)):
        p = lab.caller(name, hz, 4)
        check(p.wait(30) == 0, "%s exit status %s (see %s)" % (name, p.proc.returncode, p.log_path))
        heard[name] = [round(ev["tone_hz"]) for ev in p.events("level") if ev.get("level_db", -120) > -40]
        check(heard[name] and abs(heard[name][0] - 660) < 15, "%s did not hear the greeting first: %s"
              % (name, heard[name]))
        if name == "first":
            with open(svc.log_path) as f:
                check("packets encoded once" not in f.read(), "the first call had the greeting encoded already")
            wait_until("the greeting encoded once", 10,
                       lambda: "encoded once for every call" in open(svc.log_path).read())
    with open(svc.log_path) as f:
        check(f.read().count("packets encoded once") == 1, "the second call did not send the encoded greeting")
    sides = wait_until("both sidecars", 10, lambda: len(recordings(rec)) == 2 and recordings(rec))
    for name, hz in (("first", 440), ("second", 550)):
        r = lab.tone_share(sides[name]["path"], hz)
        check(r["share"] > 0.6, "%s's recording: %s" % (name, r))
    return {"heard": heard}


def case_bit_exact(lab):
    """The recording holds the caller's Opus packets as they were sent
    (a pre-encoded file, --input opus:), bit for bit, in order; a DTMF digit
    the caller sends is not in it (its audio gap is filled with empty
    concealment frames); the granule positions count the packets; the file
    decodes to the caller's tone."""
    sent = os.path.join(lab.dir, "sent.ogg")
    subprocess.run(["gst-launch-1.0", "-q", "audiotestsrc", "freq=587", "num-buffers=500", "samplesperbuffer=960",
                    "!", "audio/x-raw,rate=48000,channels=1", "!", "opusenc", "bitrate=32000", "frame-size=20",
                    "!", "oggmux", "!", "filesink", "location=" + sent], check=True, timeout=30)
    rec = os.path.join(lab.dir, "rec")
    svc = lab.service(["--record-dir", rec])
    p = Proc(lab, "exact", ["call", "answerer", "--id", "exact", "--input", "opus:" + sent, "--duration", "5",
                            "--output", "null", "--dtmf", "5"] + lab.common())
    check(p.wait(30) == 0, "caller exit status %s (see %s)" % (p.proc.returncode, p.log_path))
    svc.wait_event("dtmf", 10)
    side = wait_until("the sidecar's end", 10, lambda: recordings(rec).get("exact", {}).get("end") and
                      recordings(rec)["exact"])
    source = opus_packets(sent)
    got = opus_packets(side["path"])
    check(len(got) >= 150, "only %d packets recorded" % len(got))
    identical, skipped, fill_samples = match_packets(source, got)
    # the digit replaces up to ~0.5 s of audio (a 250 ms tone, the pause
    # after it, rtpdtmfsrc's end packets); on loopback nothing else is lost
    check(skipped <= 40, "%d sent packets missing from the recording" % skipped)
    # the gaps are filled to the sample: as long as the packets missing
    check(fill_samples == 960 * skipped,
          "%d samples of concealment for %d missing packets" % (fill_samples, skipped))
    pages = ogg_pages(side["path"])
    audio_pages = [pg for pg in pages[2:] if pg[2]]
    check(audio_pages[-1][1] == 960 * identical + fill_samples, "last granule %d, %d packets of 20 ms recorded"
          " and %d samples of concealment" % (audio_pages[-1][1], identical, fill_samples))
    check([pg[0] & 4 for pg in pages].count(4) == 1 and pages[-1][0] & 4,
          "not one end-of-stream page, the last: %s" % [pg[:2] for pg in pages[-3:]])
    r = lab.tone_share(side["path"], 587)
    check(r["share"] > 0.6 and r["seconds"] >= 3, "recording: %s" % r)
    return {"packets": len(got), "identical": identical, "skipped": skipped, "concealment_samples": fill_samples,
            "share": round(r["share"], 2)}


def case_killed(lab):
    """kill -9 of the service mid-call leaves a playable recording."""
    rec = os.path.join(lab.dir, "rec")
    svc = lab.service(["--record-dir", rec])
    p = lab.caller("survivor", 440, 30)
    p.wait_event("state", 20, state="active")
    lab.wait_received(["survivor"], 175, 20)   # 3.5 s of audio
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
    lab.wait_received(["c0", "c1"], 100, 20)   # 2 s of each
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


def case_allow_key(lab):
    """--allow ID=FINGERPRINT: only that id holding that key gets through
    (the key is the one DTLS then checks); a bad entry is a usage error."""
    rc, out, err = lab.ctl("identity")
    check(rc == 0 and out.startswith("sha-256 "), "holler identity: %s" % err)
    key = out.split()[1]
    rc, _, err = lab.ctl("listen", "--service", "--id", "x", "--allow", "friend=AB:CD", "--signaling",
                         "ws://127.0.0.1:1/ws")
    check(rc == 2 and "--allow friend=AB:CD" in err, "a bad --allow entry: exit %d, %s" % (rc, err.strip()))
    lab.service(["--allow", "friend=" + key.lower()])
    impostor = lab.caller("friend", 440, 2, ["--ephemeral"])
    check(impostor.wait(20) == 1 and impostor.ended()["reason"] == "rejected",
          "a caller named friend with another key: %s" % impostor.ended())
    other = lab.caller("other", 440, 2)
    check(other.wait(20) == 1 and other.ended()["reason"] == "rejected",
          "another id with friend's key: %s" % other.ended())
    friend = lab.caller("friend", 440, 2)
    check(friend.wait(20) == 0, "friend with its key failed (see %s)" % friend.log_path)
    return {"key": key}


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


def case_disk_full(lab):
    """The record dir's file system fills up during the calls: the calls go
    on (audio still flows both ways), the failure is reported (JSON warning,
    D-Bus RecordingError, sidecar recording_error), the calls end normally
    later and every sidecar is complete."""
    rec = os.path.join(lab.dir, "rec")
    os.mkdir(rec)
    lab.mount_tmpfs(rec, "size=1m")
    svc = lab.service(["--record-dir", rec, "--input", "echo"])
    tones = {"full%d" % i: 500 + 150 * i for i in range(3)}
    # they talk until told to stop (SIGTERM: hang up)
    callers = {name: lab.caller(name, hz, 600) for name, hz in tones.items()}
    for p in callers.values():
        p.wait_event("state", 20, state="active")
    lab.wait_received(list(tones), 75, 20)   # 1.5 s of each recorded

    filler = os.path.join(rec, "filler")
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError as e:
            check(e.errno == errno.ENOSPC, "filling the disk: %s" % e)

    def warned():
        ws = [ev for ev in svc.events("warning") if "recording_error" in ev]
        return ws if len(ws) >= len(tones) else None
    warnings = wait_until("a recording_error warning for each call", 10, warned)
    check(all("No space left" in w["recording_error"] for w in warnings), "warnings: %s" % warnings)
    calls = lab.calls()
    check(sorted(calls) == sorted(tones) and all(c["state"] == "active" for c in calls.values()),
          "calls after the disk filled: %s" % calls)
    check(all("No space left" in c.get("recording_error", "") for c in calls.values()),
          "D-Bus RecordingError: %s" % calls)
    # audio goes on both ways: each caller hears its tone echoed, more of it
    heard = {name: callers[name].heard(hz) for name, hz in tones.items()}
    for name, hz in tones.items():
        wait_until("%s hears its %d Hz echoed after the disk filled" % (name, hz), 10,
                   lambda: callers[name].heard(hz) >= heard[name] + 2)
    for name, p in callers.items():
        p.proc.send_signal(signal.SIGTERM)
    for name, p in callers.items():
        check(p.wait(15) == 0, "%s exit status %s (see %s)" % (name, p.proc.returncode, p.log_path))
        check(p.ended()["reason"] == "hangup", "%s ended with %s" % (name, p.ended()))
    wait_until("every call gone from holler calls", 10, lambda: lab.calls() == {}, 0.2)
    sides = recordings(rec)
    check(sorted(sides) == sorted(tones), "sidecars for %s" % sorted(sides))
    seconds = {}
    for name, hz in tones.items():
        side = sides[name]
        check(side.get("end_reason") == "hangup" and "end" in side and side.get("failed") is False,
              "%s sidecar incomplete: %s" % (name, side))
        check("No space left" in side.get("recording_error", ""), "%s sidecar: %s" % (name, side))
        r = lab.tone_share(side["path"], hz)
        seconds[name] = r["seconds"]
        check(r["seconds"] >= 1.0 and r["share"] > 0.6, "%s recording up to the full disk: %s" % (name, r))
    left = [n for n in os.listdir(rec) if n.endswith(".reserve")]
    check(not left, "reserve files left behind: %s" % left)
    svc.proc.send_signal(signal.SIGTERM)
    check(svc.wait(15) == 0, "service exit status %s after SIGTERM" % svc.proc.returncode)
    return {"recorded_s": seconds, "warnings": len(warnings)}


def case_record_dir_readonly(lab):
    """A record dir that cannot be written: a clear start-up error naming
    the directory and the reason, exit 1, no calls taken."""
    ro = os.path.join(lab.dir, "ro")
    os.mkdir(ro)
    if os.geteuid() == 0:
        lab.mount_tmpfs(ro, "ro,size=64k")
        reason = "Read-only file system"
    else:
        os.chmod(ro, 0o555)
        reason = "Permission denied"
    for i, target in enumerate([ro, os.path.join(ro, "missing")]):
        p = Proc(lab, "service%d" % i, ["listen", "--service", "--auto-answer", "--id", "answerer"]
                 + lab.common() + ["--record-dir", target])
        check(p.wait(10) == 1, "exit status %s with --record-dir %s" % (p.proc.returncode, target))
        with open(p.log_path) as f:
            text = f.read()
        check(target in text and reason in text, "no clear error for %s: %r" % (target, text))
        check(not p.events("listening"), "the service started with %s" % target)
    return {}


# cases that mount a small file system: run in a private mount namespace
class Monitor:
    """`gdbus monitor` on the service's bus name: every signal it emits, one
    line each, e.g. "/io/github/holler/Holler/Call/1:
    io.github.holler.Holler.Call.Dtmf ('5',)"."""

    LINE = re.compile(r"^(/\S*): ([\w.]+)\.(\w+) \((.*)\)$")

    def __init__(self, lab):
        self.path = os.path.join(lab.dir, "monitor.log")
        self.log = open(self.path, "w")
        self.proc = subprocess.Popen(["gdbus", "monitor", "--session", "--dest", "io.github.holler.Holler"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        lab.others.append(self)

    def signals(self):
        """[(path, interface, member, args text)] so far"""
        with open(self.path) as f:
            return [m.groups() for m in map(self.LINE.match, f.read().splitlines()) if m]

    def wait(self, member, args, timeout):
        """Until the signal @member with @args (its text) has come"""
        return wait_until("D-Bus signal %s %s (see %s)" % (member, args, self.path), timeout,
                          lambda: [s for s in self.signals() if s[2] == member and s[3] == args])


def case_dbus_events(lab):
    """D-Bus pushes what a call tells: Dtmf, IceRestart and StateChanged
    signals without polling, and PropertiesChanged agreeing with them and
    with holler calls --json."""
    mon = Monitor(lab)
    lab.service([])
    caller = lab.caller("dialer", 500, 60, ["--dtmf", "159#"])
    path = "/io/github/holler/Holler/Call/1"
    mon.wait("StateChanged", "'active',", 20)
    calls = lab.calls()
    check(calls.get("dialer", {}).get("state") == "active", "holler calls --json after StateChanged: %s" % calls)
    # the peer check comes before media: its properties are set by now, and
    # the service shows the code the caller shows (one DTLS session)
    peer = caller.wait_event("peer", 10)
    bus_peer = {}
    for name in ("PeerStatus", "PeerFingerprint", "Sas"):
        rc = subprocess.run(["gdbus", "call", "--session", "--dest", "io.github.holler.Holler", "--object-path", path,
                             "--method", "org.freedesktop.DBus.Properties.Get", "io.github.holler.Holler.Call", name],
                            capture_output=True, text=True, timeout=20 * SLOW)
        check(rc.returncode == 0, "Get %s: %s" % (name, rc.stderr.strip()))
        bus_peer[name] = rc.stdout.split("'")[1] if "'" in rc.stdout else ""
    check(re.fullmatch(r"\d{3} \d{3}", bus_peer["Sas"] or "") and bus_peer["Sas"] == peer.get("sas"),
          "D-Bus Sas %r, the caller's code %r" % (bus_peer["Sas"], peer.get("sas")))
    check(bus_peer["PeerStatus"] in ("new", "known", "changed") and len(bus_peer["PeerFingerprint"]) == 95,
          "D-Bus PeerStatus %r, PeerFingerprint %r" % (bus_peer["PeerStatus"], bus_peer["PeerFingerprint"]))
    for digit in "159#":
        mon.wait("Dtmf", "'%s'," % digit, 20)
    dtmf = [s[3] for s in mon.signals() if s[2] == "Dtmf"]
    check(dtmf == ["'1',", "'5',", "'9',", "'#',"], "Dtmf signals %s" % dtmf)
    mon.wait("PropertiesChanged", "'io.github.holler.Holler.Call', {'DtmfReceived': <'159#'>}, @as []", 10)
    rc = subprocess.run(["gdbus", "call", "--session", "--dest", "io.github.holler.Holler", "--object-path", path,
                         "--method", "io.github.holler.Holler.Call.RestartIce"],
                        capture_output=True, text=True, timeout=20 * SLOW)
    check(rc.returncode == 0, "RestartIce: %s" % rc.stderr.strip())
    mon.wait("IceRestart", "'started', 'requested'", 20)
    mon.wait("IceRestart", "'done', ''", 30)
    caller.wait_event("ice-restart", 20, phase="done")
    rc, _, err = lab.ctl("hangup", str(calls["dialer"]["id"]))
    check(rc == 0, "holler hangup: %s" % err)
    mon.wait("StateChanged", "'ended',", 20)
    check(caller.wait(20) == 0 and caller.ended()["reason"] == "hangup", "caller: %s" % caller.ended())
    # every StateChanged has the PropertiesChanged of the same State
    states = [s[3].split("'")[1] for s in mon.signals() if s[0] == path and s[2] == "StateChanged"]
    props = re.findall(r"'State': <'(\w+)'>", "".join(s[3] for s in mon.signals() if s[2] == "PropertiesChanged"))
    check(states == props and states[-1] == "ended" and "active" in states,
          "StateChanged %s but State properties %s" % (states, props))
    return {"states": states, "dtmf": "".join(d[1] for d in dtmf), "sas": bus_peer["Sas"],
            "peer_status": bus_peer["PeerStatus"]}


MOUNT_CASES = {"disk-full": True, "record-dir-readonly": False}   # True: needs it

CASES = {
    "ten-callers": case_ten_callers,
    "echo": case_echo,
    "greeting-record": case_greeting_then_record,
    "greeting-echo": case_greeting_then_echo,
    "greeting-wav": case_greeting_wav,
    "bit-exact": case_bit_exact,
    "killed": case_killed,
    "sigterm": case_sigterm,
    "allow-list": case_allow_list,
    "allow-key": case_allow_key,
    "max-calls": case_max_calls,
    "disk-full": case_disk_full,
    "record-dir-readonly": case_record_dir_readonly,
    "dbus-events": case_dbus_events,
}


def in_mount_namespace(args):
    """Runs this script again inside `unshare -m` (mounts stay private and
    go away with it). None: not possible here; else the exit status."""
    if os.environ.get("HOLLER_TEST_MNTNS") or os.geteuid() != 0 or shutil.which("unshare") is None:
        return None
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "true"], capture_output=True)
    if probe.returncode != 0:
        return None
    env = dict(os.environ, HOLLER_TEST_MNTNS="1")
    return subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable] + args, env=env).returncode



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
    if args.case in MOUNT_CASES and not os.environ.get("HOLLER_TEST_MNTNS"):
        status = in_mount_namespace([os.path.abspath(__file__)] + sys.argv[1:])
        if status is not None:
            return status
        if MOUNT_CASES[args.case] or os.geteuid() == 0:
            print("SKIP: %s needs root and a private mount namespace (unshare -m)" % args.case)
            return 77
    lab = Lab(os.path.abspath(args.holler), os.path.abspath(args.wav_tone), args.case)
    keep = args.keep
    try:
        lab.start_server()
        result = CASES[args.case](lab)
        print("SERVICE-RESULT " + json.dumps(dict(case=args.case, ok=True, **result)))
        return 0
    except Skip as e:
        print("SKIP: %s" % e)
        return 77
    except Failure as e:
        print("FAIL %s: %s (logs in %s)" % (args.case, e, lab.dir))
        keep = True
        return 1
    finally:
        lab.close(keep)


if __name__ == "__main__":
    sys.exit(main())
