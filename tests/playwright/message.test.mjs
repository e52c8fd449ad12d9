// Instant messages (SIP MESSAGE, RFC 3428) in real Chromium: kazoo and a
// JsSIP peer through the lab Kamailio, both ways; a message to a user who
// is not registered (480) or does not exist (404); and two kazoo pages
// through kazoo-dev's embedded server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, loadKazoo, register, registerParams, waitEvent } from './lib/lab.mjs';
import { startDevLab } from './lib/devlab.mjs';
import { openJsSIP, jsEvent } from './lib/jssip.mjs';

let lab;
before(async () => { lab = await startLab(); });
after(async () => { await lab?.stop(); });

/** A page of lab, registered as user, recording onMessage. */
async function phone(l, user) {
  const page = await l.openPage();
  await loadKazoo(page);
  await register(page, registerParams(l, user, { record: ['onMessage'] }));
  await waitEvent(page, 'onConnected');
  return page;
}

/** kazoo.sendMessage in page: {ok: result} or {error}. */
function send(page, uri, text, options) {
  return page.evaluate(({ uri, text, options }) => kazoo.sendMessage(uri, text, options).then(
    (ok) => ({ ok }),
    (error) => ({ error }),
  ), { uri, text, options });
}

test('kazoo → JsSIP: the text, its type and extra headers arrive; the result is the 200', async () => {
  const k = await phone(lab, '1001');
  const j = await openJsSIP(lab.browser, `${lab.server.url}/test/blank.html`, { wsUrl: lab.sip.wsUrl, user: '1002', realm: lab.sip.realm });
  try {
    const r = await send(k, '1002', 'héllo from kazoo ✓', { contentType: 'text/plain;charset=UTF-8', extraHeaders: ['X-Ticket: 42'] });
    assert.deepEqual(r, { ok: { code: 200, reason: 'OK' } });
    const m = await jsEvent(j, 'message');
    assert.equal(m.body, 'héllo from kazoo ✓');
    assert.equal(m.contentType, 'text/plain;charset=UTF-8');
    assert.equal(m.from, 'sip:1001@lab.test');
    assert.deepEqual(m.xHeaders, ['X-Ticket: 42']);
    assert.deepEqual(k.pageErrors, []);
  } finally {
    await k.context().close();
    await j.context().close();
  }
});

test('JsSIP → kazoo: onMessage gets the sender and the text, and JsSIP sees the 200', async () => {
  const k = await phone(lab, '1003');
  const j = await openJsSIP(lab.browser, `${lab.server.url}/test/blank.html`, { wsUrl: lab.sip.wsUrl, user: '1004', realm: lab.sip.realm });
  try {
    const status = await j.evaluate(() => new Promise((resolve) => {
      window.ua.sendMessage('sip:1003@lab.test', 'hi kazoo, it is JsSIP', {
        eventHandlers: {
          succeeded: (e) => resolve(e.response.status_code),
          failed: (e) => resolve(e.response ? e.response.status_code : e.cause),
        },
      });
    }));
    assert.equal(status, 200);
    const m = await waitEvent(k, 'onMessage');
    assert.deepEqual(m, { from: 'sip:1004@lab.test', fromName: '', to: 'sip:1003@lab.test', text: 'hi kazoo, it is JsSIP', contentType: 'text/plain' });
  } finally {
    await k.context().close();
    await j.context().close();
  }
});

test('a user not registered: message_failed 480; no such user: 404', async () => {
  const k = await phone(lab, '1005');
  try {
    const r = await send(k, '1009', 'anyone there?');
    assert.equal(r.error?.key, 'message_failed', JSON.stringify(r));
    assert.equal(r.error.code, 480);
    assert.equal(r.error.source, 'SIP/2.0 480 Temporarily Unavailable');
    const none = await send(k, '4242', 'anyone at all?');
    assert.equal(none.error?.key, 'message_failed', JSON.stringify(none));
    assert.equal(none.error.code, 404);
  } finally {
    await k.context().close();
  }
});

test('kazoo-dev: two kazoo pages message each other; a user not registered gets 480', async () => {
  const dev = await startDevLab();
  try {
    const a = await phone(dev, '1001');
    const b = await phone(dev, '1002');
    assert.deepEqual(await send(a, '1002', 'ping'), { ok: { code: 200, reason: 'OK' } });
    assert.equal((await waitEvent(b, 'onMessage')).text, 'ping');
    assert.deepEqual(await send(b, 'sip:1001@lab.test', 'pong'), { ok: { code: 200, reason: 'OK' } });
    assert.deepEqual(await waitEvent(a, 'onMessage'), { from: 'sip:1002@lab.test', fromName: '', to: 'sip:1001@lab.test', text: 'pong', contentType: 'text/plain;charset=UTF-8' });
    const r = await send(a, '1008', 'anyone there?');
    assert.equal(r.error?.code, 480, JSON.stringify(r));
    assert.equal(r.error.key, 'message_failed');
  } finally {
    await dev.stop();
  }
});
