// Attended transfer between three kazoo pages through the real Kamailio
// and rtpengine: A calls B, holds B, calls C, and transfers B to C with
// REFER and Replaces (RFC 5589 §7, RFC 3891). B and C then talk, with
// audio both ways, and A is out of both calls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, waitEvent, registerParams, loadKazoo, register, until } from './lib/lab.mjs';
import { audioFlowing, connect, count, args } from './lib/calls.mjs';

let lab;
before(async () => { lab = await startLab({ media: true }); });
after(async () => { await lab?.stop(); });

/** Opens registered pages for users; closes them when fn is done. */
async function withPhones(users, fn) {
  const pages = [];
  try {
    for (const u of users) {
      const page = await lab.openPage();
      // Every SIP message the page sends, whole.
      page.framesSent = [];
      page.on('websocket', (ws) => ws.on('framesent', (f) => {
        if (typeof f.payload === 'string') page.framesSent.push(f.payload);
      }));
      await loadKazoo(page);
      await register(page, registerParams(lab, u));
      await waitEvent(page, 'onConnected');
      pages.push(page);
    }
    await fn(...pages);
    for (const p of pages) assert.deepEqual(p.pageErrors, [], 'uncaught errors in a page');
  } finally {
    for (const p of pages) await p.context().close().catch(() => {});
  }
}

/** Places a call from page (kept as window[name]) to user; callee answers. */
async function call(page, callee, user, name) {
  const accepted = await count(page, 'onAccepted');
  const incoming = await count(callee, 'onIncoming');
  const r = await page.evaluate(([u, n]) => kazoo.connect(u).then(
    (c) => { window[n] = c; return { ok: true }; }, (e) => ({ ok: false, error: e })), [user, name]);
  assert.equal(r.ok, true, JSON.stringify(r));
  await until(async () => (await count(callee, 'onIncoming')) > incoming, { what: `${user} rings` });
  await callee.evaluate(() => window.incoming.accept());
  await until(async () => (await count(page, 'onAccepted')) > accepted, { what: `${user} answers` });
}

/** Runs window[callVar].transfer(arg) in page; resolves with its outcome. */
function transfer(page, callVar, argExpr) {
  return page.evaluate(([v, a]) => window[v].transfer((0, eval)(a)).then(
    () => ({ ok: true }), (e) => ({ ok: false, key: e.key, message: e.message })), [callVar, argExpr]);
}

test('attended transfer: A holds B, consults C, transfers B to C; B and C talk, A is out', async () => {
  await withPhones(['1001', '1002', '1003'], async (a, b, c) => {
    await call(a, b, '1002', 'toB');
    await audioFlowing(b, { what: 'audio at B from A' });
    await a.evaluate(() => window.toB.hold(true));
    // A second call while the first is held.
    await call(a, c, '1003', 'toC');
    await audioFlowing(c, { what: 'audio at C from A' });

    // Bad targets are refused before anything is sent.
    const refersBefore = a.sipSent.filter((l) => l.startsWith('REFER ')).length;
    for (const bad of ['42', '({id: "no-such-call"})', '({})']) {
      const r = await transfer(a, 'toB', bad);
      assert.equal(r.key, 'invalid_parameter', `transfer(${bad}): ${JSON.stringify(r)}`);
    }
    assert.equal((await transfer(a, 'toB', 'window.toB')).key, 'invalid_parameter', 'a call cannot be transferred to itself');
    assert.equal(a.sipSent.filter((l) => l.startsWith('REFER ')).length, refersBefore, 'a refused transfer sent a REFER');

    const r = await transfer(a, 'toB', 'window.toC');
    assert.equal(r.ok, true, JSON.stringify(r));
    await waitEvent(a, 'onTransfer');

    // The REFER names C's dialog with A, escaped in the Refer-To URI…
    const refer = a.framesSent.find((m) => m.startsWith('REFER '));
    const m = /\r\nRefer-To: <(sip:1003@[^?>]+)\?Replaces=([^>]+)>/i.exec(refer);
    assert.ok(m, `REFER without a Replaces in Refer-To:\n${refer}`);
    assert.match(m[2], /^[^;=@]+%3Bto-tag%3D[^;=]+%3Bfrom-tag%3D[^;=]+$/i);
    // …and B follows it with an INVITE carrying that Replaces…
    assert.match((await waitEvent(b, 'onTransferRequest')).target, /^sip:1003@/);
    const invite = await until(() => b.framesSent.find((x) => x.startsWith('INVITE sip:1003@') && /\r\nReplaces: /i.test(x)),
      { what: "B's INVITE with Replaces" });
    assert.equal(/\r\nReplaces: ([^\r]+)/i.exec(invite)[1], decodeURIComponent(m[2]));
    await waitEvent(b, 'onAccepted');
    // …which C answers in place of its call with A, without ringing.
    const n = await until(async () => (await args(c, 'onNotified')).find((x) => x.key === 'call_replaced'),
      { what: 'call_replaced at C' });
    assert.match(n.remoteUri, /^sip:1002@/);
    assert.equal(n.call.direction, 'incoming');
    assert.equal(await count(c, 'onIncoming'), 1, 'the INVITE with Replaces rang at C');

    // A is out: both its calls end.
    await until(async () => (await count(a, 'onHangup')) === 2, { what: "A's two calls to end" });

    // B and C hear each other.
    await audioFlowing(b, { what: 'audio at B from C' });
    await audioFlowing(c, { what: 'audio at C from B' });
    assert.equal(await count(b, 'onHangup'), 0, "B's replaced call must not end as a hangup");
    assert.equal(await count(c, 'onHangup'), 0, "C's replaced call must not end as a hangup");

    await b.evaluate(() => kazoo.hangup());
    await waitEvent(c, 'onHangup');
    await waitEvent(b, 'onHangup');
  });
});
