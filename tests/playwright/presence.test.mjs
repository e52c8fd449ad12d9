// Busy lamp field through the real Kamailio (its presence modules): a
// page subscribes to the dialog event of extension 1002 and sees it ring,
// go busy and come back to idle as 1003 calls it; logout ends the
// subscription (SUBSCRIBE Expires: 0, seen in Kamailio's log).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, waitEvent, registerParams, loadKazoo, register, until } from './lib/lab.mjs';
import { connect } from './lib/calls.mjs';

let lab;
before(async () => { lab = await startLab(); });
after(async () => { await lab?.stop(); });

/** A page registered as user, recording onPresence too. */
async function phone(user) {
  const page = await lab.openPage();
  await loadKazoo(page);
  await register(page, registerParams(lab, user, { record: ['onPresence'] }));
  await waitEvent(page, 'onConnected');
  return page;
}

/**
 * Waits for an onPresence of uri with state, recorded after the first
 * `after` onPresence events; returns it and how many there were then.
 */
async function presence(page, uri, state, after = 0) {
  const handle = await page.waitForFunction(([u, s, n]) => {
    const all = window.events.filter((e) => e.name === 'onPresence');
    const i = all.findIndex((e, j) => j >= n && e.arg.uri === u && e.arg.state === s);
    return i >= 0 ? { arg: all[i].arg, seen: i + 1 } : null;
  }, [uri, state, after], { timeout: 15_000, polling: 50 });
  return handle.jsonValue();
}

test('BLF: a watched extension rings, goes busy, then idle; logout unsubscribes', async () => {
  const watcher = await phone('1001');
  const callee = await phone('1002');
  const caller = await phone('1003');
  try {
    const r = await watcher.evaluate(() => kazoo.subscribe(['1002'], { event: 'dialog', expires: 300 }).then(() => 'ok', (e) => e));
    assert.equal(r, 'ok');
    // Nobody in a call yet: Kamailio's idle document.
    let p = await presence(watcher, '1002', 'idle');
    assert.equal(p.arg.event, 'dialog');

    const c = await connect(caller, '1002');
    assert.equal(c.ok, true, JSON.stringify(c));
    await waitEvent(callee, 'onIncoming');
    p = await presence(watcher, '1002', 'ringing', p.seen);

    await callee.evaluate(() => window.incoming.accept());
    await waitEvent(caller, 'onAccepted');
    p = await presence(watcher, '1002', 'busy', p.seen);

    await caller.evaluate(() => kazoo.hangup());
    await waitEvent(callee, 'onHangup');
    p = await presence(watcher, '1002', 'idle', p.seen);

    const errors = await watcher.evaluate(() => window.events.filter((e) => e.name === 'onError').map((e) => e.arg));
    assert.deepEqual(errors, []);

    await watcher.evaluate(() => kazoo.logout());
    await until(() => /unsubscribe sip:1001@lab\.test from sip:1002@lab\.test event dialog/.test(lab.kamailio.log()),
      { what: 'the un-SUBSCRIBE (Expires: 0) at Kamailio' });
    const subscribes = watcher.sipSent.filter((l) => l.startsWith('SUBSCRIBE '));
    assert.ok(subscribes.length >= 2, `SUBSCRIBEs sent: ${subscribes}`);
    for (const page of [watcher, callee, caller]) assert.deepEqual(page.pageErrors, []);
  } finally {
    for (const page of [watcher, callee, caller]) await page.context().close().catch(() => {});
  }
});

test('subscribe() refuses a bad event and needs a registration', async () => {
  const page = await lab.openPage();
  try {
    await loadKazoo(page);
    const before = await page.evaluate(() => kazoo.subscribe('1002').then(() => 'ok', (e) => e.key));
    assert.equal(before, 'not_registered');
    await register(page, registerParams(lab, '1001'));
    await waitEvent(page, 'onConnected');
    const bad = await page.evaluate(() => kazoo.subscribe('1002', { event: 'message-summary' }).then(() => 'ok', (e) => e.key));
    assert.equal(bad, 'invalid_parameter');
    const none = await page.evaluate(() => kazoo.subscribe([]).then(() => 'ok', (e) => e.key));
    assert.equal(none, 'invalid_parameter');
  } finally {
    await page.context().close().catch(() => {});
  }
});
