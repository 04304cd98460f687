#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Desktop audio through a real PulseAudio server (meson suite 'desktop').

desktop-test.py CASE --holler BIN --wav-tone BIN

Starts a private PulseAudio server (null sinks only, a unix socket in a
temporary directory; PULSE_SERVER/PULSE_RUNTIME_PATH/HOME point there, so
the user's own session is never touched), runs holler processes against
it and kills everything it started. Cases:

  devices  `holler devices` lists the null sinks and their monitors with the
           defaults marked; unknown devices are usage errors (exit 2)
  call     two holler processes on their default devices (PULSE_SOURCE /
           PULSE_SINK per process): 440 Hz played into A's microphone is
           heard on B's speaker, 880 Hz the other way
  no-dsp   without gst-plugins-bad's webrtcdsp (a plugin directory that
           lacks it): a warning naming the package, and the call goes on
  echo     B's microphone hears B's speaker (the monitor of its sink);
           A sends 440 Hz and records what B sends back: the echo's level
           with echo cancellation on must be well below the level with
           --no-echo-cancel; and 440 Hz into B's own microphone (no echo)
           must still go through with cancellation on

Exit 0 on success, 1 on failure, 77 (skip) when pulseaudio, parecord or
gst-launch-1.0 is missing or the server does not start.
"""
import argparse
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from holler_events import read_events  # noqa: E402
import wave

PULSE_CONFIG = """\
load-module module-native-protocol-unix socket={dir}/native auth-anonymous=1
load-module module-null-sink sink_name=mic_a rate=48000 channels=1 sink_properties=device.description=Mic-A
load-module module-null-sink sink_name=mic_b rate=48000 channels=1 sink_properties=device.description=Mic-B
load-module module-null-sink sink_name=speaker_a rate=48000 channels=1 sink_properties=device.description=Speaker-A
load-module module-null-sink sink_name=speaker_b rate=48000 channels=1 sink_properties=device.description=Speaker-B
set-default-sink speaker_a
set-default-source mic_a.monitor
"""

STARTUP_TIMEOUT = 10
CALL_TIMEOUT = 30


class Lab:
    def __init__(self, args):
        self.args = args
        self.dir = tempfile.mkdtemp(prefix='holler-pulse-')
        self.procs = []
        self.env = dict(os.environ)
        for var in ('PULSE_SINK', 'PULSE_SOURCE', 'PULSE_COOKIE', 'DISPLAY', 'PULSE_CLIENTCONFIG'):
            self.env.pop(var, None)
        self.env.update({
            'HOME': self.dir,
            'XDG_RUNTIME_DIR': self.dir,
            'XDG_CONFIG_HOME': os.path.join(self.dir, 'config'),
            'PULSE_RUNTIME_PATH': os.path.join(self.dir, 'runtime'),
            'PULSE_STATE_PATH': os.path.join(self.dir, 'state'),
            'PULSE_SERVER': 'unix:' + os.path.join(self.dir, 'native'),
        })

    def path(self, name):
        return os.path.join(self.dir, name)

    def spawn(self, argv, env=None, **kwargs):
        full_env = dict(self.env)
        full_env.update(env or {})
        proc = subprocess.Popen(argv, env=full_env, **kwargs)
        self.procs.append(proc)
        return proc

    def start_pulse(self):
        """None when the server answers, else why not (a skip)."""
        for tool in ('pulseaudio', 'pactl', 'parecord', 'gst-launch-1.0'):
            if shutil.which(tool) is None:
                return tool + ' is not installed (pulseaudio, pulseaudio-utils, gstreamer1.0-tools)'
        with open(self.path('pulse.pa'), 'w') as f:
            f.write(PULSE_CONFIG.format(dir=self.dir))
        self.pulse_log = open(self.path('pulse.log'), 'w')
        self.pulse = self.spawn(['pulseaudio', '--system=false', '--daemonize=no', '--exit-idle-time=-1',
                                 '-n', '-F', self.path('pulse.pa'), '--use-pid-file=false',
                                 '--disallow-exit', '--log-target=stderr'],
                                stdout=self.pulse_log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.pulse.poll() is not None:
                break
            if subprocess.run(['pactl', 'info'], env=self.env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=5).returncode == 0:
                return None
            time.sleep(0.1)
        with open(self.path('pulse.log')) as f:
            log = f.read()
        return 'pulseaudio did not start: ' + log[-500:]

    def play_tone(self, sink, hz, seconds):
        """A tone into a null sink, whose monitor is someone's microphone."""
        return self.spawn(['timeout', str(seconds), 'gst-launch-1.0', '-q', 'audiotestsrc', 'is-live=true',
                           'freq=%d' % hz, 'volume=0.5', '!', 'audio/x-raw,rate=48000,channels=1', '!',
                           'pulsesink', 'device=' + sink],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def record(self, source, wav, seconds):
        return self.spawn(['timeout', str(seconds), 'parecord', '--device=' + source, '--rate=48000',
                           '--channels=1', '--format=s16le', '--file-format=wav', wav],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def holler_pair(self, a_args, b_args, a_env=None, b_env=None, duration=8):
        """Caller A and callee B over two pipes (stdio signaling)."""
        common = ['--allow-loopback', '--ice-address', '127.0.0.1', '--json']
        a_log = open(self.path('a-%d.log' % len(self.procs)), 'w+')
        b_log = open(self.path('b-%d.log' % len(self.procs)), 'w+')
        b = self.spawn([self.args.holler, 'listen', '--auto-answer'] + common + b_args, env=b_env,
                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=b_log)
        a = self.spawn([self.args.holler, 'call', '--duration', str(duration)] + common + a_args, env=a_env,
                       stdin=b.stdout, stdout=b.stdin, stderr=a_log)
        b.stdin.close()
        b.stdout.close()
        return a, b, a_log, b_log

    def wait(self, proc, timeout):
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
            return None

    def cleanup(self):
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
        if not os.environ.get('HOLLER_KEEP_PULSE_DIR'):
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            print('# kept', self.dir)


SLOWDOWN = float(os.environ.get('HOLLER_TEST_SLOWDOWN', '1') or 1)


def log_events(log, event):
    return read_events(log.name, event)


def wait_for_event(log, event, timeout, cond=lambda ev: True):
    """Until a holler --json log (a file we write to) has this event (one
    that satisfies cond); the timeout is scaled by HOLLER_TEST_SLOWDOWN."""
    deadline = time.monotonic() + timeout * SLOWDOWN
    while time.monotonic() < deadline:
        if any(cond(ev) for ev in log_events(log, event)):
            return True
        time.sleep(0.1)
    return False


def hears(hz):
    """A level event that says the tone hz is being decoded"""
    return lambda ev: ev.get('level_db', -120) > -40 and abs(ev.get('tone_hz', 0) - hz) < 20


def wav_tone(args, wav, hz):
    out = subprocess.run([args.wav_tone, wav, str(hz)], stdout=subprocess.PIPE, timeout=30, check=True)
    return json.loads(out.stdout)


def tone_level_db(wav, hz, skip_seconds, seconds):
    """Level (dBFS, RMS) of HZ in a 16-bit mono WAV by Goertzel over a window."""
    with wave.open(wav) as w:
        rate = w.getframerate()
        w.readframes(int(skip_seconds * rate))
        frames = w.readframes(int(seconds * rate))
    n = len(frames) // 2
    if n == 0:
        return -120.0
    samples = memoryview(frames).cast('h')
    coeff = 2 * math.cos(2 * math.pi * hz / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x / 32768.0 + coeff * s1 - s2, s1
    power = s1 * s1 + s2 * s2 - coeff * s1 * s2
    amplitude = 2 * math.sqrt(max(power, 0)) / n
    rms = amplitude / math.sqrt(2)
    return 20 * math.log10(rms) if rms > 1e-6 else -120.0


def check(ok, what):
    print(('ok: ' if ok else 'FAILED: ') + what)
    return ok


def case_devices(lab):
    out = subprocess.run([lab.args.holler, 'devices', '--json'], env=lab.env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=30, text=True)
    print(out.stdout, end='')
    devices = [json.loads(line) for line in out.stdout.splitlines()]
    inputs = {d['id']: d for d in devices if d['kind'] == 'input'}
    outputs = {d['id']: d for d in devices if d['kind'] == 'output'}
    ok = check(out.returncode == 0, 'holler devices --json exits 0')
    ok &= check({'mic_a.monitor', 'speaker_b.monitor'} <= set(inputs), 'inputs include the null sinks\' monitors')
    ok &= check({'speaker_a', 'speaker_b', 'mic_a'} <= set(outputs), 'outputs include the null sinks')
    ok &= check([i for i, d in inputs.items() if d['default']] == ['mic_a.monitor'], 'the default input is marked')
    ok &= check([i for i, d in outputs.items() if d['default']] == ['speaker_a'], 'the default output is marked')
    ok &= check(outputs.get('speaker_b', {}).get('name') == 'Speaker-B', 'display names come from the server')
    human = subprocess.run([lab.args.holler, 'devices'], env=lab.env, stdout=subprocess.PIPE, timeout=30, text=True)
    ok &= check(any(line.split()[1:3] == ['*', 'speaker_a'] for line in human.stdout.splitlines()),
                'the human listing marks the default with *')
    for argv, needle in ((['call', '--input-device', 'no-such-mic'], 'no-such-mic'),
                         (['listen', '--auto-answer', '--output-device', 'No Such Speaker'], 'No Such Speaker'),
                         (['call', '--input', 'tone:440', '--input-device', 'mic_a.monitor'], '--input')):
        bad = subprocess.run([lab.args.holler] + argv, env=lab.env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30, text=True)
        ok &= check(bad.returncode == 2 and needle in bad.stderr,
                    '%s: exit 2 with a clear message (%d: %s)' % (' '.join(argv), bad.returncode, bad.stderr.strip()))
    for config, needle in (('[call]\ninput-device=no-such-mic\n', 'no-such-mic'),
                           ('[call]\noutput-device=No Such Speaker\n', 'No Such Speaker'),
                           ('[call]\necho-cancel=maybe\n', 'echo-cancel')):
        with open(lab.path('holler.conf'), 'w') as f:
            f.write(config)
        bad = subprocess.run([lab.args.holler, 'call', '--config', lab.path('holler.conf')], env=lab.env,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             timeout=30, text=True)
        ok &= check(bad.returncode == 2 and needle in bad.stderr,
                    'config %r: exit 2 (%d: %s)' % (config, bad.returncode, bad.stderr.strip()))
    return ok


def plugins_without(lab, plugin):
    """A GStreamer plugin directory of links to every system plugin but one."""
    out = subprocess.run(['gst-inspect-1.0', 'coreelements'], stdout=subprocess.PIPE, text=True, timeout=30)
    system_dir = next(os.path.dirname(line.split()[-1]) for line in out.stdout.splitlines()
                      if line.strip().startswith('Filename'))
    reduced = lab.path('plugins')
    os.mkdir(reduced)
    for name in os.listdir(system_dir):
        if name != plugin:
            os.symlink(os.path.join(system_dir, name), os.path.join(reduced, name))
    return {'GST_PLUGIN_SYSTEM_PATH_1_0': reduced, 'GST_PLUGIN_SYSTEM_PATH': reduced,
            'GST_REGISTRY_1_0': lab.path('registry.bin'), 'GST_REGISTRY': lab.path('registry.bin'),
            'GST_REGISTRY_UPDATE': 'yes'}


def case_no_dsp(lab):
    """Without webrtcdsp: a clear warning, and the call goes on."""
    env = plugins_without(lab, 'libgstwebrtcdsp.so')
    env.update({'PULSE_SOURCE': 'mic_a.monitor', 'PULSE_SINK': 'speaker_a'})
    feed = lab.play_tone('mic_a', 440, 25)
    wav = lab.path('heard-by-b.wav')
    a, b, a_log, b_log = lab.holler_pair([], ['--input', 'tone:880', '--output', 'file:' + wav], a_env=env,
                                         duration=6)
    a_status, b_status = lab.wait(a, CALL_TIMEOUT), lab.wait(b, CALL_TIMEOUT)
    feed.terminate()
    lab.wait(feed, 10)
    a_log.seek(0)
    warnings = [json.loads(line) for line in a_log.read().splitlines()
                if line.startswith('{') and '"event":"warning"' in line]
    ok = check(any('webrtcdsp' in w.get('message', '') and 'gstreamer1.0-plugins-bad' in w.get('message', '')
                   for w in warnings), 'a warning names the missing elements and the package: %s' % warnings)
    ok &= check(a_status == 0 and b_status == 0, 'both peers exit 0 (%s, %s)' % (a_status, b_status))
    result = wav_tone(lab.args, wav, 440) if os.path.exists(wav) else {'share': 0, 'seconds': 0}
    ok &= check(result['share'] >= 0.7, 'the microphone\'s 440 Hz still reaches B: %s' % json.dumps(result))
    return ok


def case_call(lab):
    feeds = [lab.play_tone('mic_a', 440, 20), lab.play_tone('mic_b', 880, 20)]
    a, b, a_log, b_log = lab.holler_pair([], [], a_env={'PULSE_SOURCE': 'mic_a.monitor', 'PULSE_SINK': 'speaker_a'},
                                         b_env={'PULSE_SOURCE': 'mic_b.monitor', 'PULSE_SINK': 'speaker_b'})
    # record once both decode: from then on each speaker plays the other's tone
    ok = check(wait_for_event(a_log, 'level', 20, hears(880)) and wait_for_event(b_log, 'level', 20, hears(440)),
               'both peers decode the other\'s tone')
    recs = [lab.record('speaker_b.monitor', lab.path('heard-by-b.wav'), 4),
            lab.record('speaker_a.monitor', lab.path('heard-by-a.wav'), 4)]
    for r in recs:
        lab.wait(r, 15)
    a_status, b_status = lab.wait(a, CALL_TIMEOUT), lab.wait(b, CALL_TIMEOUT)
    for f in feeds:
        f.terminate()
        lab.wait(f, 10)
    ok &= check(a_status == 0 and b_status == 0, 'both peers exit 0 (%s, %s)' % (a_status, b_status))
    a_log.seek(0)
    ok &= check('webrtcdsp' not in a_log.read(), 'no warning about echo cancellation (the plugin is there)')
    for wav, hz in ((lab.path('heard-by-b.wav'), 440), (lab.path('heard-by-a.wav'), 880)):
        result = wav_tone(lab.args, wav, hz) if os.path.exists(wav) else {'share': 0, 'seconds': 0}
        # the 4 s recording can run past the call's end on a loaded machine
        # (seen: 0.76 in CI); a missing or wrong tone gives ~0
        ok &= check(result['seconds'] > 2 and result['share'] >= 0.6,
                    '%s carries %d Hz: %s' % (os.path.basename(wav), hz, json.dumps(result)))
    if not ok:
        for log in (a_log, b_log):
            log.seek(0)
            print(log.read()[-3000:])
    return ok


def echo_level(lab, extra):
    """A sends 440 Hz; B plays it on speaker_b and its microphone is
    speaker_b's monitor (a perfect echo path); level of 440 Hz in what A
    receives back, seconds 3 to 7 of the call."""
    wav = lab.path('echo%s.wav' % ('-raw' if extra else ''))
    a, b, a_log, b_log = lab.holler_pair(['--input', 'tone:440', '--output', 'file:' + wav],
                                         ['--input-device', 'Monitor of Speaker-B', '--output-device', 'speaker_b']
                                         + extra)
    a_status, b_status = lab.wait(a, CALL_TIMEOUT), lab.wait(b, CALL_TIMEOUT)
    if a_status != 0 or b_status != 0 or not os.path.exists(wav):
        for log in (a_log, b_log):
            log.seek(0)
            print(log.read()[-3000:])
        return None
    return tone_level_db(wav, 440, 3, 4)


def near_end_level(lab):
    """The same 440 Hz spoken into B's microphone (no echo: A sends
    silence), echo cancellation on: what the processing does to B's voice."""
    wav = lab.path('near-end.wav')
    feed = lab.play_tone('mic_b', 440, 25)
    a, b, a_log, b_log = lab.holler_pair(['--input', 'pipeline:audiotestsrc is-live=true wave=silence',
                                          '--output', 'file:' + wav],
                                         ['--input-device', 'mic_b.monitor', '--output-device', 'speaker_b'])
    a_status, b_status = lab.wait(a, CALL_TIMEOUT), lab.wait(b, CALL_TIMEOUT)
    feed.terminate()
    lab.wait(feed, 10)
    if a_status != 0 or b_status != 0 or not os.path.exists(wav):
        return None
    return tone_level_db(wav, 440, 3, 4)


def case_echo(lab):
    on = echo_level(lab, [])
    off = echo_level(lab, ['--no-echo-cancel'])
    near = near_end_level(lab)
    ok = check(on is not None and off is not None and near is not None, 'the three calls ended normally')
    if not ok:
        return False
    print('# echo of 440 Hz sent back: %.1f dBFS with echo cancellation, %.1f dBFS without (%.1f dB less)'
          % (on, off, off - on))
    print('# 440 Hz into the microphone (no echo), echo cancellation on: %.1f dBFS (%.1f dB under the '
          'unprocessed level: noise suppression of a steady tone)' % (near, off - near))
    ok &= check(off > -20, 'without echo cancellation the echo comes back loud (%.1f dBFS)' % off)
    ok &= check(off - on >= 6, 'echo cancellation takes at least 6 dB off the echo (%.1f dB)' % (off - on))
    ok &= check(near > -30, 'the near end\'s own sound still goes through (%.1f dBFS)' % near)
    return ok


CASES = {'devices': case_devices, 'call': case_call, 'echo': case_echo, 'no-dsp': case_no_dsp}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('case', choices=sorted(CASES))
    parser.add_argument('--holler', required=True)
    parser.add_argument('--wav-tone', required=True)
    args = parser.parse_args()

    lab = Lab(args)
    try:
        why = lab.start_pulse()
        if why is not None:
            print('SKIP: ' + why)
            return 77
        return 0 if CASES[args.case](lab) else 1
    finally:
        lab.cleanup()


if __name__ == '__main__':
    sys.exit(main())
