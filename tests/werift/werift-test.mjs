// SPDX-License-Identifier: LGPL-2.1-or-later
// Interop with werift, a WebRTC stack (pure TypeScript) that routes incoming
// RTP by the SSRCs and MID its peer signalled and drops what it cannot
// place. Run by run-werift-tests.sh inside a network namespace; prints TAP.
//
// For each role (holler calls werift, werift calls holler), holler speaks
// its stdio signaling (one JSON object per line) with this script, which
// drives a werift RTCPeerConnection:
//   - werift sends a 660 Hz tone (Opus-encoded here with opusscript);
//     holler's `level` events must report it;
//   - holler sends 440 Hz; werift's received RTP is decoded here and the
//     tone measured (Goertzel) on the decoded samples;
//   - RTCP flows both ways: holler's final stats have an RTT computed
//     from werift's receiver reports.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import OpusScript from 'opusscript';
import {
  RTCPeerConnection, RTCRtpCodecParameters, MediaStreamTrack, RtpPacket, RtpHeader,
  useSdesMid,
} from 'werift';

const HOLLER = process.env.HOLLER_BIN;
const ADDRESS = process.env.HOLLER_TEST_ADDRESS;
const ARTIFACTS = process.env.HOLLER_WERIFT_ARTIFACTS || '.';
const SLOWDOWN = Math.max(1, Number(process.env.HOLLER_TEST_SLOWDOWN || 1));
const HOLLER_TONE = 440;
const WERIFT_TONE = 660;
const TONE_TOLERANCE = 15;   // Hz
const RATE = 48000;
const FRAME = 960;           // 20 ms
const CALL_SECONDS = 8;      // holler hangs up then (--duration)
const TIMEOUT_MS = 20000 * SLOWDOWN;

let testNumber = 0;
let failures = 0;
const note = (text) => console.log(`# ${text}`);
function check(ok, description, detail) {
  testNumber++;
  if (!ok) failures++;
  console.log(`${ok ? 'ok' : 'not ok'} ${testNumber} - ${description}`);
  if (detail !== undefined) note(`  ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`);
  return ok;
}

// --- tones ----------------------------------------------------------------------

// Relative power of @hz in @samples (Int16Array), 0..1, by Goertzel.
function toneShare(samples, hz) {
  const w = 2 * Math.PI * hz / RATE;
  const coeff = 2 * Math.cos(w);
  let s1 = 0, s2 = 0, energy = 0;
  for (const x of samples) {
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += x * x;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return energy > 0 ? (2 * power / samples.length) / energy : 0;
}

// The strongest of a few candidate frequencies 100..2000 Hz in 10 Hz steps.
function dominant(samples) {
  let best = 0, bestShare = 0;
  for (let hz = 100; hz <= 2000; hz += 10) {
    const share = toneShare(samples, hz);
    if (share > bestShare) { best = hz; bestShare = share; }
  }
  return { hz: best, share: bestShare };
}

function toneFrame(n) {
  const pcm = Buffer.alloc(FRAME * 2);
  for (let i = 0; i < FRAME; i++) {
    const t = (n * FRAME + i) / RATE;
    pcm.writeInt16LE(Math.round(8000 * Math.sin(2 * Math.PI * WERIFT_TONE * t)), i * 2);
  }
  return pcm;
}

// Sends the tone as Opus RTP on @track, paced by the clock (not by timer
// ticks, which drift on a busy machine). Returns a stop function.
function sendTone(track) {
  const encoder = new OpusScript(RATE, 1, OpusScript.Application.AUDIO);
  const start = Date.now();
  let n = 0;
  const seqBase = Math.floor(Math.random() * 65536);
  const tsBase = Math.floor(Math.random() * 2 ** 32);
  const timer = setInterval(() => {
    const due = Math.floor((Date.now() - start) / 20);
    for (; n <= due; n++) {
      const payload = Buffer.from(encoder.encode(toneFrame(n), FRAME));
      const header = new RtpHeader({
        payloadType: 111, sequenceNumber: (seqBase + n) & 0xffff,
        timestamp: (tsBase + n * FRAME) >>> 0, marker: n === 0,
      });
      track.writeRtp(new RtpPacket(header, payload));
    }
  }, 10);
  return () => { clearInterval(timer); encoder.delete(); };
}

// Decodes what werift hands the track (only RTP it could route to it).
function receiveTone(track, sink) {
  const decoder = new OpusScript(RATE, 1, OpusScript.Application.AUDIO);
  track.onReceiveRtp.subscribe((rtp) => {
    sink.packets++;
    try {
      const pcm = decoder.decode(rtp.payload);
      for (let i = 0; i + 1 < pcm.length; i += 2) sink.samples.push(pcm.readInt16LE(i));
    } catch (e) {
      sink.errors++;
    }
  });
}

// --- holler --------------------------------------------------------------------

function startHoller(name, args, onMessage) {
  const child = spawn(HOLLER, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const log = createWriteStream(join(ARTIFACTS, `${name}.log`));
  const proc = { child, events: [], exited: null, waiters: [] };
  log.write(`$ holler ${args.join(' ')}\n`);
  const lines = (stream, fn) => {
    let partial = '';
    stream.on('data', (chunk) => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop();
      for (const line of parts) fn(line);
    });
  };
  lines(child.stderr, (line) => {
    log.write(line + '\n');
    try { proc.events.push(JSON.parse(line)); } catch (e) { /* not an event */ }
    proc.waiters = proc.waiters.filter((w) => !w());
  });
  lines(child.stdout, (line) => {
    log.write(`> ${line}\n`);
    try { onMessage(JSON.parse(line)); } catch (e) { log.write(`# bad line: ${e}\n`); }
  });
  child.on('exit', (code) => { proc.exited = code; proc.waiters = proc.waiters.filter((w) => !w()); });
  proc.send = (msg) => {
    log.write(`< ${JSON.stringify(msg)}\n`);
    if (proc.exited === null) child.stdin.write(JSON.stringify(msg) + '\n');
  };
  return proc;
}

// Resolves once pred holds, checked on every event and on exit.
function waitFor(proc, what, pred, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    const test = () => {
      const value = pred();
      if (value) { clearTimeout(timer); resolve(value); return true; }
      return false;
    };
    if (!test()) proc.waiters.push(test);
  });
}

// --- one call ------------------------------------------------------------------

function newPeer() {
  return new RTCPeerConnection({
    iceServers: [],
    iceAdditionalHostAddresses: [ADDRESS],
    iceUseIpv6: false,
    iceUseTcp: false,
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
      video: [],
    },
    headerExtensions: { audio: [useSdesMid()], video: [] },
  });
}

function hollerArgs(command) {
  return [command, '--json', '--input', `tone:${HOLLER_TONE}`, '--output', 'null',
    '--ice-address', ADDRESS, '--duration', String(CALL_SECONDS),
    ...(command === 'listen' ? ['--auto-answer'] : [])];
}

async function call(role) {
  const hollerCalls = role === 'holler-calls';
  const pc = newPeer();
  const sink = { packets: 0, errors: 0, samples: [] };
  const track = new MediaStreamTrack({ kind: 'audio' });
  const transceiver = pc.addTransceiver(track, { direction: 'sendrecv' });
  let stopTone = () => {};
  transceiver.onTrack.subscribe((remote) => receiveTone(remote, sink));

  const onMessage = async (msg) => {
    if (msg.type === 'offer') {
      await pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      holler.send({ type: 'answer', sdp: pc.localDescription.sdp });
    } else if (msg.type === 'answer') {
      await pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp });
    } else if (msg.type === 'candidate' && msg.candidate) {
      await pc.addIceCandidate({ candidate: msg.candidate, sdpMid: msg.sdpMid, sdpMLineIndex: msg.sdpMLineIndex });
    }
  };
  const holler = startHoller(`holler-${role}`, hollerArgs(hollerCalls ? 'call' : 'listen'), (msg) => {
    onMessage(msg).catch((e) => note(`werift: ${e.message}`));
  });
  pc.onIceCandidate.subscribe((c) => {
    if (c && c.candidate) holler.send({ type: 'candidate', candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex ?? 0 });
  });
  pc.iceGatheringStateChange.subscribe((state) => {
    if (state === 'complete') holler.send({ type: 'end-of-candidates', sdpMid: '0' });
  });
  pc.connectionStateChange.subscribe((state) => {
    if (state === 'connected') stopTone = sendTone(track);
  });
  if (!hollerCalls) {
    await pc.setLocalDescription(await pc.createOffer());
    holler.send({ type: 'offer', sdp: pc.localDescription.sdp });
  }

  let hollerHeard = null;
  try {
    await waitFor(holler, 'holler active', () => holler.events.find((e) => e.event === 'state' && e.state === 'active'), TIMEOUT_MS);
    // holler's level events: the tone it decoded, once a second
    hollerHeard = await waitFor(holler, `holler hears ${WERIFT_TONE} Hz`, () => {
      const levels = holler.events.filter((e) => e.event === 'level');
      return levels.find((e) => Math.abs(e.tone_hz - WERIFT_TONE) <= TONE_TOLERANCE);
    }, TIMEOUT_MS).catch(() => null);
    await waitFor(holler, 'holler to hang up', () => holler.exited !== null, TIMEOUT_MS + CALL_SECONDS * 1000);
  } catch (e) {
    note(e.message);
  }
  stopTone();
  const levels = holler.events.filter((e) => e.event === 'level').map((e) => Math.round(e.tone_hz));
  check(hollerHeard !== null, `${role}: holler decodes werift's ${WERIFT_TONE} Hz`, { levels });
  // the last second werift decoded
  const last = sink.samples.slice(-RATE);
  const heard = last.length >= RATE / 2 ? dominant(Int16Array.from(last)) : { hz: 0, share: 0 };
  check(Math.abs(heard.hz - HOLLER_TONE) <= TONE_TOLERANCE && heard.share > 0.5,
    `${role}: werift routes and decodes holler's ${HOLLER_TONE} Hz`,
    { packets: sink.packets, decodeErrors: sink.errors, seconds: sink.samples.length / RATE, heard });
  check(holler.exited === 0, `${role}: holler ends the call cleanly`, { exit: holler.exited });
  // werift's receiver reports about holler's stream (answering holler's
  // sender reports) give holler a round-trip time
  const stats = holler.events.find((e) => e.event === 'stats') || {};
  check(typeof stats.rtt_ms === 'number' && stats.rtt_ms >= 0 && stats.rtcp_received > 0
    && stats.rtcp_sent > 0 && stats.rtcp_malformed === 0,
    `${role}: RTCP both ways, holler has an RTT from werift's reports`,
    { rtt_ms: stats.rtt_ms, rtcp_sent: stats.rtcp_sent, rtcp_received: stats.rtcp_received,
      remote_fraction_lost: stats.remote_fraction_lost });
  if (holler.exited === null) holler.child.kill();
  await pc.close();
}

// --- main -----------------------------------------------------------------------

const roles = ['holler-calls', 'werift-calls'];
console.log(`1..${roles.length * 4}`);
for (const role of roles) {
  try {
    await call(role);
  } catch (e) {
    check(false, `${role}: ${e.message}`);
  }
}
process.exit(failures === 0 ? 0 : 1);
