#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-2.1-or-later
// chromium-peer: the browser baseline for bench/run (issue 9). The same call
// as `holler call` / `holler listen --auto-answer` over stdio signaling, made
// by a headless Chromium of its own (started with the peer, like a holler
// process, and closed with it), driven by playwright-core:
//
//   OscillatorNode (caller 440 Hz, callee 880 Hz, gain 0.5)
//     → MediaStreamAudioDestinationNode (mono) → RTCPeerConnection
//     (Opus only, PT as Chromium offers it (111), 20 ms, in-band FEC,
//      32 kb/s: maxaveragebitrate in our fmtp and maxBitrate on the sender)
//   remote track → <audio> (Chromium decodes a remote track only while
//     something plays it) and → WebAudio (48 kHz): an AudioWorklet that
//     watches every 128-sample block, and an AnalyserNode
//
// Signaling: docs/signaling.md, one JSON object per line, ours on stdout,
// the peer's on stdin; trickle ICE. With --json, events on stderr shaped
// like Holler's: state (new, ringing, offering, connecting, active, ended),
// first-audio (since_start_ms: when the worklet first saw a decoded sample
// above one 16-bit step, as this process learnt of it), level once per
// 48000 received samples (tone_hz: the AnalyserNode's dominant frequency
// in 50–4000 Hz over the last 8192 samples; level_db: their mean square in
// dBFS), ended (reason, failed).
//
// Network: Chromium gathers on every interface but loopback (it gathers
// nothing on lo alone: bench/run gives it a veth pair in its namespace);
// mDNS host-name candidates are off, and only UDP candidates on the
// --ice-address addresses are sent to the peer. No STUN or TURN server.
//
// playwright-core is taken from tests/browser/node_modules (.ci/deps runs
// `npm ci` there) or $PLAYWRIGHT_CORE; the browser from $CHROMIUM or
// /usr/bin/chromium. CHROMIUM_PEER_DEBUG=1 logs the signaling (=full: whole
// messages) and ICE gathering on stderr. Exit status: 0 after a call ended by a hang-up, 1 when
// the call failed, 2 for bad arguments.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const here = dirname(fileURLToPath(import.meta.url));
const SAMPLE_RATE = 48000;
const BITRATE = 32000;
const PLAYWRIGHT_DISABLED_FEATURES = 'AvoidUnnecessaryBeforeUnloadCheckSync,BoundaryEventDispatchTracksNodeRemoval,'
  + 'DestroyProfileOnBrowserClose,DialMediaRouteProvider,GlobalMediaControls,HttpsUpgrades,LensOverlay,MediaRouter,'
  + 'PaintHolding,ThirdPartyStoragePartitioning,Translate,AutoDeElevate,RenderDocument,OptimizationHints';

function usage(message) {
  process.stderr.write(`chromium-peer: ${message}\n`
    + 'usage: chromium-peer.mjs call|listen [--json] [--input tone:HZ] [--output null] [--duration S]\n'
    + '       [--connect-timeout S] [--ice-address IP]... [--auto-answer] [--allow-loopback] [--chromium PATH]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { json: false, duration: 0, connectTimeout: 30, iceAddresses: [], tone: null,
                 chromium: process.env.CHROMIUM || '/usr/bin/chromium', command: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    const number = (v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) usage(`${a}: not a number of seconds: ${v}`);
      return n;
    };
    if (a === 'call' || a === 'listen') {
      if (opts.command) usage('one command only');
      opts.command = a;
    } else if (a === '--json') opts.json = true;
    else if (a === '--auto-answer' || a === '--allow-loopback') { /* the callee always answers */ }
    else if (a === '--duration') opts.duration = number(value());
    else if (a === '--connect-timeout') opts.connectTimeout = number(value());
    else if (a === '--ice-address') opts.iceAddresses.push(value());
    else if (a === '--chromium') opts.chromium = value();
    else if (a === '--input') {
      const v = value();
      const m = /^tone:(\d+(?:\.\d+)?)$/.exec(v);
      if (!m || Number(m[1]) < 20) usage('--input: only tone:HZ');
      opts.tone = Number(m[1]);
    } else if (a === '--output') {
      if (value() !== 'null') usage('--output: only null (the received audio is measured, not kept)');
    } else usage(`unknown argument ${a}`);
  }
  if (!opts.command) usage('expected call or listen');
  opts.outgoing = opts.command === 'call';
  opts.tone = opts.tone ?? (opts.outgoing ? 440 : 880);
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const elapsed = () => performance.now();   // ms since this process started

function emit(event, fields = {}, human = null) {
  if (opts.json) process.stderr.write(`${JSON.stringify({ ...fields, event, t_ms: elapsed() })}\n`);
  else if (human) process.stderr.write(`${human}\n`);
}
const emitState = (state) => emit('state', { state }, `State: ${state}`);
const debug = process.env.CHROMIUM_PEER_DEBUG ? (text) => process.stderr.write(`[${elapsed().toFixed(1)}] ${text}\n`)
                                             : () => {};
const send = (msg) => {
  debug(`→ ${JSON.stringify(msg).slice(0, process.env.CHROMIUM_PEER_DEBUG === "full" ? undefined : 160)}`);
  process.stdout.write(`${JSON.stringify(msg)}\n`);
};

// --- the page: everything WebRTC and WebAudio ---------------------------------

// Runs in the page. Calls window.toPeer(kind, data) for what node must know.
function pageMain({ outgoing, tone, sampleRate, bitrate }) {
  const toPeer = (kind, data) => window.toPeer(kind, data ?? null);
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
  const ctx = new AudioContext({ sampleRate, latencyHint: 'interactive' });
  let analyser = null;

  // what we send: a tone from WebAudio, mono
  const osc = new OscillatorNode(ctx, { type: 'sine', frequency: tone });
  const gain = new GainNode(ctx, { gain: 0.5 });
  const dest = new MediaStreamAudioDestinationNode(ctx, { channelCount: 1, channelCountMode: 'explicit' });
  osc.connect(gain).connect(dest);
  osc.start();
  const track = dest.stream.getAudioTracks()[0];
  // addTrack, not addTransceiver: the callee's track must go on the offer's m-line
  const sender = pc.addTrack(track, dest.stream);
  const opus = RTCRtpReceiver.getCapabilities('audio').codecs.filter((c) => /\/opus$/i.test(c.mimeType));
  const preferOpus = () => pc.getTransceivers().forEach((t) => t.setCodecPreferences(opus));

  // our fmtp tells the peer's encoder: 32 kb/s, in-band FEC, mono
  const mungeSdp = (sdp) => sdp.replace(/^(a=fmtp:\d+ .*useinbandfec=1.*)$/gm, (line) =>
    (/maxaveragebitrate=/.test(line) ? line : `${line};maxaveragebitrate=${bitrate}`));

  async function limitBitrate() {
    const params = sender.getParameters();
    if (!params.encodings || !params.encodings.length) params.encodings = [{}];
    params.encodings[0].maxBitrate = bitrate;
    await sender.setParameters(params);
  }

  pc.onicecandidate = (e) => toPeer('candidate', e.candidate ? e.candidate.toJSON() : null);
  pc.onconnectionstatechange = () => toPeer('connection', pc.connectionState);
  pc.onicegatheringstatechange = () => toPeer('debug', `gathering ${pc.iceGatheringState}`);
  pc.onicecandidateerror = (e) => toPeer('debug', `candidate error ${e.errorCode} ${e.errorText} ${e.url}`);

  pc.ontrack = async (e) => {
    const stream = e.streams[0] || new MediaStream([e.track]);
    const audio = new Audio();
    audio.srcObject = stream;
    audio.muted = false;
    audio.play().catch((err) => toPeer('log', `audio.play: ${err}`));
    await ctx.resume();
    const source = ctx.createMediaStreamSource(stream);
    analyser = new AnalyserNode(ctx, { fftSize: 8192, smoothingTimeConstant: 0 });
    // The worklet sees each 128-sample block the remote track gives
    // WebAudio: the first sample above one 16-bit step is the first audio,
    // and every 48000 samples after it a level reading is due.
    const code = `registerProcessor('ear', class extends AudioWorkletProcessor {
      constructor() { super(); this.heard = false; this.count = 0; }
      process(inputs) {
        const ch = inputs[0] && inputs[0][0];
        if (!ch) return true;
        if (!this.heard) {
          for (let i = 0; i < ch.length; i++) {
            if (Math.abs(ch[i]) > 1 / 32768) {
              this.heard = true;
              this.port.postMessage({ first: true, frame: currentFrame + i });
              break;
            }
          }
          return true;
        }
        this.count += ch.length;
        if (this.count >= ${sampleRate}) { this.count -= ${sampleRate}; this.port.postMessage({ second: true }); }
        return true;
      }
    });`;
    await ctx.audioWorklet.addModule(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
    const ear = new AudioWorkletNode(ctx, 'ear', { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1] });
    ear.port.onmessage = (m) => {
      if (m.data.first) toPeer('first-audio');
      else if (m.data.second) toPeer('level', reading());
    };
    source.connect(analyser);
    source.connect(ear);
    ear.connect(ctx.destination);   // so the graph pulls it; it outputs silence
  };

  // {tone_hz, level_db} of the last 8192 samples received
  function reading() {
    const samples = new Float32Array(analyser.fftSize);
    analyser.getFloatTimeDomainData(samples);
    const ms = samples.reduce((sum, x) => sum + x * x, 0) / samples.length;
    const spectrum = new Float32Array(analyser.frequencyBinCount);
    analyser.getFloatFrequencyData(spectrum);
    const binHz = ctx.sampleRate / analyser.fftSize;
    let best = Math.ceil(50 / binHz);
    for (let i = best; i < Math.min(spectrum.length - 1, 4000 / binHz); i++) {
      if (spectrum[i] > spectrum[best]) best = i;
    }
    const [a, b, c] = [spectrum[best - 1], spectrum[best], spectrum[best + 1]];
    const offset = (a - 2 * b + c) !== 0 ? 0.5 * (a - c) / (a - 2 * b + c) : 0;
    return { tone_hz: ms > 1e-6 ? (best + offset) * binHz : 0, level_db: ms > 0 ? 10 * Math.log10(ms) : -120 };
  }

  window.holler = {
    async offer() {
      preferOpus();
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      await limitBitrate();
      return { type: 'offer', sdp: mungeSdp(pc.localDescription.sdp) };
    },
    async remote(desc) {
      await pc.setRemoteDescription(desc);
      if (desc.type === 'answer') return null;
      preferOpus();
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      await limitBitrate();
      return { type: 'answer', sdp: mungeSdp(pc.localDescription.sdp) };
    },
    async candidate(c) { await pc.addIceCandidate(c); },
    close() { pc.close(); ctx.close(); },
  };
}

// --- the call ---------------------------------------------------------------------

let browser = null;
let page = null;
let ended = false;
let connected = false;
let firstAudio = false;
let haveRemote = false;
let samplesReceivedSeconds = 0;
let connectTimer = null;
let durationTimer = null;
const pendingCandidates = [];     // the peer's, until we have its description
let localSent = false;             // ours goes out before our candidates
const heldCandidates = [];
let pageReady = null;

function sendDescription(desc) {
  send(desc);
  localSent = true;
  heldCandidates.splice(0).forEach(send);
}

function candidateWanted(c) {
  // candidate:FOUNDATION COMPONENT PROTOCOL PRIORITY ADDRESS PORT typ TYPE …
  const f = c.candidate.split(' ');
  if (f.length < 8 || f[2].toLowerCase() !== 'udp') return false;
  return opts.iceAddresses.length === 0 || opts.iceAddresses.includes(f[4]);
}

async function fromPage(kind, data) {
  if (ended) return;
  if (kind === 'candidate') {
    debug(`candidate ${JSON.stringify(data)}`);
    let msg = null;
    if (data === null) msg = { type: 'end-of-candidates', sdpMid: '0' };
    else if (data.candidate && candidateWanted(data)) msg = { type: 'candidate', ...data };
    if (msg && localSent) send(msg);
    else if (msg) heldCandidates.push(msg);
  } else if (kind === 'connection') {
    if (data === 'connected' && !connected) {
      connected = true;
      clearTimeout(connectTimer);
      emitState('active');
      if (opts.duration > 0) durationTimer = setTimeout(() => end('hangup', false, true), opts.duration * 1000);
    } else if (data === 'failed') end('ice-failed', true, true);
  } else if (kind === 'first-audio' && !firstAudio) {
    firstAudio = true;
    const t = elapsed();
    emit('first-audio', { since_start_ms: t }, `First remote audio decoded ${t.toFixed(0)} ms after start`);
  } else if (kind === 'level') {
    samplesReceivedSeconds++;
    emit('level', data);
  } else if (kind === 'debug') debug(data);
  else if (kind === 'log') process.stderr.write(`chromium-peer: ${data}\n`);
}

async function handleMessage(line) {
  debug(`← ${line.slice(0, process.env.CHROMIUM_PEER_DEBUG === "full" ? undefined : 160)}`);
  if (!line.trim()) return;
  let msg;
  try {
    msg = JSON.parse(line);
  } catch (e) {
    process.stderr.write('chromium-peer: ignoring a line that is not a JSON object\n');
    return;
  }
  if (msg === null || typeof msg !== 'object') return;
  if (msg.type === 'bye') {
    const reason = typeof msg.reason === 'string' ? msg.reason : 'hangup';
    await end(reason, reason !== 'hangup', false);
    return;
  }
  await pageReady;
  if (ended) return;
  if ((msg.type === 'offer' && !opts.outgoing && !haveRemote) || (msg.type === 'answer' && opts.outgoing && !haveRemote)) {
    haveRemote = true;
    if (!opts.outgoing) emitState('connecting');
    const answer = await page.evaluate((d) => window.holler.remote(d), { type: msg.type, sdp: String(msg.sdp ?? '') });
    if (answer) sendDescription(answer);
    for (const c of pendingCandidates.splice(0)) await page.evaluate((x) => window.holler.candidate(x), c);
  } else if (msg.type === 'candidate') {
    if (!msg.candidate) return;
    const c = { candidate: msg.candidate, sdpMid: msg.sdpMid ?? '0', sdpMLineIndex: msg.sdpMLineIndex ?? 0 };
    if (!haveRemote) pendingCandidates.push(c);
    else await page.evaluate((x) => window.holler.candidate(x), c);
  } else if (msg.type === 'end-of-candidates') {
    /* the checks run out on their own */
  } else process.stderr.write(`chromium-peer: ignoring a “${msg.type}” message\n`);
}

async function end(reason, failed, sendBye) {
  if (ended) return;
  ended = true;
  clearTimeout(connectTimer);
  clearTimeout(durationTimer);
  if (sendBye) send({ type: 'bye', reason });
  emitState('ended');
  emit('ended', { reason, failed, seconds_received: samplesReceivedSeconds },
       failed ? `Call failed: ${reason}` : `Call ended: ${reason}`);
  try {
    if (browser) await browser.close();
  } catch (e) { /* gone already */ }
  process.exitCode = failed ? 1 : 0;
  // stdout may still hold the bye; exit once it is written
  process.stdout.write('', () => process.exit(failed ? 1 : 0));
}

function fail(message) {
  if (ended) return undefined;
  process.stderr.write(`chromium-peer: ${message}\n`);
  return end('media-failed', true, true);
}

async function main() {
  let chromium;
  try {
    const require = createRequire(import.meta.url);
    const where = process.env.PLAYWRIGHT_CORE || join(here, '../tests/browser/node_modules/playwright-core');
    ({ chromium } = require(where));
  } catch (e) {
    process.stderr.write(`chromium-peer: no playwright-core (npm ci in tests/browser): ${e.message}\n`);
    process.exit(1);
  }
  process.on('SIGTERM', () => end('hangup', false, true));
  process.on('SIGINT', () => end('hangup', false, true));
  process.stdout.on('error', () => { /* the peer is gone: stdin's EOF ends the call */ });

  emitState('new');
  if (!opts.outgoing) emitState('ringing');
  connectTimer = setTimeout(() => end('timeout', true, true), opts.connectTimeout * 1000);

  // read the peer's messages from the start; handle them in order
  let queue = Promise.resolve();
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on('line', (line) => { queue = queue.then(() => handleMessage(line)).catch((e) => fail(e.message)); });
  rl.on('close', () => {
    queue = queue.then(() => end(connected ? 'hangup' : 'signaling-closed', !connected, false));
  });

  pageReady = (async () => {
    browser = await chromium.launch({
      executablePath: opts.chromium,
      headless: true,
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--disable-default-apps', '--disable-extensions', '--mute-audio',
        '--autoplay-policy=no-user-gesture-required',
        // real host addresses in candidates (no mDNS names to resolve).
        // Chromium takes the last --disable-features only: repeat the
        // list playwright-core 1.61 passes, or its features come back.
        `--disable-features=${PLAYWRIGHT_DISABLED_FEATURES},WebRtcHideLocalIpsWithMdns`,
      ],
    });
    if (ended) return;
    page = await browser.newPage();
    page.on('pageerror', (err) => process.stderr.write(`chromium-peer: page error: ${err.message}\n`));
    page.on('console', (m) => { if (m.type() === 'error') process.stderr.write(`chromium-peer: console: ${m.text()}\n`); });
    page.on('crash', () => fail('the page crashed'));
    browser.on('disconnected', () => { if (!ended) fail('the browser went away'); });
    await page.exposeFunction('toPeer', (kind, data) => fromPage(kind, data));
    // AudioWorklet needs a secure context: a made-up https origin served
    // by playwright itself (no request leaves the browser)
    await page.route('https://chromium-peer.invalid/', (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>chromium-peer</title>' }));
    await page.goto('https://chromium-peer.invalid/');
    await page.evaluate(pageMain, { outgoing: opts.outgoing, tone: opts.tone, sampleRate: SAMPLE_RATE, bitrate: BITRATE });
  })();
  try {
    await pageReady;
  } catch (e) {
    if (!ended) await fail(`could not start the browser: ${e.message.split('\n')[0]}`);
    return;
  }
  if (ended) return;
  if (opts.outgoing) {
    emitState('offering');
    sendDescription(await page.evaluate(() => window.holler.offer()));
  }
}

main().catch((e) => fail(e.stack || String(e)));
