// Several phones per page (kazoo.createPhone) in real Chromium through
// the lab Kamailio and rtpengine: one page where the global kazoo is
// 1001 and a created phone is 1002. Both are bound in Kamailio, each
// phone's callbacks hear only of its own account, a call from one to the
// other inside the page has audio both ways, and destroy() hangs up,
// unregisters and gives back the JS functions the phone held.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, loadKazoo, register, registerParams, waitEvent, until } from './lib/lab.mjs';

let lab;
before(async () => { lab = await startLab({ media: true }); });
after(async () => { await lab?.stop(); });

/** The kazoo.js callbacks recorded for each phone. */
const callbackNames = ['onConnected', 'onError', 'onAccepted', 'onHangup', 'onCancel', 'onRinging', 'onIncoming'];

/**
 * Runs kazoo.createPhone(params) in the page: the phone is window[name],
 * its callbacks are recorded as `${name}.onConnected` and so on (the
 * global kazoo's, by register(), as plain onConnected…), its last
 * incoming call is window[name + 'Incoming'].
 */
async function createPhone(page, name, params) {
  await page.evaluate(async ({ name, p, names }) => {
    for (const n of names) p[n] = cb(`${name}.${n}`);
    p.onIncoming = (call) => {
      window[`${name}Incoming`] = call;
      cb(`${name}.onIncoming`)({ id: call.id, remoteUri: call.remoteUri });
    };
    window[name] = await kazoo.createPhone(p);
  }, { name, p: params, names: callbackNames });
}

/** The names of the events recorded so far for the global kazoo (no prefix) or for phone name. */
function eventsOf(page, name) {
  return page.evaluate((n) => window.events.map((e) => e.name)
    .filter((e) => (n ? e.startsWith(`${n}.`) : !e.includes('.'))), name);
}

/** getStats() of the current call of the global kazoo (name omitted) or of window[name]. */
function stats(page, name) {
  return page.evaluate((n) => (n ? window[n] : kazoo).getStats(), name);
}

/** Waits until a phone's current call receives audio: 25 more packets and more energy than now. */
async function audioFlowing(page, name, what) {
  const s0 = await stats(page, name);
  let last;
  await until(async () => {
    last = await stats(page, name);
    return last.inbound.packets - s0.inbound.packets >= 25 && last.inbound.audioEnergy > s0.inbound.audioEnergy;
  }, { timeout: 15_000, what });
  return { packets: last.inbound.packets - s0.inbound.packets, energy: last.inbound.audioEnergy - s0.inbound.audioEnergy };
}

/** diagnostics().jsFuncs of the page's runtime. */
function jsFuncs(page) {
  return page.evaluate(async () => (await kazoo.diagnostics({ gc: true })).jsFuncs);
}

test('two accounts in one page: both bound, callbacks apart, a call between them with audio both ways, destroy hangs up and unregisters', async (t) => {
  const page = await lab.openPage();
  try {
    await loadKazoo(page);
    await register(page, registerParams(lab, '1001'));
    await waitEvent(page, 'onConnected');
    await createPhone(page, 'b', registerParams(lab, '1002'));
    await waitEvent(page, 'b.onConnected');

    // Each phone is its own binding, each with its own instance id.
    const [c1, c2] = [await lab.kamailio.lookup('1001'), await lab.kamailio.lookup('1002')];
    assert.equal(c1.length, 1, `1001's bindings: ${JSON.stringify(c1)}`);
    assert.equal(c2.length, 1, `1002's bindings: ${JSON.stringify(c2)}`);
    const ids = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('kazoo.instanceId')).sort()
      .map((k) => [k, localStorage.getItem(k)]));
    assert.deepEqual(ids.map(([k]) => k), ['kazoo.instanceId', 'kazoo.instanceId sip:1002@lab.test']);
    assert.notEqual(ids[0][1], ids[1][1], 'the two phones share an instance id');

    // The global kazoo (1001) calls the created phone (1002) in the same page.
    const placed = await page.evaluate(() => kazoo.connect('1002').then((c) => ({ ok: true, id: c.id }), (e) => ({ ok: false, e })));
    assert.equal(placed.ok, true, JSON.stringify(placed));
    const rang = await waitEvent(page, 'b.onIncoming');
    assert.match(rang.remoteUri, /^sip:1001@/);
    // The created phone's call object acts on the created phone.
    const accepted = await page.evaluate(() => window.bIncoming.accept().then(() => 'ok', (e) => e));
    assert.equal(accepted, 'ok');
    await waitEvent(page, 'onAccepted');

    // Each phone's calls and callbacks are its own.
    const lists = await page.evaluate(async () => [
      (await kazoo.calls()).map((c) => [c.direction, c.remoteUri.replace(/@.*/, '')]),
      (await window.b.calls()).map((c) => [c.direction, c.remoteUri.replace(/@.*/, '')]),
    ]);
    assert.deepEqual(lists, [[['outgoing', 'sip:1002']], [['incoming', 'sip:1001']]]);
    const globalEvents = await eventsOf(page);
    const bEvents = await eventsOf(page, 'b');
    assert.ok(!globalEvents.includes('onIncoming'), `the global kazoo heard of 1002's incoming call: ${globalEvents}`);
    assert.deepEqual(globalEvents.filter((e) => e === 'onConnected'), ['onConnected']);
    assert.ok(!bEvents.includes('b.onRinging'), `the created phone heard of 1001's outgoing call: ${bEvents}`);
    assert.deepEqual(bEvents.filter((e) => e === 'b.onConnected'), ['b.onConnected']);

    // Audio both ways: each phone's current call receives the other's microphone.
    const atA = await audioFlowing(page, undefined, "1001 hears 1002's microphone");
    const atB = await audioFlowing(page, 'b', "1002 hears 1001's microphone");
    t.diagnostic(`inbound at 1001: ${atA.packets} packets, energy ${atA.energy.toExponential(2)}; at 1002: ${atB.packets} packets, energy ${atB.energy.toExponential(2)}`);

    // destroy() hangs up its call (the global kazoo's ends), unregisters, and the phone is gone.
    const destroyed = await page.evaluate(() => window.b.destroy().then(() => 'ok', (e) => e));
    assert.equal(destroyed, 'ok');
    await waitEvent(page, 'onHangup');
    await until(async () => (await lab.kamailio.lookup('1002')).length === 0, { what: "1002's binding removed" });
    assert.equal((await lab.kamailio.lookup('1001')).length, 1, 'the global kazoo is still registered');
    const after = await page.evaluate(() => window.b.connect('1001').then(() => 'resolved', (e) => e.key));
    assert.equal(after, 'not_registered');
    assert.equal(await page.evaluate(async () => (await kazoo.diagnostics()).calls), 0);
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await page.context().close();
  }
});

test('destroy() gives back the JS functions the created phone held: diagnostics().jsFuncs returns to its count before createPhone', async () => {
  const page = await lab.openPage();
  try {
    await loadKazoo(page);
    // No warm-up for the global kazoo: nothing of its own changes the
    // count after onConnected, so what moves is the created phone's.
    await register(page, registerParams(lab, '1003', { warmup: 'none' }));
    await waitEvent(page, 'onConnected');
    const before = await jsFuncs(page);

    await createPhone(page, 'c', registerParams(lab, '1004'));
    await waitEvent(page, 'c.onConnected');
    await until(async () => (await lab.kamailio.lookup('1004')).length === 1, { what: "1004's binding" });
    const during = await jsFuncs(page);
    assert.ok(during > before, `jsFuncs did not grow with a registered phone: ${before} → ${during}`);

    assert.equal(await page.evaluate(() => window.c.destroy().then(() => 'ok', (e) => e)), 'ok');
    let now;
    await until(async () => (now = await jsFuncs(page)) === before, { what: `jsFuncs back to ${before}` })
      .catch((e) => { throw new Error(`${e.message} (still ${now}; ${during} with the phone)`); });
    await until(async () => (await lab.kamailio.lookup('1004')).length === 0, { what: "1004's binding removed" });
    assert.equal((await lab.kamailio.lookup('1003')).length, 1, 'the global kazoo is still registered');
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await page.context().close();
  }
});
