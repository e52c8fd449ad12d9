// The browser-test lab: a real Kamailio (kamailio.mjs), the kazoo-dev
// server for dist/ and the test pages, and Debian Chromium driven by
// playwright-core. Everything listens on 127.0.0.1; every process is
// stopped by PID.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startKamailio, repoRoot, accounts, realm } from './kamailio.mjs';
import { startRtpengine } from './rtpengine.mjs';
import { startBaresip } from './baresip.mjs';
import { makeTone } from './audio.mjs';

export { accounts, realm };

/**
 * Chromium flags for tests: loopback ICE candidates (none at all in an
 * lo-only namespace without --allow-loopback-in-peer-connection), plain
 * host candidates instead of mDNS names, autoplay, fake media devices,
 * and no background network traffic.
 */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--autoplay-policy=no-user-gesture-required',
];

/**
 * Starts kazoo-dev serving dist/ and the test pages; resolves with its URL.
 * addr is its listen address; extraArgs go to kazoo-dev (-relay, -rtmp).
 */
export async function startServer({ wsUrl, addr = '127.0.0.1:0', extraArgs = [] }) {
  const bin = path.join(repoRoot, '.cache', 'bin', 'kazoo-dev');
  const proc = spawn(bin, [
    '-addr', addr,
    ...extraArgs,
    '-web', path.join(repoRoot, 'web'),
    '-dist', path.join(repoRoot, 'dist'),
    '-mount', `/test/=${path.join(repoRoot, 'tests', 'playwright', 'pages')}`,
    '-ws', wsUrl,
    '-domain', realm,
    '-accounts', accounts.slice(0, 3).map((a) => `${a.user}:${a.password}`).join(','),
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve(line.replace(/\/$/, ''));
    });
    proc.once('exit', (code) => reject(new Error(`kazoo-dev exited with ${code} (run ./build.sh first)`)));
    proc.once('error', reject);
  });
  return {
    url,
    pid: proc.pid,
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * The Chromium flag that trusts exactly these server keys (base64
 * SHA-256 of each certificate's SubjectPublicKeyInfo, testca.mjs
 * spkiHash). Why this and not another way:
 * --ignore-certificate-errors would accept any certificate at all, so a
 * test of an untrusted certificate could not fail; adding the test CA as
 * a root needs an NSS database in the browser's $HOME (certutil, package
 * libnss3-tools) shared by every browser of that user. The SPKI list is
 * per browser process and pins one key: every other certificate is still
 * verified as usual, and refused when untrusted. Chromium honours it only
 * with --user-data-dir, which Playwright always passes.
 */
export function trustSpkiArg(spkis) {
  return `--ignore-certificate-errors-spki-list=${spkis.join(',')}`;
}

/**
 * Launches Debian Chromium (never a downloaded browser); with audioFile,
 * its fake microphone plays that wav; with trustSpki (a list of SPKI
 * hashes), it trusts the servers holding those keys (trustSpkiArg).
 */
export async function launchBrowser({ audioFile, trustSpki } = {}) {
  const args = [...chromiumArgs];
  if (audioFile) args.push(`--use-file-for-fake-audio-capture=${audioFile}`);
  if (trustSpki?.length) args.push(trustSpkiArg(trustSpki));
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args,
    ignoreDefaultArgs: ['--mute-audio'],
  });
}

/**
 * Launches Debian Chromium with its own on-disk profile in userDataDir and
 * returns its one browser context. Unlike browser.newContext() (in
 * memory), a profile keeps an HTTP cache and Chromium's compiled-code
 * cache between navigations, as a real browser does; close() ends it.
 */
export async function launchProfile(userDataDir) {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: chromiumArgs,
    ignoreDefaultArgs: ['--mute-audio'],
  });
}

/** The tone every test browser's fake microphone plays (Hz). */
export const browserTone = 440;

/**
 * Starts Kamailio, kazoo-dev and Chromium (and, with media, rtpengine wired
 * into Kamailio, and a 440 Hz fake microphone); stop() ends them all.
 * serverArgs go to kazoo-dev (e.g. more -mount directories). With tls
 * (makeTestCA()'s result), Kamailio also serves wss:// with tls.chain and
 * tls.key (lab.kamailio.wssUrl) and Chromium trusts that key only.
 */
export async function startLab({ media = false, serverArgs = [], tls } = {}) {
  const stops = [];
  const stopAll = async () => { for (const s of stops.reverse()) await s().catch(() => {}); };
  try {
    let rtpengine;
    if (media) {
      rtpengine = await startRtpengine();
      stops.push(() => rtpengine.stop());
    }
    const kamailio = await startKamailio({
      ...(rtpengine ? { rtpengine } : {}),
      ...(tls ? { tls: { cert: tls.chain, key: tls.key } } : {}),
    });
    stops.push(() => kamailio.stop());
    const server = await startServer({ wsUrl: kamailio.wsUrl, extraArgs: serverArgs });
    stops.push(() => server.stop());
    const audioFile = media ? await makeTone({ freq: browserTone, seconds: 120 }) : undefined;
    const browser = await launchBrowser({ audioFile, trustSpki: tls ? [tls.spki] : undefined });
    stops.push(() => browser.close());
    return makeLab({ kamailio, server, browser, rtpengine, stopAll });
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** The lab object around a SIP server (Kamailio, or kazoo-dev: see devlab.mjs). */
export function makeLab({ kamailio, server, browser, rtpengine, stopAll }) {
  return {
    kamailio,
    sip: kamailio,
    server,
    browser,
    rtpengine,
    /** Starts baresip (see baresip.mjs) registered at this Kamailio; stopped with the lab. */
    async startBaresip(opts) {
      return startBaresip({ kamailio, ...opts });
    },
    /**
     * A fresh context (or the given one: tabs of one browser profile,
     * sharing storage, locks and BroadcastChannel) and the blank test
     * page, with kazoo's script parsed.
     */
    async openPage({ initScript, context: given } = {}) {
      const context = given ?? await browser.newContext();
      const page = await context.newPage();
      page.pageErrors = [];
      page.on('pageerror', (e) => page.pageErrors.push(String(e)));
      page.consoleLines = [];
      page.on('console', (m) => page.consoleLines.push(`${m.type()}: ${m.text()}`));
      // The first line of every text frame the page sends on a WebSocket:
      // its SIP requests and responses.
      page.sipSent = [];
      page.on('websocket', (ws) => ws.on('framesent', (f) => {
        if (typeof f.payload === 'string') page.sipSent.push(f.payload.split('\r\n', 1)[0]);
      }));
      if (initScript) await page.addInitScript(initScript);
      await page.goto(`${server.url}/test/blank.html`);
      return page;
    },
    /** openPage, loaded, registered as user (onConnected seen). */
    async openRegistered(user) {
      const page = await this.openPage();
      await loadKazoo(page);
      await register(page, registerParams(this, user));
      await waitEvent(page, 'onConnected');
      return page;
    },
    stop: stopAll,
  };
}

/** Waits until the page recorded an event called name; returns its arg. */
export async function waitEvent(page, name, timeout = 15_000) {
  const handle = await page.waitForFunction(
    (n) => window.events.find((e) => e.name === n),
    name,
    { timeout, polling: 50 },
  );
  const ev = await handle.jsonValue();
  return ev.arg;
}

/** The names of the events recorded so far, in order. */
export async function eventNames(page) {
  return page.evaluate(() => window.events.map((e) => e.name));
}

/** register() parameters for a lab account, with recording callbacks. */
export function registerParams(lab, user, overrides = {}) {
  const a = accounts.find((x) => x.user === user);
  return {
    wsUrl: lab.kamailio.wsUrl,
    realm,
    publicIdentity: a.uri,
    privateIdentity: a.user,
    password: a.password,
    ...overrides,
  };
}

/** Runs kazoo.init in the page and waits for onLoaded. */
export async function loadKazoo(page) {
  await page.evaluate(() => { kazoo.init({ onLoaded: cb('onLoaded') }); });
  await waitEvent(page, 'onLoaded');
}

/**
 * Calls kazoo.register(params) in the page with recording callbacks for
 * every kazoo.js event and returns without waiting. The last incoming
 * call object is window.incoming (window.autoAnswer accepts it at once).
 * params.record (not passed to kazoo) names more callbacks to record,
 * e.g. ['onQualityWarning', 'onVolume'].
 */
export async function register(page, params) {
  await page.evaluate((p) => {
    const record = p.record ?? [];
    delete p.record;
    for (const name of ['onConnected', 'onError', 'onAccepted', 'onHangup', 'onCancel',
      'onTransfer', 'onNotified', 'onRinging', 'onDTMF', ...record]) {
      if (!(name in p)) p[name] = cb(name);
    }
    // onTransferRequest answers window.transferAnswer (undefined: follow).
    if (!('onTransferRequest' in p)) {
      p.onTransferRequest = (call, target) => {
        cb('onTransferRequest')({ id: call.id, target });
        return window.transferAnswer;
      };
    }
    p.onIncoming = (call) => {
      window.incoming = call;
      cb('onIncoming')({ id: call.id, callerName: call.callerName, callerNumber: call.callerNumber, direction: call.direction });
      if (window.autoAnswer) call.accept();
    };
    window.registerResult = kazoo.register(p).then(() => 'resolved', (e) => e);
  }, params);
}

/** Polls fn until it returns a truthy value or the timeout passes. */
export async function until(fn, { timeout = 10_000, interval = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}
