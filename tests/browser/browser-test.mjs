// SPDX-License-Identifier: LGPL-2.1-or-later
// Browser interop tests, run by run-browser-tests.sh inside a network
// namespace: Debian's chromium (playwright-core) and firefox-esr
// (puppeteer-core over WebDriver BiDi, firefox.mjs) against holler, through
// the web client `holler serve` serves. Prints TAP on stdout; logs,
// recordings and screenshots go to $HOLLER_BROWSER_ARTIFACTS (Firefox's
// with a "firefox-" prefix).
//
//  1. holler calls the browser: each side hears the other's tone
//     (holler sends 440 Hz, the browser's fake microphone 660 Hz), and
//     holler checked the browser's DTLS certificate against its SDP
//     fingerprint.
//  2. the browser calls holler: the same.
//  3. hang-up: holler's (--duration) ends the page's call, the page's
//     ends holler's, each within a second.
//  4. mute in the page: holler's received level drops by more than
//     30 dB, and comes back on unmute.
//  +  the page keeps its DTLS key (IndexedDB): holler sees the same
//     fingerprint in cases 1 and 2 (two page loads), and the page shows
//     its start as `holler identity` would.
//  +  the page's offer reaches holler with one byte of its fingerprint
//     changed: holler ends the call with fingerprint-mismatch, no media.
//  +  (chromium) the browser hides its addresses (mDNS) and offers TCP:
//     holler ignores those candidates and connects to the address the
//     checks come from.
//  5. a screenshot of the page during a call (call.png; also
//     incoming.png while ringing, error.png after calling an unknown id).
//
// Both browsers run every case but the mDNS/TCP ones (they rewrite the
// page's WebSocket with playwright's routeWebSocket).
import { mkdtempSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  setTapPrefix, ARTIFACTS, HOLLER_TONE, BROWSER_TONE, TONE_TOLERANCE, bound, note, check, tapSummary,
  waitFor, startHoller, killHollers, exitWithin, findEvent, waitEvent, callArgs, startServer, measureWav,
  writeToneWav, pageState, textOf, isShown, fillIn, untilHeard,
} from './common.mjs';
import { launchFirefox } from './firefox.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// --- the page -------------------------------------------------------------------

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

async function openPage(b, id, options = {}) {
  const page = await b.newPage();
  page.on('console', (msg) => pageLog.write(`[${id} console.${msg.type()}] ${msg.text()}\n`));
  page.on('pageerror', (err) => pageLog.write(`[${id} pageerror] ${err.message}\n`));
  if (options.hideAddresses) {
    await page.routeWebSocket(/\/ws$/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((text) => hideAddresses(text).forEach((m) => server.send(m)));
    });
  }
  if (options.initScript) await b.addInitScript(page, options.initScript);
  await page.goto(b.origin + '/');
  await fillIn(page, '#my-id', id);
  await page.click('#connect');
  await page.waitForSelector('#call-panel:not([hidden])', { timeout: bound(5000) });
  return page;
}

// --- the tests ----------------------------------------------------------------

async function hollerCallsBrowser(b) {
  note(`holler calls ${b.name}`);
  const page = await openPage(b, `${b.prefix}web`);
  const rec = join(ARTIFACTS, `${b.prefix}holler-calls-browser.wav`);
  const holler = startHoller(`${b.prefix}holler-call`, callArgs('call', ['--id', `${b.prefix}hol`, '--output',
                                                                       `file:${rec}`, '--duration', '6',
                                                                       `${b.prefix}web`]));
  await page.waitForSelector('#incoming:not([hidden])', { timeout: bound(10000) });
  const incoming = await textOf(page, '#incoming-text');
  check(incoming.includes(`${b.prefix}hol`), 'the page shows the incoming call with the caller id', incoming);
  await waitEvent(holler, 'ringing', (e) => e.event === 'ringing', 5000);
  await page.screenshot({ path: join(ARTIFACTS, `${b.prefix}incoming.png`), fullPage: true });
  await page.click('#answer');
  await waitFor('page state active', async () => (await pageState(page)) === 'active', 10000);
  await waitEvent(holler, 'state active', (e) => e.event === 'state' && e.state === 'active', 5000);
  const pair = findEvent(holler, (e) => e.event === 'selected-pair');
  note(`holler's selected pair: ${JSON.stringify(pair)}`);
  checkFingerprint(holler);
  await checkKeyKept(b, holler, page);
  const heard = await untilHeard(page, HOLLER_TONE);
  check(Math.abs(heard.hz - HOLLER_TONE) < TONE_TOLERANCE,
        `the browser hears holler's ${HOLLER_TONE} Hz`, heard);

  await page.screenshot({ path: join(ARTIFACTS, `${b.prefix}call.png`), fullPage: true });
  note(`screenshot: ${join(ARTIFACTS, `${b.prefix}call.png`)}`);

  // holler hangs up (--duration): the page must show it within a second
  const hangup = await waitEvent(holler, 'hang-up by --duration',
                                 (e) => e.event === 'info' && e.reason === 'hangup', 10000);
  await waitFor('page state ended', async () => (await pageState(page)) === 'ended', 3000).catch(() => null);
  const endedAt = await page.evaluate(() => window.holler.endedAt());
  const stateText = await textOf(page, '#state');
  const delay = endedAt - hangup.arrived;
  check(stateText === 'ended: hangup' && delay > -100 && delay < 1000,
        'holler\'s hang-up ends the page\'s call within a second', `${delay} ms, "${stateText}"`);

  const exited = await exitWithin(holler, 5000);
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

async function browserCallsHoller(b) {
  note(`${b.name} calls holler`);
  const rec = join(ARTIFACTS, `${b.prefix}browser-calls-holler.wav`);
  const holler = startHoller(`${b.prefix}holler-listen`, callArgs('listen', ['--id', `${b.prefix}bob`, '--auto-answer',
                                                                           '--output', `file:${rec}`]));
  await waitEvent(holler, 'registered', (e) => e.event === 'signaling', 5000);
  const page = await openPage(b, `${b.prefix}web2`);
  await fillIn(page, '#peer-id', `${b.prefix}bob`);
  await page.click('#call');
  await waitFor('page state active', async () => (await pageState(page)) === 'active', 10000);
  await waitEvent(holler, 'state active', (e) => e.event === 'state' && e.state === 'active', 5000);
  checkFingerprint(holler);
  await checkKeyKept(b, holler, page);
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

  if (b.name === 'chromium') await rtcpUnderstood(page);

  // the page hangs up: holler must end within a second
  const clickAt = Date.now();
  await page.click('#hangup');
  const ended = await waitEvent(holler, 'ended', (e) => e.event === 'ended', 5000);
  check(ended.reason === 'hangup' && ended.arrived - clickAt < 1000,
        'the page\'s hang-up ends holler\'s call within a second',
        `${ended.arrived - clickAt} ms, reason ${ended.reason}`);
  const exited = await exitWithin(holler, 5000);
  check(exited && exited.code === 0, 'holler exits 0 after the call', exited);
  const recorded = measureWav(rec);
  check(Math.abs(recorded.dominant_hz - BROWSER_TONE) < 5 && recorded.share > 0.5,
        `holler recorded the browser's ${BROWSER_TONE} Hz`, recorded);
  await page.close();
}

async function errorsShown(b) {
  note('the page shows errors');
  const page = await openPage(b, `${b.prefix}web3`);
  await fillIn(page, '#peer-id', 'nobody');
  await page.click('#call');
  await waitFor('page state ended', async () => (await pageState(page)) === 'ended', 5000);
  const shown = { state: await textOf(page, '#state'), error: await textOf(page, '#error'),
                  visible: await isShown(page, '#error') };
  check(shown.state === 'ended: peer-offline' && shown.visible && shown.error.includes('nobody'),
        'calling an id nobody registered shows peer-offline', shown);
  await page.screenshot({ path: join(ARTIFACTS, `${b.prefix}error.png`), fullPage: true });
  await page.close();
}

// The page keeps one DTLS key per profile (IndexedDB), so a holler peer
// that pinned it sees the same key on the next page load; the page shows
// the start of it, and of the peer's.
async function checkKeyKept(b, holler, page) {
  const peer = findEvent(holler, (e) => e.event === 'peer');
  const short = peer ? peer.fingerprint.replace(/:/g, '').slice(0, 16).match(/.{4}/g).join(' ') : null;
  const shown = { mine: await textOf(page, '#my-key'), peers: await textOf(page, '#peer-key') };
  check(peer && shown.mine === short && /^[0-9A-F]{4}( [0-9A-F]{4}){3}$/.test(shown.peers),
        'the page shows the start of its key (the one holler saw) and of holler\'s',
        { shown, holler: peer && peer.fingerprint });
  if (b.browserKey === undefined) {
    b.browserKey = peer ? peer.fingerprint : null;
  } else {
    check(peer && peer.fingerprint === b.browserKey, 'a new page load keeps the page\'s DTLS key (IndexedDB)',
          { before: b.browserKey, now: peer && peer.fingerprint });
  }
}

// The dtls event holler emits once the handshake is done says the peer's
// certificate matched the fingerprint in its SDP (holler-dtls.c checks it
// inside the handshake and fails it otherwise).
function checkFingerprint(holler) {
  const dtls = findEvent(holler, (e) => e.event === 'dtls' && e.state === 'connected');
  check(dtls && dtls.fingerprint_verified === true,
        'holler verified the browser\'s DTLS certificate against its SDP fingerprint',
        dtls && { role: dtls.role, cipher: dtls.cipher, srtp: dtls.srtp_profile });
}

// In the page, before its scripts: every SDP it sends over the signaling
// WebSocket has the last byte of its sha-256 fingerprint changed, as a
// man in the middle of the signaling would have to.
function alterFingerprint() {
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    try {
      const msg = JSON.parse(data);
      if (typeof msg.sdp === 'string') {
        msg.sdp = msg.sdp.replace(/^(a=fingerprint:sha-256 (?:[0-9A-Fa-f]{2}:){31})([0-9A-Fa-f]{2})/m,
                                  (all, head, last) => head + (last.toUpperCase() === '00' ? '01' : '00'));
        data = JSON.stringify(msg);
      }
    } catch (e) { /* not JSON: as it is */ }
    return send.call(this, data);
  };
}

async function fingerprintMismatch(b) {
  note(`${b.name} calls holler with its SDP fingerprint altered on the way`);
  const holler = startHoller(`${b.prefix}holler-listen-fingerprint`,
                             callArgs('listen', ['--id', `${b.prefix}eve`, '--auto-answer', '--output', 'null']));
  await waitEvent(holler, 'registered', (e) => e.event === 'signaling', 5000);
  const page = await openPage(b, `${b.prefix}web6`, { initScript: alterFingerprint });
  await fillIn(page, '#peer-id', `${b.prefix}eve`);
  await page.click('#call');
  const ended = await waitEvent(holler, 'ended', (e) => e.event === 'ended', 15000);
  const dtls = findEvent(holler, (e) => e.event === 'dtls' && e.state === 'connected');
  check(ended.reason === 'fingerprint-mismatch' && !dtls,
        'holler refuses the DTLS certificate that does not match the SDP: fingerprint-mismatch, no media',
        { reason: ended.reason, message: ended.message });
  // holler's bye, or the browser's own DTLS failure after holler's alert
  await waitFor('page state ended', async () => (await pageState(page)) === 'ended', 10000).catch(() => null);
  check(await pageState(page) === 'ended', 'the page\'s call ends too', await textOf(page, '#state'));
  holler.child.kill('SIGTERM');
  await exitWithin(holler, 5000);
  await page.close();
}

// Either direction: holler controlling (it calls) has to nominate a pair
// whose remote end it learnt only from the browser's checks.
async function mdnsAndTcpCandidates(b, hollerCalls) {
  note(`${hollerCalls ? 'holler calls the browser' : 'the browser calls holler'}; the browser sends mDNS and TCP candidates only`);
  tcpSent = false;
  const pageId = hollerCalls ? 'web5' : 'web4';
  let holler;
  let page;
  if (hollerCalls) {
    page = await openPage(b, pageId, { hideAddresses: true });
    holler = startHoller('holler-call-mdns', callArgs('call', ['--id', 'dave', '--output', 'null', pageId]));
    await page.waitForSelector('#incoming:not([hidden])', { timeout: bound(10000) });
    await page.click('#answer');
  } else {
    holler = startHoller('holler-listen-mdns', callArgs('listen', ['--id', 'carol', '--auto-answer',
                                                                   '--output', 'null']));
    await waitEvent(holler, 'registered', (e) => e.event === 'signaling', 5000);
    page = await openPage(b, pageId, { hideAddresses: true });
    await fillIn(page, '#peer-id', 'carol');
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
  await exitWithin(holler, 5000);
  await page.close();
}

// --- main -------------------------------------------------------------------------

let pageLog;

// The cases for one browser; @b: {name, prefix (of ids and artifacts),
// origin, newPage(), addInitScript(page, fn)}.
async function runCases(b, cases) {
  for (const test of cases) {
    try {
      await test(b);
    } catch (e) {
      check(false, `${test.name} ran to the end`, e.message);
    }
  }
}

async function chromiumCases(work, origin, tone) {
  const { chromium } = await import('playwright-core');
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
  const b = { name: 'chromium', prefix: '', origin, newPage: () => context.newPage(),
              addInitScript: (page, fn) => page.addInitScript(fn) };
  try {
    await runCases(b, [
      hollerCallsBrowser,
      browserCallsHoller,
      async function mdnsAndTcpToHoller(c) { await mdnsAndTcpCandidates(c, false); },
      async function mdnsAndTcpFromHoller(c) { await mdnsAndTcpCandidates(c, true); },
      fingerprintMismatch,
      errorsShown,
    ]);
  } finally {
    await context.close();
  }
}

// @launched: launchFirefox()'s promise, started while Chromium's cases ran
async function firefoxCases(launched, startedAt, origin) {
  const browser = await launched;
  note(`${await browser.version()} (ready ${Date.now() - startedAt} ms after its launch began)`);
  const b = { name: 'firefox', prefix: 'firefox-', origin, newPage: () => browser.newPage(),
              addInitScript: (page, fn) => page.evaluateOnNewDocument(fn) };
  await runCases(b, [hollerCallsBrowser, browserCallsHoller, fingerprintMismatch, errorsShown]);
}

async function main() {
  // run-browser-tests.sh makes it, and removes it whatever happens here
  const work = process.env.HOLLER_BROWSER_WORK || mkdtempSync(join(tmpdir(), 'holler-browser-'));
  const tone = join(work, `tone-${BROWSER_TONE}.wav`);
  pageLog = createWriteStream(join(ARTIFACTS, 'page-console.log'));
  writeToneWav(tone);
  let firefox = null;
  try {
    const origin = await startServer();
    note(`rendezvous server and web client at ${origin}/`);
    // Firefox takes 8-15 s to start on a busy machine: meanwhile, Chromium
    const firefoxAt = Date.now();
    if (!process.env.HOLLER_SKIP_FIREFOX) {
      firefox = launchFirefox(work, origin, BROWSER_TONE, bound(60000));
      firefox.catch(() => null);   // reported by firefoxCases
    }
    for (const [name, run] of [['chromium', () => chromiumCases(work, origin, tone)],
                               ['firefox', () => firefoxCases(firefox, firefoxAt, origin)]]) {
      setTapPrefix(name);
      if (process.env[`HOLLER_SKIP_${name.toUpperCase()}`]) {
        note(`SKIP ${name}: ${process.env[`HOLLER_SKIP_${name.toUpperCase()}`]}`);
        continue;
      }
      try {
        await run();
      } catch (e) {
        check(false, `${name} ran its cases`, e.stack || e.message);
      }
    }
  } finally {
    if (firefox) await firefox.then((browser) => browser.close(), () => null);
    killHollers();
    rmSync(work, { recursive: true, force: true });
  }
  const { planned, failures } = tapSummary();
  console.log(`1..${planned}`);
  return failures === 0 ? 0 : 1;
}

main().then((status) => process.exit(status), (e) => {
  console.log(`Bail out! ${e.stack || e}`);
  process.exit(1);
});
