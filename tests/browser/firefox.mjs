// SPDX-License-Identifier: LGPL-2.1-or-later
// Debian's firefox-esr, headless, driven by puppeteer-core over WebDriver
// BiDi (never a downloaded browser), for browser-test.mjs. The preferences
// are the ones measured in DESIGN.md §5: without a sound card audio starts
// only on cubeb's mock context; without microphone permission Firefox
// gathers only on the default-route address, and a test namespace has none.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';

// @origin: the page's http origin, treated as secure (getUserMedia wants a
// secure context); @toneHz: the fake microphone's sine.
export function firefoxPrefs(origin, toneHz) {
  return {
    // media: a fake microphone playing a sine, granted without asking, and
    // audio output on the mock context (no sound card here)
    'media.navigator.streams.fake': true,
    'media.navigator.audio.fake_frequency': toneHz,
    'media.navigator.permission.disabled': true,
    'permissions.default.microphone': 1,
    'media.cubeb.force_mock_context': true,
    'media.autoplay.default': 0,
    'media.autoplay.block-webaudio': false,
    'media.autoplay.blocking_policy': 0,
    'dom.securecontext.allowlist': new URL(origin).hostname,
    // ICE: real host addresses on the test veth (no mDNS names)
    'media.peerconnection.ice.loopback': true,
    'media.peerconnection.ice.obfuscate_host_addresses': false,
    'media.peerconnection.ice.default_address_only': false,
    // nothing goes out on its own
    'toolkit.telemetry.enabled': false,
    'toolkit.telemetry.unified': false,
    'toolkit.telemetry.server': '',
    'datareporting.healthreport.uploadEnabled': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'app.update.auto': false,
    'app.update.enabled': false,
    'app.update.disabledForTesting': true,
    'browser.safebrowsing.malware.enabled': false,
    'browser.safebrowsing.phishing.enabled': false,
    'browser.safebrowsing.downloads.enabled': false,
    'browser.safebrowsing.blockedURIs.enabled': false,
    'browser.safebrowsing.provider.mozilla.updateURL': '',
    'network.dns.disablePrefetch': true,
    'network.prefetch-next': false,
    'network.predictor.enabled': false,
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
    'extensions.update.enabled': false,
    'browser.search.update': false,
    'browser.shell.checkDefaultBrowser': false,
    'browser.newtabpage.enabled': false,
    'browser.startup.homepage_override.mstone': 'ignore',
    'browser.region.update.enabled': false,
    'network.trr.mode': 5,
    'app.normandy.enabled': false,
    'app.shield.optoutstudies.enabled': false,
    'messaging-system.rsexperimentloader.enabled': false,
    'extensions.systemAddon.update.enabled': false,
    // less work at start on a busy 2-core machine: one content process, no
    // spare one started ahead
    'dom.ipc.processCount': 1,
    'dom.ipc.processPrelaunch.enabled': false,
  };
}

// The browser, with its own HOME and profile under @work (the caller
// removes it); puppeteer leaves signals alone: run-browser-tests.sh kills
// everything in the namespace.
export async function launchFirefox(work, origin, toneHz, timeoutMs) {
  const home = join(work, 'firefox-home');
  mkdirSync(home, { recursive: true });
  const { default: puppeteer } = await import('puppeteer-core');
  return puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: FIREFOX,
    headless: true,
    userDataDir: join(home, 'profile'),
    defaultViewport: { width: 640, height: 820 },
    extraPrefsFirefox: firefoxPrefs(origin, toneHz),
    env: { ...process.env, HOME: home, XDG_CACHE_HOME: join(home, '.cache'),
           XDG_CONFIG_HOME: join(home, '.config'), MOZ_CRASHREPORTER_DISABLE: '1' },
    timeout: timeoutMs,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}
