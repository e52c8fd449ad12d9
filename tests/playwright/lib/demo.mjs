// Driving the demo softphone (web/) like a person: fill, click, press keys,
// read the screen. Nothing here calls the kazoo API; it only reads the DOM.
//
// The demo tests run against a *backend*: whatever serves the page and
// carries its calls. A backend is
//   {
//     name,                 e.g. 'Kamailio'
//     pageUrl,              the demo page, e.g. http://127.0.0.1:8080/
//     browsers: [b0, b1],   Chromium instances whose fake microphones play
//     tones: [440, 660],    a different tone each (Hz)
//     accounts,             [{user, password}], at least 1001–1006
//     domain,               their SIP domain
//     lookup?(user),        the registrar's contacts for user (bindings)
//     voicemail?(user, {newMessages, oldMessages}), make the platform send a message-summary NOTIFY
//     dropConnection?(user), close user's SIP WebSocket from the server side
//     sipLog?(),            the SIP server's log so far
//     stop(),
//   }
// and the suite is told statically what it can do (see demoBackends). startDevBackend() is kazoo-dev alone: its embedded SIP
// server, echo, voicemail and RTMP path (what `./build.sh demo` runs).
// startKamailioBackend() is the production-like lab: Kamailio, rtpengine,
// kazoo-rtmpgw and kazoo-relay, kazoo-dev serving only the page.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { startLab, startServer, launchBrowser, until, accounts, realm, browserTone } from './lab.mjs';
import { startGateway, startRelay } from './rtmplab.mjs';
import { freePort, repoRoot } from './kamailio.mjs';
import { makeTone } from './audio.mjs';
import { sendNotify } from './inject.mjs';
import { startDev } from './devlab.mjs';

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 667 };

/** The second browser's microphone tone (the first plays lab.mjs's browserTone). */
export const secondTone = 660;

/**
 * kazoo-dev alone as a demo backend: one process serves the page, is the
 * SIP server (its /api endpoints play the network's part: voicemail,
 * dropped connections), answers *43 and runs the RTMP path; two browsers
 * at 440 and 660 Hz.
 */
export async function startDevBackend() {
  const stops = [];
  const stopAll = async () => { for (const s of stops.reverse()) await s().catch(() => {}); };
  try {
    const dev = await startDev();
    stops.push(() => dev.stop());
    const first = await launchBrowser({ audioFile: await makeTone({ freq: browserTone, seconds: 300 }) });
    stops.push(() => first.close());
    const second = await launchBrowser({ audioFile: await makeTone({ freq: secondTone, seconds: 300 }) });
    stops.push(() => second.close());
    const api = async (p) => {
      const res = await fetch(`${dev.url}${p}`, { method: 'POST' });
      assert.ok(res.ok, `${p}: ${res.status}`);
    };
    return {
      name: 'kazoo-dev',
      pageUrl: `${dev.url}/`,
      browsers: [first, second],
      tones: [browserTone, secondTone],
      accounts,
      domain: realm,
      lookup: (user) => dev.lookup(user),
      voicemail: (user, { newMessages, oldMessages }) => api(`/api/voicemail?user=${user}&new=${newMessages}&old=${oldMessages}`),
      dropConnection: (user) => api(`/api/drop?user=${user}`),
      sipLog: () => dev.log(),
      dev,
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/**
 * The Kamailio lab as a demo backend: startLab (Kamailio with rtpengine, a
 * 440 Hz browser), a second browser at 660 Hz, kazoo-rtmpgw and kazoo-relay
 * for "Audio without WebRTC", and a kazoo-dev that offers the relay to the
 * page (its origin is chosen first: the relay allow-lists it).
 */
export async function startKamailioBackend() {
  const stops = [];
  const stopAll = async () => { for (const s of stops.reverse()) await s().catch(() => {}); };
  try {
    const lab = await startLab({ media: true });
    stops.push(() => lab.stop());
    const second = await launchBrowser({ audioFile: await makeTone({ freq: secondTone, seconds: 300 }) });
    stops.push(() => second.close());
    const gateway = await startGateway({ kamailio: lab.kamailio, logLevel: 'info' });
    stops.push(() => gateway.stop());
    const port = await freePort();
    const relay = await startRelay({ gateway, origin: `http://127.0.0.1:${port}` });
    stops.push(() => relay.stop());
    const server = await startServer({
      wsUrl: lab.kamailio.wsUrl, addr: `127.0.0.1:${port}`, extraArgs: ['-relay', relay.url, '-rtmp', gateway.rtmpUrl],
    });
    stops.push(() => server.stop());
    return {
      name: 'Kamailio',
      pageUrl: `${server.url}/`,
      browsers: [lab.browser, second],
      tones: [browserTone, secondTone],
      accounts,
      domain: realm,
      lookup: (user) => lab.kamailio.lookup(user),
      voicemail: (user, { newMessages, oldMessages }) => sendNotify(lab.kamailio, user, {
        contentType: 'application/simple-message-summary',
        body: `Messages-Waiting: ${newMessages ? 'yes' : 'no'}\r\nMessage-Account: sip:*97@${realm}\r\nVoice-Message: ${newMessages}/${oldMessages} (0/0)\r\n`,
      }),
      sipLog: () => lab.kamailio.log(),
      dropConnection: async (user) => {
        const k = lab.kamailio;
        const binding = await k.kamcmd('ul.lookup', 'location', `s:${user}`);
        const port = (/Received: sip:127\.0\.0\.1:(\d+)/.exec(binding) || [])[1];
        assert.ok(port, `no received port in\n${binding}`);
        const dump = await k.kamcmd('ws.dump');
        const id = (new RegExp(`^\\s*(\\d+): ws:127\\.0\\.0\\.1:${port} ->`, 'm').exec(dump) || [])[1];
        assert.ok(id, `no WebSocket from port ${port} in\n${dump}`);
        await k.kamcmd('ws.close', id);
      },
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/**
 * The backends every demo flow runs against (the demo*.test.mjs files
 * each run their flows once per backend). A backend says statically what
 * it can do:
 *   echo  it has the echo extension ("Test my audio" calls config.echo or *43)
 *   rtmp  the page offers "Audio without WebRTC" and it can carry calls
 * Both tell the dialog state of the accounts (SUBSCRIBE event dialog,
 * the calls' state): the colleagues' lamps ring, go busy and idle.
 */
export const demoBackends = [
  { name: 'kazoo-dev', start: startDevBackend, echo: true, rtmp: true },
  { name: 'Kamailio', start: startKamailioBackend, echo: false, rtmp: true },
];

// The meters show −60…0 dBFS. The far browser's steady test tone settles
// at about −25 dBFS (0.58 on the meter) once Chromium's noise suppression
// and gain control have worked on it; silence reads 0.
export const LOUD = 0.35;
export const QUIET = 0.1;

/**
 * Opens the demo page in a fresh context of backend.browsers[which] at
 * viewport; records page errors and console lines (CSP reports land
 * there). Resolves when the login screen shows.
 */
export async function openDemo(backend, which = 0, { viewport = DESKTOP } = {}) {
  const context = await backend.browsers[which].newContext({ viewport });
  const page = await context.newPage();
  page.pageErrors = [];
  page.on('pageerror', (e) => page.pageErrors.push(String(e)));
  page.consoleLines = [];
  page.on('console', (m) => page.consoleLines.push(`${m.type()}: ${m.text()}`));
  await page.goto(backend.pageUrl);
  await page.locator('#loginScreen').waitFor({ state: 'visible', timeout: 20_000 });
  return page;
}

/** Closes the pages' contexts (each pagehide unregisters). */
export async function closeAll(pages) {
  for (const p of pages) await p?.context().close().catch(() => {});
}

/** No uncaught error, no Content-Security-Policy violation, no Go runtime death. */
export function assertHealthy(...pages) {
  for (const p of pages) {
    assert.deepEqual(p.pageErrors, [], 'uncaught errors in the page');
    const bad = p.consoleLines.filter((l) => /Content Security Policy|Refused to|runtime stopped|panic:|fatal error/i.test(l));
    assert.deepEqual(bad, [], 'the page reported CSP violations or a fatal error');
  }
}

export function account(backend, user) {
  const a = backend.accounts.find((x) => x.user === user);
  assert.ok(a, `no account ${user}`);
  return a;
}

/** Opens "Advanced settings" when closed. */
export async function openAdvanced(page) {
  if (!(await page.locator('#advanced').evaluate((d) => d.open))) await page.click('#advanced > summary');
}

/**
 * Fills the login form and logs in; resolves once the phone screen shows
 * and the status says online. name: "Your name"; dtmf: 'info' or
 * 'rfc4733'; rtmp: tick "Audio without WebRTC"; remember: "Remember password".
 */
export async function loginAs(page, backend, user, { password, name, dtmf, rtmp, remember } = {}) {
  await page.fill('#user', user);
  await page.fill('#password', password ?? account(backend, user).password);
  if (name !== undefined) await page.fill('#displayName', name);
  if (remember !== undefined) await page.setChecked('#rememberPassword', remember);
  if (rtmp !== undefined) await page.setChecked('#forceRTMP', rtmp);
  if (dtmf) {
    await openAdvanced(page);
    await page.check(dtmf === 'info' ? '#dtmfInfo' : '#dtmfRfc4733');
  }
  await page.click('#loginBtn');
  await page.locator('#phoneScreen').waitFor({ state: 'visible', timeout: 25_000 });
  await page.locator('#status[data-state="registered"]').waitFor({ timeout: 5_000 });
}

/** Waits for the call panel's state (idle, calling, ringing, incoming, connecting, active, held). */
export async function callState(page, state, timeout = 20_000) {
  await page.locator(`#callPanel[data-state="${state}"]`).waitFor({ state: 'attached', timeout });
}

/** caller dials callee's number on the dialpad and presses Call; callee answers from the dialog; returns the dialog's {name, number}. */
export async function callAndAnswer(caller, callee, number) {
  for (const k of number) await caller.click(`#dialpad [data-key="${k}"]`);
  assert.equal(await caller.inputValue('#number'), number);
  await caller.click('#callBtn');
  const who = await incoming(callee);
  await callee.click('#answerBtn');
  await callState(caller, 'active');
  await callState(callee, 'active');
  return who;
}

/** The line list's row for the call with name (as the row shows it). */
export function lineRow(page, name) {
  return page.locator('#lines li[data-line]', { has: page.locator('.line-name', { hasText: name }) });
}

/**
 * Waits for the row of name to show state (data-state: incoming, calling,
 * ringing, connecting, active, held); returns {state, text, time, buttons}:
 * its state in words, its duration and the labels of its visible buttons.
 */
export async function waitLine(page, name, state, timeout = 15_000) {
  const row = lineRow(page, name);
  try {
    await row.and(page.locator(`[data-state="${state}"]`)).waitFor({ timeout });
  } catch (e) {
    const now = await page.locator('#lines').evaluate((l) => l.innerText).catch(() => 'no list');
    throw new Error(`the line of ${name} did not turn ${state} within ${timeout} ms; the list shows: ${JSON.stringify(now)}`);
  }
  return {
    state: await row.getAttribute('data-state'),
    text: await row.locator('.line-state').textContent(),
    time: await row.locator('.line-time').textContent(),
    buttons: await row.locator('button:visible').allTextContents(),
  };
}

/** The incoming-call dialog: waits for it and returns {name, number}. */
export async function incoming(page, timeout = 20_000) {
  await page.locator('#incomingDialog').waitFor({ state: 'visible', timeout });
  return {
    name: await page.textContent('#incomingName'),
    number: await page.textContent('#incomingNumber'),
  };
}

/** The value (0..1) of the mic or speaker <meter>. */
export function meter(page, which) {
  return page.locator(which === 'mic' ? '#micMeter' : '#speakerMeter').evaluate((m) => m.value);
}

/** Waits until the meter is above (or below) v; returns the value seen. */
export async function waitMeter(page, which, op, v, { timeout = 15_000, what } = {}) {
  let last;
  try {
    await until(async () => {
      last = await meter(page, which);
      return op === '>' ? last > v : last < v;
    }, { timeout, interval: 100, what: what || `${which} meter ${op} ${v}` });
  } catch (e) {
    e.message += ` (last value ${last})`;
    throw e;
  }
  return last;
}

/** The call timer in seconds ("01:05" → 65). */
export async function timerSeconds(page) {
  const t = (await page.textContent('#timer')).trim();
  assert.match(t, /^(\d+:)?\d\d:\d\d$/, `timer shows ${t}`);
  return t.split(':').reduce((s, x) => s * 60 + Number(x), 0);
}

/** Waits until the page's timer shows at least `seconds` more than now. */
export async function timerAdvances(page, seconds = 2) {
  const t0 = await timerSeconds(page);
  await until(async () => (await timerSeconds(page)) >= t0 + seconds, { timeout: (seconds + 5) * 1000, what: 'the call timer to advance' });
}

/** Waits for document.body's data-tone to be tone ('' for none). */
export async function waitTone(page, tone, timeout = 10_000) {
  await until(async () => (await page.evaluate(() => document.body.dataset.tone || '')) === tone,
    { timeout, what: `tone "${tone}"` });
}

/** The notice texts of a kind (data-kind). */
export function notices(page, kind) {
  return page.locator(`#notices li[data-kind="${kind}"] .text`).allTextContents();
}

/** Waits for a notice of kind whose text matches re; returns its text. */
export async function waitNotice(page, kind, re, timeout = 15_000) {
  return until(async () => (await notices(page, kind)).find((t) => re.test(t)), { timeout, what: `a ${kind} notice matching ${re}` });
}

/** Waits until no notice of kind matches re. */
export async function waitNoNotice(page, kind, re, timeout = 15_000) {
  await until(async () => !(await notices(page, kind)).some((t) => re.test(t)), { timeout, what: `no ${kind} notice matching ${re}` });
}

/** Opens the phone screen's "Audio devices" section when closed (from the keyboard, like a person would). */
export async function openDevices(page) {
  if (await page.locator('#devices').evaluate((d) => d.open)) return;
  await page.focus('#devices > summary');
  await page.keyboard.press('Enter');
  await page.locator('#micSelect').waitFor({ state: 'visible', timeout: 5_000 });
}

/** The device picker's list for role ('mic', 'speaker', 'ringtone'): [{value, text}]. */
export function deviceOptions(page, role) {
  return page.locator(`#${role}Select option`).evaluateAll((os) => os.map((o) => ({ value: o.value, text: o.textContent })));
}

/** Nothing sticks out sideways, and el (when given) is fully inside the viewport. */
export async function assertFits(page, selector) {
  const r = await page.evaluate((sel) => {
    const e = sel && document.querySelector(sel);
    const box = e && e.getBoundingClientRect();
    return {
      scrollWidth: document.documentElement.scrollWidth,
      width: window.innerWidth,
      height: window.innerHeight,
      box: box && { top: box.top, bottom: box.bottom, left: box.left, right: box.right },
    };
  }, selector);
  assert.ok(r.scrollWidth <= r.width, `horizontal overflow: ${r.scrollWidth} > ${r.width}`);
  if (selector) {
    assert.ok(r.box.top >= 0 && r.box.bottom <= r.height && r.box.left >= 0 && r.box.right <= r.width,
      `${selector} is outside the ${r.width}×${r.height} viewport: ${JSON.stringify(r.box)}`);
  }
}

const shotDir = path.join(repoRoot, '.cache', 'screenshots');

/** Writes .cache/screenshots/<name>.png (a test artifact, not committed). */
export async function screenshot(page, name) {
  mkdirSync(shotDir, { recursive: true });
  const file = path.join(shotDir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/**
 * Writes text to `to` in the Messages panel and sends it with Enter;
 * returns the locator of the message as the thread shows it.
 */
export async function sendChat(page, to, text) {
  await page.fill('#chatTo', to);
  const before = await page.locator('#chatLog li[data-dir="out"]').count();
  await page.fill('#chatText', text);
  await page.press('#chatText', 'Enter');
  const item = page.locator('#chatLog li[data-dir="out"]').nth(before);
  await item.waitFor({ timeout: 5_000 });
  return item;
}

/** Waits until an outgoing message's state (data-state) is no longer "sending"; returns {state, text}. */
export async function chatOutcome(item, timeout = 15_000) {
  await item.locator('xpath=self::*[@data-state="sent" or @data-state="failed"]').waitFor({ timeout });
  return { state: await item.getAttribute('data-state'), text: await item.locator('.msg-state').textContent() };
}

/** The colleague's lamp button for user. */
export function lamp(page, user) {
  return page.locator(`#colleagues button[data-user="${user}"]`);
}

/** Waits for user's lamp to show state; returns the words it shows. */
export async function waitLamp(page, user, state, timeout = 15_000) {
  const b = lamp(page, user);
  try {
    await page.locator(`#colleagues button[data-user="${user}"][data-state="${state}"]`).waitFor({ timeout });
  } catch (e) {
    const now = await b.evaluate((el) => `${el.dataset.state} (${el.title})`).catch(() => 'no lamp');
    throw new Error(`${user}'s lamp did not turn ${state} within ${timeout} ms; it is ${now}`);
  }
  return b.locator('.state').textContent();
}
