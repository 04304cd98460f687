// SPDX-License-Identifier: LGPL-2.1-or-later
// Browser interop tests, run by run-browser-tests.sh inside a network
// namespace. Prints TAP on stdout; logs, recordings and the screenshot go
// to $HOLLER_BROWSER_ARTIFACTS.
//
//  1. holler calls the browser: each side hears the other's tone
//     (holler sends 440 Hz, the browser's fake microphone 660 Hz).
//  2. the browser calls holler: the same.
//  3. hang-up: holler's (--duration) ends the page's call, the page's
//     ends holler's, each within a second.
//  4. mute in the page: holler's received level drops by more than
//     30 dB, and comes back on unmute.
//  +  the browser hides its addresses (mDNS) and offers TCP: holler ignores
//     those candidates and connects to the address the checks come from.
//  5. a screenshot of the page during a call (call.png; also
//     incoming.png while ringing, error.png after calling an unknown id).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const HOLLER = process.env.HOLLER_BIN;
const WAV_TONE = process.env.HOLLER_WAV_TONE;
const ADDRESS = process.env.HOLLER_TEST_ADDRESS;
const ARTIFACTS = process.env.HOLLER_BROWSER_ARTIFACTS;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const HOLLER_TONE = 440;    // what holler sends
const BROWSER_TONE = 660;   // what the page's fake microphone sends
const TONE_TOLERANCE = 15;  // Hz; an 8192-point FFT at 48 kHz has 5.9 Hz bins

// --- TAP ----------------------------------------------------------------------

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

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what, fn, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

// --- holler processes ----------------------------------------------------------

const processes = [];

// A holler process; with --json its stderr events are kept with the time
// (Date.now()) each line arrived.
function startHoller(name, args) {
  const child = spawn(HOLLER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(join(ARTIFACTS, `${name}.log`));
  const proc = { name, child, events: [], stdout: '', exited: null };
  log.write(`$ holler ${args.join(' ')}\n`);
  let partial = '';
  child.stderr.on('data', (chunk) => {
    const now = Date.now();
    log.write(chunk);
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop();
    for (const line of lines) {
      try {
        const event = JSON.parse(line);
        event.arrived = now;
        proc.events.push(event);
      } catch (e) { /* a human line (serve's log) */ }
    }
  });
  child.stdout.on('data', (chunk) => { proc.stdout += chunk; log.write(chunk); });
  proc.exit = new Promise((resolve) => child.on('exit', (code, signal) => {
    proc.exited = { code, signal, at: Date.now() };
    resolve(proc.exited);
  }));
  processes.push(proc);
  return proc;
}

const findEvent = (proc, pred) => proc.events.find(pred);
const waitEvent = (proc, what, pred, timeoutMs) =>
  waitFor(`${proc.name}: ${what}`, () => findEvent(proc, pred) || (proc.exited && Promise.reject(
    new Error(`${proc.name} exited (${JSON.stringify(proc.exited)}) before ${what}`))), timeoutMs);

function callArgs(command, extra) {
  return [command, '--signaling', `ws://${ADDRESS}:${serverPort}/ws`, '--ice-address', ADDRESS, '--json',
          '--input', `tone:${HOLLER_TONE}`, '--connect-timeout', '20', ...extra];
}

// {seconds, share, dominant_hz}: share is the fraction of 100 ms blocks in
// which BROWSER_TONE carries most of the power (tests/nat/holler-wav-tone.c)
function measureWav(path) {
  const out = execFileSync(WAV_TONE, [path, String(BROWSER_TONE)]);
  return JSON.parse(out.toString());
}

// --- the page -------------------------------------------------------------------

let serverPort = 0;

// A browser without microphone permission hides its host addresses behind
// mDNS names, and most also offer ICE-TCP candidates; ours has the
// permission (the fake UI grants it), so the page's signaling is rewritten
// on the way out to look like that: every IPv4 host candidate gets a
// "<uuid>.local" name, and a TCP candidate goes before the first one.
function hideAddresses(text) {
  const msg = JSON.parse(text);
  const extra = [];
  const rewrite = (line) => line.replace(
    /^((?:a=)?candidate:\S+ \d+ udp \d+ )(\d+\.\d+\.\d+\.\d+)( \d+ typ host.*)$/i,
    (all, head, ip, tail) => {
      mdnsNames[ip] = mdnsNames[ip] || `${crypto.randomUUID()}.local`;
      return head + mdnsNames[ip] + tail;
    });
  if (msg.type === 'candidate' && msg.candidate) {
    if (!tcpSent && / udp /i.test(msg.candidate)) {
      tcpSent = true;
      const ip = msg.candidate.split(' ')[4];
      extra.push({ ...msg, candidate: `candidate:3333 1 tcp 1518280447 ${ip} 9 typ host tcptype active generation 0 network-id 1` });
    }
    msg.candidate = rewrite(msg.candidate);
  } else if (msg.sdp) {
    msg.sdp = msg.sdp.split('\r\n').map(rewrite).join('\r\n');
  }
  return [...extra, msg].map((m) => JSON.stringify(m));
}
const mdnsNames = {};
let tcpSent = false;

async function openPage(context, id, options = {}) {
  const page = await context.newPage();
  page.on('console', (msg) => pageLog.write(`[${id} console.${msg.type()}] ${msg.text()}\n`));
  page.on('pageerror', (err) => pageLog.write(`[${id} pageerror] ${err.message}\n`));
  if (options.hideAddresses) {
    await page.routeWebSocket(/\/ws$/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((text) => hideAddresses(text).forEach((m) => server.send(m)));
    });
  }
  await page.goto(`http://${ADDRESS}:${serverPort}/`);
  await page.fill('#my-id', id);
  await page.click('#connect');
  await page.waitForSelector('#call-panel:not([hidden])', { timeout: 5000 });
  return page;
}

const pageState = (page) => page.evaluate(() => window.holler.state());

// The dominant received frequency, as the median of several readings.
async function browserTone(page) {
  const readings = [];
  for (let i = 0; i < 5; i++) {
    readings.push(await page.evaluate(() => window.holler.receivedAudio()));
    await sleep(200);
  }
  const hz = readings.map((r) => r.hz).sort((a, b) => a - b)[2];
  const db = readings.map((r) => r.db).sort((a, b) => a - b)[2];
  return { hz: Math.round(hz * 10) / 10, db: Math.round(db * 10) / 10 };
}

// Waits until the browser hears @hz (the media needs a moment after
// "active" on a loaded machine), at most @timeoutMs; returns the last reading.
async function untilHeard(page, hz, timeoutMs = 10000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const heard = await browserTone(page);
    if (Math.abs(heard.hz - hz) < TONE_TOLERANCE || Date.now() > end) return heard;
  }
}

// --- the tests ----------------------------------------------------------------

let pageLog;

async function hollerCallsBrowser(context) {
  note('holler calls the browser');
  const page = await openPage(context, 'web');
  const rec = join(ARTIFACTS, 'holler-calls-browser.wav');
  const holler = startHoller('holler-call', callArgs('call', ['--id', 'hol', '--output', `file:${rec}`,
                                                             '--duration', '6', 'web']));
  await page.waitForSelector('#incoming:not([hidden])', { timeout: 10000 });
  const incoming = await page.textContent('#incoming-text');
  check(incoming.includes('hol'), 'the page shows the incoming call with the caller id', incoming);
  await waitEvent(holler, 'ringing', (e) => e.event === 'ringing', 5000);
  await page.screenshot({ path: join(ARTIFACTS, 'incoming.png'), fullPage: true });
  await page.click('#answer');
  await waitFor('page state active', async () => (await pageState(page)) === 'active', 10000);
  await waitEvent(holler, 'state active', (e) => e.event === 'state' && e.state === 'active', 5000);
  const pair = findEvent(holler, (e) => e.event === 'selected-pair');
  note(`holler's selected pair: ${JSON.stringify(pair)}`);
  const heard = await untilHeard(page, HOLLER_TONE);
  check(Math.abs(heard.hz - HOLLER_TONE) < TONE_TOLERANCE,
        `the browser hears holler's ${HOLLER_TONE} Hz`, heard);

  await page.screenshot({ path: join(ARTIFACTS, 'call.png'), fullPage: true });
  note(`screenshot: ${join(ARTIFACTS, 'call.png')}`);

  // holler hangs up (--duration): the page must show it within a second
  const hangup = await waitEvent(holler, 'hang-up by --duration',
                                 (e) => e.event === 'info' && e.reason === 'hangup', 10000);
  await waitFor('page state ended', async () => (await pageState(page)) === 'ended', 3000).catch(() => null);
  const endedAt = await page.evaluate(() => window.holler.endedAt());
  const stateText = await page.textContent('#state');
  const delay = endedAt - hangup.arrived;
  check(stateText === 'ended: hangup' && delay > -100 && delay < 1000,
        'holler\'s hang-up ends the page\'s call within a second', `${delay} ms, "${stateText}"`);

  const exited = await Promise.race([holler.exit, sleep(5000).then(() => null)]);
  check(exited && exited.code === 0, 'holler exits 0 after the call', exited);
  const recorded = measureWav(rec);
  check(Math.abs(recorded.dominant_hz - BROWSER_TONE) < 5 && recorded.share > 0.5,
        `holler recorded the browser's ${BROWSER_TONE} Hz`, recorded);
  await page.close();
}

// Holler's RTCP as Chromium understands it (getStats on the page's
// RTCPeerConnection, the web client's global `call`): remote-inbound-rtp
// for its own stream, built from holler's receiver reports, with a
// round-trip time, and remote-outbound-rtp for holler's stream, from
// holler's sender reports. Reports come every ~5 s (RFC 3550).
async function rtcpUnderstood(page) {
  const read = () => page.evaluate(async () => {
    const found = {};
    (await call.pc.getStats()).forEach((r) => {
      if (r.type === 'remote-inbound-rtp' && r.roundTripTime !== undefined) found.roundTripTime = r.roundTripTime;
      if (r.type === 'remote-outbound-rtp') found.remotePacketsSent = r.packetsSent;
    });
    return found.roundTripTime !== undefined && found.remotePacketsSent !== undefined ? found : null;
  });
  const stats = await waitFor('remote-inbound-rtp with an RTT and remote-outbound-rtp', read, 20000)
    .catch(async (e) => ({ error: e.message }));
  check(stats.roundTripTime >= 0 && stats.remotePacketsSent > 0,
        'Chromium\'s getStats shows holler\'s RTCP: remote-inbound-rtp with a round-trip time, remote-outbound-rtp',
        stats);
}

async function browserCallsHoller(context) {
  note('the browser calls holler');
  const rec = join(ARTIFACTS, 'browser-calls-holler.wav');
  const holler = startHoller('holler-listen', callArgs('listen', ['--id', 'bob', '--auto-answer',
                                                                 '--output', `file:${rec}`]));
  await waitEvent(holler, 'registered', (e) => e.event === 'signaling', 5000);
  const page = await openPage(context, 'web2');
  await page.fill('#peer-id', 'bob');
  await page.click('#call');
  await waitFor('page state active', async () => (await pageState(page)) === 'active', 10000);
  await waitEvent(holler, 'state active', (e) => e.event === 'state' && e.state === 'active', 5000);
  const heard = await untilHeard(page, HOLLER_TONE);
  check(Math.abs(heard.hz - HOLLER_TONE) < TONE_TOLERANCE,
        `the browser hears holler's ${HOLLER_TONE} Hz`, heard);

  // mute: holler's level events (one a second) must drop by > 30 dB
  const levelsSince = (t) => holler.events.filter((e) => e.event === 'level' && e.arrived > t);
  // the level before muting: two whole seconds measured once audio flowed
  const heardAt = Date.now();
  await waitFor('two level events while audio flows', async () => levelsSince(heardAt + 1100).length >= 2, 8000);
  const before = levelsSince(heardAt + 1100).slice(-2);
  // a level event covers the second before it: the first one more than
  // 1.1 s after the click measured only muted (or unmuted) audio
  const muteAt = Date.now();
  await page.click('#mute');
  await waitFor('a level event while muted', async () => levelsSince(muteAt + 1100).length > 0, 5000);
  const muted = levelsSince(muteAt + 1100);
  const unmuteAt = Date.now();
  await page.click('#mute');
  await waitFor('a level event after unmuting', async () => levelsSince(unmuteAt + 1100).length > 0, 5000);
  const unmuted = levelsSince(unmuteAt + 1100);
  const db = (list) => list.length ? Math.max(...list.map((e) => e.level_db)) : NaN;
  const levels = { before: db(before), muted: db(muted), unmuted: db(unmuted) };
  check(levels.before - levels.muted > 30, 'muting in the page drops holler\'s received level by > 30 dB',
        levels);
  check(Math.abs(levels.unmuted - levels.before) < 6, 'unmuting brings it back', levels);

  await rtcpUnderstood(page);

  // the page hangs up: holler must end within a second
  const clickAt = Date.now();
  await page.click('#hangup');
  const ended = await waitEvent(holler, 'ended', (e) => e.event === 'ended', 5000);
  check(ended.reason === 'hangup' && ended.arrived - clickAt < 1000,
        'the page\'s hang-up ends holler\'s call within a second',
        `${ended.arrived - clickAt} ms, reason ${ended.reason}`);
  const exited = await Promise.race([holler.exit, sleep(5000).then(() => null)]);
  check(exited && exited.code === 0, 'holler exits 0 after the call', exited);
  const recorded = measureWav(rec);
  check(Math.abs(recorded.dominant_hz - BROWSER_TONE) < 5 && recorded.share > 0.5,
        `holler recorded the browser's ${BROWSER_TONE} Hz`, recorded);
  await page.close();
}

async function errorsShown(context) {
  note('the page shows errors');
  const page = await openPage(context, 'web3');
  await page.fill('#peer-id', 'nobody');
  await page.click('#call');
  await waitFor('page state ended', async () => (await pageState(page)) === 'ended', 5000);
  const shown = { state: await page.textContent('#state'), error: await page.textContent('#error'),
                  visible: await page.isVisible('#error') };
  check(shown.state === 'ended: peer-offline' && shown.visible && shown.error.includes('nobody'),
        'calling an id nobody registered shows peer-offline', shown);
  await page.screenshot({ path: join(ARTIFACTS, 'error.png'), fullPage: true });
  await page.close();
}

// Either direction: holler controlling (it calls) has to nominate a pair
// whose remote end it learnt only from the browser's checks.
async function mdnsAndTcpCandidates(context, hollerCalls) {
  note(`${hollerCalls ? 'holler calls the browser' : 'the browser calls holler'}; the browser sends mDNS and TCP candidates only`);
  tcpSent = false;
  const pageId = hollerCalls ? 'web5' : 'web4';
  let holler;
  let page;
  if (hollerCalls) {
    page = await openPage(context, pageId, { hideAddresses: true });
    holler = startHoller('holler-call-mdns', callArgs('call', ['--id', 'dave', '--output', 'null', pageId]));
    await page.waitForSelector('#incoming:not([hidden])', { timeout: 10000 });
    await page.click('#answer');
  } else {
    holler = startHoller('holler-listen-mdns', callArgs('listen', ['--id', 'carol', '--auto-answer',
                                                                   '--output', 'null']));
    await waitEvent(holler, 'registered', (e) => e.event === 'signaling', 5000);
    page = await openPage(context, pageId, { hideAddresses: true });
    await page.fill('#peer-id', 'carol');
    await page.click('#call');
  }
  await waitFor('page state active', async () => (await pageState(page)) === 'active', 10000);
  const pair = await waitEvent(holler, 'selected pair', (e) => e.event === 'selected-pair', 5000);
  const warnings = holler.events.filter((e) => e.event === 'warning').map((e) => e.message);
  check(warnings.some((w) => w && w.includes('.local')) && warnings.some((w) => /tcp/i.test(w)),
        'holler ignores mDNS and TCP candidates with a warning', warnings);
  check(pair.remote_type === 'prflx', 'holler connects to the peer-reflexive address the checks came from',
        `${pair.local_type} ${pair.local_address} ↔ ${pair.remote_type} ${pair.remote_address}`);
  const heard = await untilHeard(page, HOLLER_TONE);
  const hollerHears = () => {
    const last = holler.events.filter((e) => e.event === 'level').pop();
    return last && Math.abs(last.tone_hz - BROWSER_TONE) < TONE_TOLERANCE ? last : null;
  };
  await waitFor('holler hearing the browser', hollerHears, 10000).catch(() => null);
  const level = holler.events.filter((e) => e.event === 'level').pop();
  check(Math.abs(heard.hz - HOLLER_TONE) < TONE_TOLERANCE && level
        && Math.abs(level.tone_hz - BROWSER_TONE) < TONE_TOLERANCE,
        'audio flows both ways', { browser: heard, holler: level && { hz: level.tone_hz, db: level.level_db } });
  await page.click('#hangup');
  await Promise.race([holler.exit, sleep(5000)]);
  await page.close();
}

// --- main -------------------------------------------------------------------------

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'holler-browser-'));
  const tone = join(work, `tone-${BROWSER_TONE}.wav`);
  pageLog = createWriteStream(join(ARTIFACTS, 'page-console.log'));
  // 16-bit PCM; Chromium loops the file
  execFileSync('gst-launch-1.0', ['-q', 'audiotestsrc', `freq=${BROWSER_TONE}`, 'wave=sine', 'volume=0.5',
    'num-buffers=500', 'samplesperbuffer=480', '!', 'audio/x-raw,format=S16LE,rate=48000,channels=1',
    '!', 'wavenc', '!', 'filesink', `location=${tone}`]);

  const server = startHoller('holler-serve', ['serve', '--address', ADDRESS, '--port', '0', '--print-uri']);
  const uri = await waitFor('holler serve to listen', () => server.stdout.includes('\n') && server.stdout, 5000);
  serverPort = Number(new URL(uri.trim()).port);
  note(`rendezvous server and web client at http://${ADDRESS}:${serverPort}/`);

  const origin = `http://${ADDRESS}:${serverPort}`;
  const context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 640, height: 820 },
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${tone}`,
      '--autoplay-policy=no-user-gesture-required',
      // getUserMedia needs a secure context; the test serves plain http
      `--unsafely-treat-insecure-origin-as-secure=${origin}`,
    ],
  });
  note(`chromium ${context.browser()?.version() ?? ''}`);
  try {
    for (const test of [
      hollerCallsBrowser,
      browserCallsHoller,
      async function mdnsAndTcpToHoller(c) { await mdnsAndTcpCandidates(c, false); },
      async function mdnsAndTcpFromHoller(c) { await mdnsAndTcpCandidates(c, true); },
      errorsShown,
    ]) {
      try {
        await test(context);
      } catch (e) {
        check(false, `${test.name} ran to the end`, e.message);
      }
    }
  } finally {
    await context.close();
    for (const p of processes) if (!p.exited) p.child.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`1..${testNumber}`);
  return failures === 0 ? 0 : 1;
}

main().then((status) => process.exit(status), (e) => {
  console.log(`Bail out! ${e.stack || e}`);
  process.exit(1);
});
