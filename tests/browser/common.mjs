// SPDX-License-Identifier: LGPL-2.1-or-later
// What browser-test.mjs's cases share whatever the browser: TAP output,
// bounded waits, the holler processes and their JSON events, and the
// page's read-only test view (window.holler in data/web/app.js), reached
// with calls that playwright's and puppeteer's pages both have.
import { spawn, execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';

export const HOLLER = process.env.HOLLER_BIN;
export const WAV_TONE = process.env.HOLLER_WAV_TONE;
export const ADDRESS = process.env.HOLLER_TEST_ADDRESS;
export const ARTIFACTS = process.env.HOLLER_BROWSER_ARTIFACTS;
export const HOLLER_TONE = 440;    // what holler sends
export const BROWSER_TONE = 660;   // what the page's fake microphone sends
export const TONE_TOLERANCE = 15;  // Hz; an 8192-point FFT at 48 kHz has 5.9 Hz bins
// every bound on a wait scales with it (CI sets it for slow builds); the
// "within a second" checks are the behaviour under test and do not
export const SLOWDOWN = Math.min(20, Math.max(1, Number(process.env.HOLLER_TEST_SLOWDOWN) || 1));
export const bound = (ms) => Math.round(ms * SLOWDOWN);

// --- TAP ----------------------------------------------------------------------

let testNumber = 0;
let failures = 0;
let prefix = '';   // the browser under test, before each description
export const setTapPrefix = (text) => { prefix = text ? `${text}: ` : ''; };
export const note = (text) => console.log(`# ${text}`);
export const tapSummary = () => ({ planned: testNumber, failures });

export function check(ok, description, detail) {
  testNumber++;
  if (!ok) failures++;
  console.log(`${ok ? 'ok' : 'not ok'} ${testNumber} - ${prefix}${description}`);
  if (detail !== undefined) note(`  ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`);
  return ok;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls @fn every 50 ms until it returns something true; the bound scales.
export async function waitFor(what, fn, timeoutMs) {
  const limit = bound(timeoutMs);
  const end = Date.now() + limit;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${limit} ms waiting for ${what}`);
    await sleep(50);
  }
}

// --- holler processes ----------------------------------------------------------

const processes = [];
let serverPort = 0;
export const setServerPort = (port) => { serverPort = port; };

// A holler process; with --json its stderr events are kept with the time
// (Date.now()) each line arrived.
export function startHoller(name, args) {
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

export function killHollers() {
  for (const p of processes) if (!p.exited) p.child.kill('SIGTERM');
}

// The exit status, or null if @proc is still running after @timeoutMs.
export const exitWithin = (proc, timeoutMs) => Promise.race([proc.exit, sleep(bound(timeoutMs)).then(() => null)]);

export const findEvent = (proc, pred) => proc.events.find(pred);
export const waitEvent = (proc, what, pred, timeoutMs) =>
  waitFor(`${proc.name}: ${what}`, () => findEvent(proc, pred) || (proc.exited && Promise.reject(
    new Error(`${proc.name} exited (${JSON.stringify(proc.exited)}) before ${what}`))), timeoutMs);

export function callArgs(command, extra) {
  return [command, '--signaling', `ws://${ADDRESS}:${serverPort}/ws`, '--ice-address', ADDRESS, '--json',
          '--input', `tone:${HOLLER_TONE}`, '--connect-timeout', String(Math.round(20 * SLOWDOWN)), ...extra];
}

export async function startServer() {
  const server = startHoller('holler-serve', ['serve', '--address', ADDRESS, '--port', '0', '--print-uri']);
  const uri = await waitFor('holler serve to listen', () => server.stdout.includes('\n') && server.stdout, 5000);
  setServerPort(Number(new URL(uri.trim()).port));
  return `http://${ADDRESS}:${serverPort}`;
}

// {seconds, share, dominant_hz}: share is the fraction of 100 ms blocks in
// which BROWSER_TONE carries most of the power (tests/nat/holler-wav-tone.c)
export function measureWav(path) {
  const out = execFileSync(WAV_TONE, [path, String(BROWSER_TONE)]);
  return JSON.parse(out.toString());
}

// the 16-bit PCM sine that Chromium's fake microphone loops
export function writeToneWav(path) {
  execFileSync('gst-launch-1.0', ['-q', 'audiotestsrc', `freq=${BROWSER_TONE}`, 'wave=sine', 'volume=0.5',
    'num-buffers=500', 'samplesperbuffer=480', '!', 'audio/x-raw,format=S16LE,rate=48000,channels=1',
    '!', 'wavenc', '!', 'filesink', `location=${path}`]);
}

// --- the page -------------------------------------------------------------------

export const pageState = (page) => page.evaluate(() => window.holler.state());
export const textOf = (page, selector) =>
  page.evaluate((s) => document.querySelector(s).textContent, selector);
export const isShown = (page, selector) =>
  page.evaluate((s) => { const e = document.querySelector(s); return !!e && !e.hidden && e.getClientRects().length > 0; },
                selector);
// (one argument: playwright's evaluate takes no more)
export const fillIn = (page, selector, value) =>
  page.evaluate(([s, v]) => { document.querySelector(s).value = v; }, [selector, value]);

// The dominant received frequency, as the median of several readings.
export async function browserTone(page) {
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
export async function untilHeard(page, hz, timeoutMs = 10000) {
  const end = Date.now() + bound(timeoutMs);
  for (;;) {
    const heard = await browserTone(page);
    if (Math.abs(heard.hz - hz) < TONE_TOLERANCE || Date.now() > end) return heard;
  }
}
