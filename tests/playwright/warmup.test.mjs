// register({warmup}): what is prepared ahead of a call, and when it is
// let go. The page's getUserMedia, MediaStream.clone and
// RTCPeerConnection are watched by an init script, so the tests see what
// the browser sees: the microphone open or closed (the recording
// indicator), peer connections made ahead.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, waitEvent, registerParams, loadKazoo, register, until } from './lib/lab.mjs';
import { audioFlowing, establish } from './lib/calls.mjs';

// watchMedia records every microphone stream and clone, and counts
// getUserMedia calls and peer connections.
function watchMedia() {
  window.media = { gum: 0, pcs: 0, tracks: [] };
  const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (c) => {
    window.media.gum++;
    const s = await gum(c);
    window.media.tracks.push(...s.getTracks());
    return s;
  };
  const clone = MediaStream.prototype.clone;
  MediaStream.prototype.clone = function () {
    const s = clone.call(this);
    window.media.tracks.push(...s.getTracks());
    return s;
  };
  const PC = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends PC {
    constructor(...a) { super(...a); window.media.pcs++; }
  };
  // The page's visibility, under the test's control.
  window.pageHidden = false;
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => window.pageHidden });
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (window.pageHidden ? 'hidden' : 'visible') });
  window.setHidden = (h) => { window.pageHidden = h; document.dispatchEvent(new Event('visibilitychange')); };
}

const media = (page) => page.evaluate(() => ({
  gum: window.media.gum,
  pcs: window.media.pcs,
  live: window.media.tracks.filter((t) => t.readyState === 'live').length,
}));

let lab;
before(async () => { lab = await startLab({ media: true }); });
after(async () => { await lab?.stop(); });

async function phone(user, warmup) {
  const page = await lab.openPage({ initScript: watchMedia });
  await loadKazoo(page);
  await register(page, registerParams(lab, user, warmup === undefined ? {} : { warmup }));
  await waitEvent(page, 'onConnected');
  return page;
}

async function closeAll(...pages) {
  for (const p of pages) {
    assert.deepEqual(p.pageErrors, [], 'uncaught errors in a page');
    await p.context().close();
  }
}

test("warmup 'full' (the default): the microphone and a peer connection are ready once registered; a call opens nothing more; logout closes the microphone", async () => {
  const a = await phone('1001');
  const b = await phone('1002', 'none');
  await until(async () => { const m = await media(a); return m.gum === 1 && m.live >= 1 && m.pcs === 1; },
    { what: 'the microphone open and a peer connection made after register' });
  await establish(a, b, '1002');
  await audioFlowing(b, { what: 'the caller\'s audio at the callee' });
  await audioFlowing(a, { what: 'audio at the caller' });
  let m = await media(a);
  assert.equal(m.gum, 1, 'the call asked for the microphone again');
  assert.equal(m.pcs, 1, 'the call made a new peer connection instead of the one ready');
  await a.evaluate(() => kazoo.hangup());
  await waitEvent(b, 'onHangup');
  // The next call is prepared again, with the same microphone.
  await until(async () => (await media(a)).pcs === 2, { what: 'a peer connection ready for the next call' });
  assert.equal((await media(a)).gum, 1);
  await a.evaluate(() => kazoo.logout());
  await until(async () => (await media(a)).live === 0, { what: 'every microphone track stopped after logout' });
  await closeAll(a, b);
});

test("warmup 'connection': a peer connection is ready but the microphone opens only for the call, and closes after it", async () => {
  const a = await phone('1001', 'connection');
  const b = await phone('1002', 'connection');
  await until(async () => (await media(b)).pcs === 1, { what: 'a peer connection made after register' });
  assert.deepEqual({ gum: (await media(b)).gum, live: (await media(b)).live }, { gum: 0, live: 0 }, 'the microphone was opened while idle');
  await establish(a, b, '1002');
  await audioFlowing(a, { what: 'the callee\'s audio at the caller' });
  const m = await media(b);
  assert.equal(m.gum, 1);
  assert.equal(m.pcs, 1, 'the incoming call made a new peer connection instead of the one ready');
  await a.evaluate(() => kazoo.hangup());
  await waitEvent(b, 'onHangup');
  await until(async () => (await media(b)).live === 0, { what: 'the microphone closed after the call' });
  await closeAll(a, b);
});

test("warmup 'none' prepares nothing; a hidden page lets go of what 'full' prepared and takes it again when shown", async () => {
  const a = await phone('1001', 'none');
  const b = await phone('1002');
  await until(async () => (await media(b)).live >= 1, { what: 'the microphone open at b' });
  assert.deepEqual(await media(a), { gum: 0, pcs: 0, live: 0 }, "warmup 'none' prepared something");

  await b.evaluate(() => window.setHidden(true));
  await until(async () => (await media(b)).live === 0, { what: 'the microphone closed while the page is hidden' });
  // A call to a hidden page still works: its media start with the call.
  await establish(a, b, '1002');
  await audioFlowing(a, { what: 'audio from the hidden page' });
  await a.evaluate(() => kazoo.hangup());
  await waitEvent(b, 'onHangup');
  await until(async () => (await media(b)).live === 0, { what: 'nothing kept open after the call while hidden' });

  const before = await media(b);
  await b.evaluate(() => window.setHidden(false));
  await until(async () => { const m = await media(b); return m.live >= 1 && m.pcs > before.pcs; },
    { what: 'the microphone and a peer connection ready again once shown' });
  await closeAll(a, b);
});

test('a warmup that is not none, connection or full is refused with invalid_parameter', async () => {
  const page = await lab.openPage();
  await loadKazoo(page);
  await register(page, registerParams(lab, '1001', { warmup: 'always' }));
  const err = await waitEvent(page, 'onError');
  assert.equal(err.key, 'invalid_parameter');
  assert.match(err.message, /warmup/);
  await page.context().close();
});
