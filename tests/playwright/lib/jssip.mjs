// JsSIP (a SIP stack we did not write) in a test page, to show that
// kazoo-dev's embedded server works with other clients. The npm package
// ships CommonJS only, so it is bundled here with esbuild into one
// script exposing the global JsSIP, as JsSIP's own build does.
import path from 'node:path';
import { mkdirSync, existsSync } from 'node:fs';
import { build } from 'esbuild';
import { repoRoot } from './kamailio.mjs';

const bundles = {
  plain: path.join(repoRoot, '.cache', 'jssip.js'),
  // Alone in its directory, so that a server can serve that directory.
  minified: path.join(repoRoot, '.cache', 'jssip', 'jssip.min.js'),
};

/**
 * Builds (once) and returns the path of the JsSIP browser bundle; with
 * minify, the minified one (what a site would ship).
 */
export async function jssipBundle({ minify = false } = {}) {
  const bundle = minify ? bundles.minified : bundles.plain;
  if (existsSync(bundle)) return bundle;
  mkdirSync(path.dirname(bundle), { recursive: true });
  await build({
    entryPoints: [path.join(repoRoot, 'tests', 'playwright', 'node_modules', 'jssip', 'lib', 'JsSIP.js')],
    bundle: true, format: 'iife', globalName: 'JsSIP', platform: 'browser', outfile: bundle, logLevel: 'error',
    minify,
  });
  return bundle;
}

/**
 * Opens a page with JsSIP registered as user at wsUrl. The page records
 * events in window.jsEvents; window.session is the current call,
 * window.lastRequest the last incoming INVITE (newRTCSession's request)
 * and window.lastResponse the 2xx that answered our last call.
 * window.jsCall(target, options) calls, with options merged into
 * JsSIP's (e.g. extraHeaders).
 */
export async function openJsSIP(browser, pageUrl, { wsUrl, user, realm, autoAnswer = false }) {
  const page = await (await browser.newContext()).newPage();
  page.pageErrors = [];
  page.on('pageerror', (e) => page.pageErrors.push(String(e)));
  await page.goto(pageUrl);
  await page.addScriptTag({ path: await jssipBundle() });
  await page.evaluate(({ wsUrl, user, realm, autoAnswer }) => new Promise((resolve, reject) => {
    window.jsEvents = [];
    const ev = (name, arg) => window.jsEvents.push({ name, arg });
    const ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(wsUrl)],
      uri: `sip:${user}@${realm}`,
      password: `pw-${user}`,
      register: true,
    });
    window.ua = ua;
    const track = (session) => {
      window.session = session;
      session.on('progress', () => ev('progress'));
      session.on('accepted', (e) => { window.lastResponse = e.response; ev('accepted'); });
      session.on('confirmed', () => ev('confirmed'));
      session.on('ended', (e) => ev('ended', { cause: e.cause, originator: e.originator }));
      session.on('failed', (e) => ev('failed', { cause: e.cause, originator: e.originator, code: e.message && e.message.status_code }));
      // Play what arrives, as a softphone would (Chromium counts inbound
      // audio energy only for audio that plays out).
      session.on('confirmed', () => {
        const stream = new MediaStream(session.connection.getReceivers().map((r) => r.track));
        const a = new Audio();
        a.srcObject = stream;
        a.play().catch(() => {});
        window.remoteAudio = a;
      });
    };
    ua.on('newRTCSession', (e) => {
      ev('newRTCSession', { originator: e.originator, from: e.request.from.uri.user, name: e.request.from.display_name });
      if (e.originator === 'remote') {
        window.lastRequest = e.request;
        track(e.session);
        if (autoAnswer) e.session.answer({ mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } });
      }
    });
    // A MESSAGE received (JsSIP answers it 200): its text, type, sender
    // and X- headers.
    ua.on('newMessage', (e) => {
      if (e.originator !== 'remote') return;
      const r = e.request;
      ev('message', {
        body: r.body,
        contentType: r.getHeader('Content-Type'),
        from: r.from.uri.toString(),
        xHeaders: Object.keys(r.headers).filter((k) => /^x-/i.test(k)).map((k) => `${k}: ${r.getHeader(k)}`),
      });
    });
    ua.on('sipEvent', (e) => ev('sipEvent', { event: e.event && e.event.event, body: e.request.body }));
    ua.on('registered', () => { ev('registered'); resolve(); });
    ua.on('registrationFailed', (e) => reject(new Error(`JsSIP registration failed: ${e.cause}`)));
    window.jsCall = (target, options = {}) => {
      const s = ua.call(target, { mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] }, ...options });
      track(s);
    };
    ua.start();
  }), { wsUrl, user, realm, autoAnswer });
  return page;
}

/** Inbound audio of JsSIP's current call: {packets, energy}. */
export function jssipInbound(page) {
  return page.evaluate(async () => {
    const pc = window.session && window.session.connection;
    if (!pc) return { packets: 0, energy: 0 };
    const r = await pc.getStats();
    let packets = 0; let energy = 0;
    r.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') { packets += s.packetsReceived || 0; energy += s.totalAudioEnergy || 0; }
    });
    return { packets, energy };
  });
}

/** Waits for a JsSIP event by name; returns its arg. */
export async function jsEvent(page, name, timeout = 15_000) {
  const h = await page.waitForFunction((n) => window.jsEvents.find((e) => e.name === n), name, { timeout, polling: 50 });
  return (await h.jsonValue()).arg;
}
