// One registration across tabs (register({sharedTabs: true})) in real
// Chromium through the lab Kamailio and rtpengine: three tabs of one
// browser profile registered as 1001 make one binding in Kamailio; a
// call from 1002 rings in all three; a follower answers it with its own
// audio, both ways; when the leading tab closes, another takes over
// (a new binding, the call in progress goes on), and the next call
// still rings in the tabs left and is answered with audio.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, loadKazoo, register, registerParams, waitEvent, until } from './lib/lab.mjs';
import { audioFlowing, connect, count } from './lib/calls.mjs';

let lab;
before(async () => { lab = await startLab({ media: true }); });
after(async () => { await lab?.stop(); });

/** Waits until the page recorded event name n times; returns the nth arg. */
async function waitNth(page, name, n, timeout = 15_000) {
  const handle = await page.waitForFunction(
    ({ name, n }) => { const l = window.events.filter((e) => e.name === name); return l.length >= n && l[n - 1]; },
    { name, n }, { timeout, polling: 50 },
  );
  return (await handle.jsonValue()).arg;
}

/** Contacts bound for user in Kamailio. */
async function contacts(user) {
  return lab.kamailio.lookup(user);
}

test('three tabs of 1001 share one registration; a follower answers; the leader closes and another takes over', { timeout: 240_000 }, async (t) => {
  const context = await lab.browser.newContext();
  const tabs = [];
  for (let i = 0; i < 3; i++) {
    const page = await lab.openPage({ context });
    await loadKazoo(page);
    await register(page, registerParams(lab, '1001', { sharedTabs: true }));
    await waitEvent(page, 'onConnected');
    tabs.push(page);
  }
  const [leader, b, c] = tabs;
  const caller = await lab.openRegistered('1002');
  try {
    // One binding for the three tabs.
    const bound = await contacts('1001');
    assert.equal(bound.length, 1, `1001's bindings: ${JSON.stringify(bound)}`);
    const registers = tabs.map((p) => p.sipSent.filter((l) => l.startsWith('REGISTER')).length);
    assert.ok(registers[0] > 0 && registers[1] === 0 && registers[2] === 0, `REGISTERs sent per tab: ${registers}`);

    // A call rings in all three; the follower b answers it.
    assert.ok((await connect(caller, '1001')).ok);
    for (const p of tabs) await waitNth(p, 'onIncoming', 1);
    await b.evaluate(() => window.incoming.accept());
    await waitEvent(caller, 'onAccepted');
    // The other tabs hear that it was answered (in b, accept() said so).
    for (const p of [leader, c]) await waitNth(p, 'onAccepted', 1);
    const here = await Promise.all(tabs.map((p) => p.evaluate(() => window.incoming.audioHere)));
    assert.deepEqual(here, [false, true, false], 'audioHere of the call object in each tab');
    // Audio both ways, with b's own peer connection (its getStats).
    const atB = await audioFlowing(b, { what: 'audio at the answering follower' });
    const atCaller = await audioFlowing(caller, { what: 'audio at the caller' });
    t.diagnostic(`before takeover: at b ${atB.inbound.packets} packets, at 1002 ${atCaller.inbound.packets}`);
    assert.equal(leader.sipSent.some((l) => l.startsWith('SIP/2.0 200')), true, 'the leader sent the 200 OK');
    assert.equal(b.sipSent.length, 0, 'the follower wrote no SIP');

    // The leader tab closes: b (first in the lock's queue) takes over.
    const closedAt = Date.now();
    await leader.close({ runBeforeUnload: true });
    const next = await until(async () => {
      const now = await contacts('1001');
      return now.length === 1 && now[0] !== bound[0] && now;
    }, { timeout: 10_000, interval: 50, what: 'a new binding of 1001' });
    const takeoverMs = Date.now() - closedAt;
    t.diagnostic(`takeover: new binding ${Date.now() - closedAt} ms after the leader closed (${next[0]})`);
    assert.ok(b.sipSent.some((l) => l.startsWith('REGISTER')), 'b registered');
    // The call goes on: b refreshed its target with a re-INVITE, and the
    // audio still flows both ways.
    await until(() => b.sipSent.some((l) => l.startsWith('INVITE')), { what: "b's target-refresh re-INVITE" });
    await audioFlowing(b, { what: 'audio at b after the takeover' });
    await audioFlowing(caller, { what: 'audio at the caller after the takeover' });
    await caller.evaluate(() => kazoo.hangup());
    await waitNth(b, 'onHangup', 1);
    await waitNth(c, 'onHangup', 1);

    // The next call rings in both tabs left; c (now b's follower) answers.
    assert.ok((await connect(caller, '1001')).ok);
    await waitNth(b, 'onIncoming', 2);
    await waitNth(c, 'onIncoming', 2);
    await c.evaluate(() => window.incoming.accept());
    await waitNth(caller, 'onAccepted', 2);
    await audioFlowing(c, { what: 'audio at c' });
    await audioFlowing(caller, { what: 'audio at the caller from c' });
    await c.evaluate(() => kazoo.hangup());
    await waitNth(caller, 'onHangup', 2);
    assert.equal(await count(b, 'onError'), 0, JSON.stringify(await b.evaluate(() => window.events.filter((e) => e.name === 'onError'))));
    t.diagnostic(`takeover within ${takeoverMs} ms`);
  } catch (e) {
    for (const [i, p] of [...tabs, caller].entries()) {
      if (p.isClosed()) continue;
      const evs = await p.evaluate(() => window.events.map((x) => x.name + (x.name === 'onError' ? JSON.stringify(x.arg) : ''))).catch(() => []);
      t.diagnostic(`page ${i} events: ${evs.join(' ')}; console: ${p.consoleLines.slice(-15).join(' | ')}`);
    }
    throw e;
  } finally {
    await caller.context().close();
    await context.close();
  }
});
