// Staying registered and in the call with the real Kamailio: restarts and
// outages, a socket closed mid-call, Kamailio restarted mid-call, the
// browser going offline and back, and Kazoo's NOTIFYs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, waitEvent, registerParams, loadKazoo, register, until } from './lib/lab.mjs';
import { stats, audioFlowing, establish, count, args } from './lib/calls.mjs';
import { sendNotify } from './lib/inject.mjs';

let lab;
before(async () => { lab = await startLab({ media: true }); });
after(async () => { await lab?.stop(); });

/** A registered page; params are register() overrides. */
async function phone(user, params = {}) {
  const page = await lab.openPage();
  await loadKazoo(page);
  await register(page, registerParams(lab, user, params));
  await waitEvent(page, 'onConnected');
  return page;
}

/** Resolves the page's recorded events named name (with their page time). */
function events(page, name) {
  return page.evaluate((n) => window.events.filter((e) => e.name === n), name);
}

/** Fails if the page records more than n events named name within ms. */
async function noMoreThan(page, name, n, ms) {
  const more = await page.waitForFunction(([x, k]) => window.events.filter((e) => e.name === x).length > k,
    [name, n], { timeout: ms, polling: 50 }).then(() => true, () => false);
  assert.equal(more, false, `more than ${n} ${name} within ${ms} ms`);
}

/** The id, in Kamailio's ws.dump, of user's WebSocket connection. */
async function wsConnectionOf(user) {
  const binding = await lab.kamailio.kamcmd('ul.lookup', 'location', `s:${user}`);
  const port = (/Received: sip:127\.0\.0\.1:(\d+)/.exec(binding) || [])[1];
  assert.ok(port, `no received port in\n${binding}`);
  const dump = await lab.kamailio.kamcmd('ws.dump');
  const id = (new RegExp(`^\\s*(\\d+): ws:127\\.0\\.0\\.1:${port} ->`, 'm').exec(dump) || [])[1];
  assert.ok(id, `no WebSocket from port ${port} in\n${dump}`);
  return id;
}

test('Kamailio restarted while registered: disconnected, reconnecting, onConnected again', async () => {
  const delay = 2000;
  const page = await phone('1001', { reconnectDelay: delay });
  try {
    await lab.kamailio.kill();
    const lost = await waitEvent(page, 'onError');
    assert.equal(lost.key, 'disconnected');
    await lab.kamailio.start();
    await until(async () => (await count(page, 'onConnected')) === 2, { timeout: 20_000, what: 'onConnected again' });
    const [down] = (await events(page, 'onError')).filter((e) => e.arg.key === 'disconnected');
    const up = (await events(page, 'onConnected'))[1];
    assert.ok(up.at - down.at < delay + 2000, `reconnected after ${Math.round(up.at - down.at)} ms`);
    const notes = (await args(page, 'onNotified')).filter((n) => n.key === 'reconnecting_notification');
    assert.ok(notes.length >= 1 && notes[0].attempt === 1, JSON.stringify(notes));
    assert.equal((await lab.kamailio.lookup('1001')).length, 1, 'no binding after the reconnect');
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await page.context().close();
  }
});

test('reconnectMaxAttempts: 2 against a server that stays down: exactly 2 attempts, then silence', async () => {
  const page = await phone('1002', { reconnectDelay: 1000, reconnectMaxAttempts: 2 });
  try {
    await lab.kamailio.kill();
    await until(async () => (await args(page, 'onNotified')).filter((n) => n.key === 'reconnecting_notification').length === 2,
      { timeout: 15_000, what: 'two reconnect attempts' });
    await until(async () => (await count(page, 'onError')) === 2, { what: 'the error ending the attempts' });
    await noMoreThan(page, 'onNotified', 2, 3500); // three more delays: nothing
    await noMoreThan(page, 'onError', 2, 100);
    const attempts = (await args(page, 'onNotified')).map((n) => n.attempt);
    assert.deepEqual(attempts, [1, 2]);
  } finally {
    await page.context().close();
    await lab.kamailio.start();
  }
});

for (const hangupBy of ['the side that stayed', 'the side that reconnected']) {
  test(`socket closed by the server mid-call: the call survives; hangup by ${hangupBy} ends it on both sides`, async () => {
    const a = await phone('1003', { reconnectDelay: 1000 });
    const b = await phone('1004');
    try {
      await establish(a, b, '1004');
      await audioFlowing(a);
      await lab.kamailio.kamcmd('ws.close', await wsConnectionOf('1003'));
      assert.equal((await waitEvent(a, 'onError')).key, 'disconnected');
      await until(async () => (await count(a, 'onConnected')) === 2, { timeout: 15_000, what: 'a registered again' });
      // The target refresh re-INVITE went through: b answered it.
      await until(async () => (await stats(a)).state === 'established', { what: 'call still up' });
      await audioFlowing(a, { what: 'audio at a after the reconnect' });
      await audioFlowing(b, { what: 'audio at b after the reconnect' });
      const [stayer, leaver] = hangupBy === 'the side that stayed' ? [b, a] : [a, b];
      await stayer.evaluate(() => kazoo.hangup());
      await waitEvent(leaver, 'onHangup');
      await waitEvent(stayer, 'onHangup');
      assert.deepEqual(a.pageErrors, []);
      assert.deepEqual(b.pageErrors, []);
    } finally {
      await a.context().close();
      await b.context().close();
    }
  });
}

test('Kamailio restarted mid-call: both re-register, media keeps flowing, hangup ends it cleanly', async () => {
  const a = await phone('1005', { reconnectDelay: 1000 });
  const b = await phone('1006', { reconnectDelay: 1000 });
  try {
    await establish(a, b, '1006');
    await audioFlowing(b);
    await lab.kamailio.kill();
    await waitEvent(a, 'onError');
    await lab.kamailio.start();
    await until(async () => (await count(a, 'onConnected')) === 2 && (await count(b, 'onConnected')) === 2,
      { timeout: 20_000, what: 'both registered again' });
    await audioFlowing(a, { what: 'audio at a after the restart' });
    await audioFlowing(b, { what: 'audio at b after the restart' });
    await a.evaluate(() => kazoo.hangup());
    await waitEvent(a, 'onHangup');
    await waitEvent(b, 'onHangup');
    assert.equal(await a.evaluate(() => document.querySelectorAll('audio[data-kazoo-audio]').length), 0, 'audio element left behind');
    assert.equal(await a.evaluate(() => kazoo.getStats().catch((e) => e.key)), 'no_call');
    const errors = (await args(a, 'onError')).map((e) => e.key);
    assert.deepEqual(errors, ['disconnected'], 'only the disconnection was an error');
    assert.deepEqual(a.pageErrors, []);
  } finally {
    await a.context().close();
    await b.context().close();
  }
});

test('offline then online: connectivity notifications and re-registration', async () => {
  // Record every SIP request the page sends, with its page time.
  const page = await lab.openPage({
    initScript: () => {
      window.sipSent = [];
      const send = WebSocket.prototype.send;
      WebSocket.prototype.send = function (data) {
        window.sipSent.push({ line: String(data).split('\r\n')[0], at: performance.now() });
        return send.call(this, data);
      };
    },
  });
  try {
    await loadKazoo(page);
    await register(page, registerParams(lab, '1007', { reconnectDelay: 1000 }));
    await waitEvent(page, 'onConnected');
    assert.equal(await page.evaluate(() => navigator.onLine), true, 'the browser starts offline (no network interface?)');
    await page.context().setOffline(true);
    await until(async () => (await args(page, 'onNotified')).some((n) => n.key === 'connectivity_notification' && n.status === 'offline'),
      { what: 'offline notification' });
    const wentOnline = await page.evaluate(() => performance.now());
    await page.context().setOffline(false);
    await until(async () => (await args(page, 'onNotified')).some((n) => n.key === 'connectivity_notification' && n.status === 'online'),
      { what: 'online notification' });
    const online = (await events(page, 'onNotified')).find((e) => e.arg.status === 'online');
    assert.equal(typeof online.arg.time, 'string');
    // Back online: a REGISTER goes out at once and the binding is there.
    await until(() => page.evaluate((t) => window.sipSent.some((m) => m.line.startsWith('REGISTER ') && m.at >= t), wentOnline),
      { what: 'a REGISTER after going online' });
    await until(async () => (await lab.kamailio.lookup('1007')).length === 1, { what: 'binding after online' });
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await page.context().close();
  }
});

test('NOTIFYs: voicemail, overwrote, unknown, and replaced (no auto-reconnect afterwards)', async () => {
  const page = await phone('1008', { reconnectDelay: 1000 });
  try {
    const code = await sendNotify(lab.kamailio, '1008', {
      contentType: 'application/simple-message-summary',
      body: 'Messages-Waiting: yes\r\nMessage-Account: sip:*97@lab.test\r\nVoice-Message: 2/5 (0/0)\r\n',
    });
    assert.equal(code, 200, 'every NOTIFY gets a 200');
    const vm = await waitEvent(page, 'onNotified');
    assert.equal(vm.key, 'voicemail_notification');
    assert.deepEqual([vm.waiting, vm.newMessages, vm.oldMessages], [true, 2, 5]);
    assert.equal(await sendNotify(lab.kamailio, '1008', { body: 'Overwrote:<sip:1008@192.0.2.7:5060>' }), 200);
    assert.equal(await sendNotify(lab.kamailio, '1008', { event: 'check-sync' }), 200);
    await until(async () => (await count(page, 'onNotified')) === 3, { what: 'three notifications' });
    const keys = (await args(page, 'onNotified')).map((n) => n.key);
    assert.deepEqual(keys, ['voicemail_notification', 'overriding_registration', 'unknown_notification']);
    assert.equal(await sendNotify(lab.kamailio, '1008', { body: 'Replaced-By:<sip:1008@192.0.2.8:5060>' }), 200);
    await until(async () => (await args(page, 'onNotified')).some((n) => n.key === 'replaced_registration'),
      { what: 'replaced_registration' });
    // Replaced: losing the socket now must not start reconnecting.
    await lab.kamailio.kamcmd('ws.close', await wsConnectionOf('1008'));
    await noMoreThan(page, 'onNotified', 4, 3000);
  } finally {
    await page.context().close();
  }
});
