// Calls between two kazoo pages through the real Kamailio: answer,
// reject, cancel, hangup either side, audio both ways from getStats,
// mute, hold, DTMF over INFO, blind transfer, busy, and bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, waitEvent, eventNames, registerParams, loadKazoo, register, until } from './lib/lab.mjs';
import { stats, audioFlowing, growthWhile, connect, establish, count, args } from './lib/calls.mjs';

// KAZOO_TEST_WARMUP runs every call with register({warmup}) set
// (calls-warmup-none.test.mjs); by default the library's default.
const warmup = process.env.KAZOO_TEST_WARMUP;
const warmupParam = warmup ? { warmup } : {};

let lab;
before(async () => { lab = await startLab({ media: true }); });
after(async () => { await lab?.stop(); });

/** Opens registered pages for users; closes them when fn is done. */
async function withPhones(users, fn, overrides = {}) {
  const pages = [];
  try {
    for (const u of users) {
      const page = await lab.openPage();
      await loadKazoo(page);
      await register(page, registerParams(lab, u, { ...warmupParam, ...(overrides[u] || {}) }));
      await waitEvent(page, 'onConnected');
      pages.push(page);
    }
    await fn(...pages);
    for (const p of pages) {
      assert.deepEqual(p.pageErrors, [], 'uncaught errors in a page');
    }
  } finally {
    for (const p of pages) await p.context().close().catch(() => {});
  }
}

test('outbound call: answered, audio both ways, caller hangs up', async () => {
  await withPhones(['1001', '1002'], async (a, b) => {
    const r = await connect(a, '1002');
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.direction, 'outgoing');
    const info = await waitEvent(b, 'onIncoming');
    assert.equal(info.callerNumber, '1001');
    assert.equal(info.direction, 'incoming');
    await waitEvent(a, 'onRinging');
    await b.evaluate(() => window.incoming.accept());
    await waitEvent(a, 'onAccepted');
    const sa = await audioFlowing(a, { what: 'audio at the caller' });
    const sb = await audioFlowing(b, { what: 'audio at the callee' });
    assert.equal(sa.codec, 'audio/opus');
    assert.equal(sa.state, 'established');
    assert.ok(sa.outbound.packets > 0 && sb.outbound.packets > 0);
    await a.evaluate(() => kazoo.hangup());
    await waitEvent(a, 'onHangup');
    await waitEvent(b, 'onHangup');
    assert.equal(await count(a, 'onCancel'), 0, 'a hangup must not also fire onCancel');
    assert.equal(await count(b, 'onCancel'), 0);
    assert.equal(await a.evaluate(() => document.querySelectorAll('audio[data-kazoo-audio]').length), 0,
      'the remote audio element outlived the call');
  });
});

test('inbound call: the callee hangs up', async () => {
  await withPhones(['1001', '1002'], async (a, b) => {
    await establish(b, a, '1001');
    await audioFlowing(a);
    await audioFlowing(b);
    await a.evaluate(() => kazoo.hangup());
    await waitEvent(b, 'onHangup');
    await waitEvent(a, 'onHangup');
  });
});

test('reject: the caller gets onCancel 486 from the remote side', async () => {
  await withPhones(['1001', '1002'], async (a, b) => {
    await connect(a, 'sip:1002@lab.test');
    await waitEvent(b, 'onIncoming');
    await b.evaluate(() => window.incoming.reject());
    const c = await waitEvent(a, 'onCancel');
    assert.deepEqual({ code: c.code, source: c.source }, { code: 486, source: 'remote' });
    const own = await waitEvent(b, 'onCancel');
    assert.equal(own.source, 'local');
    assert.equal(await count(a, 'onHangup'), 0);
  });
});

test('caller cancels while ringing: both sides get onCancel 487', async () => {
  await withPhones(['1001', '1002'], async (a, b) => {
    await connect(a, '1002');
    await waitEvent(b, 'onIncoming');
    await waitEvent(a, 'onRinging');
    await a.evaluate(() => kazoo.hangup());
    const theirs = await waitEvent(b, 'onCancel');
    assert.deepEqual({ code: theirs.code, source: theirs.source }, { code: 487, source: 'remote' });
    const ours = await waitEvent(a, 'onCancel');
    assert.deepEqual({ code: ours.code, source: ours.source }, { code: 487, source: 'local' });
  });
});

test('mute stops the outbound audio energy, unmute resumes it', async () => {
  await withPhones(['1001', '1002'], async (a, b) => {
    await establish(a, b, '1002');
    await audioFlowing(b);
    const muted = await a.evaluate(() => new Promise((resolve, reject) => kazoo.muteMicrophone(true, () => resolve(true), reject)));
    assert.equal(muted, true);
    // Let the audio already in flight and in b's jitter buffer play out
    // (one second, timed by a's inbound packets), then, while a hears 50
    // more packets from b, b's inbound energy must stay flat.
    await growthWhile(b, a, { packets: 50 });
    const silent = await growthWhile(b, a, { packets: 50 });
    assert.ok(silent.packets > 20, 'packets keep flowing while muted');
    assert.ok(silent.energy < 1e-4, `energy still rising while muted: ${silent.energy}`);
    await a.evaluate(() => new Promise((resolve, reject) => kazoo.muteMicrophone(false, resolve, reject)));
    const back = await growthWhile(b, a, { packets: 50 });
    assert.ok(back.energy > 1e-3, `energy not back after unmute: ${back.energy}`);
  });
});

test('hold and resume change the direction on both sides', async () => {
  await withPhones(['1001', '1002'], async (a, b) => {
    await establish(a, b, '1002');
    await audioFlowing(a);
    await a.evaluate(() => kazoo.hold(true));
    await until(async () => (await stats(a)).direction === 'sendonly' && (await stats(b)).direction === 'recvonly',
      { what: 'sendonly/recvonly after hold' });
    const held = await growthWhile(a, b, { packets: 50 });
    assert.ok(held.packets < 5, `a still receives while holding: ${held.packets} packets`);
    await a.evaluate(() => kazoo.hold(false));
    await until(async () => (await stats(a)).direction === 'sendrecv' && (await stats(b)).direction === 'sendrecv',
      { what: 'sendrecv after resume' });
    await audioFlowing(a, { what: 'audio after resume' });
  });
});

test('DTMF over SIP INFO reaches the other page in order', async () => {
  await withPhones(['1001', '1002'], async (a, b) => {
    await establish(a, b, '1002');
    for (const d of ['1', '5', '#']) await a.evaluate((x) => kazoo.sendDTMF(x), d);
    await until(async () => (await count(b, 'onDTMF')) === 3, { what: '3 DTMF digits' });
    assert.deepEqual(await args(b, 'onDTMF'), ['1', '5', '#']);
  }, { 1001: { dtmfType: 'info' } });
});

test('blind transfer: A transfers B to C; B talks to C; onTransfer at A', async () => {
  await withPhones(['1001', '1002', '1003'], async (a, b, c) => {
    await c.evaluate(() => { window.autoAnswer = true; });
    await establish(a, b, '1002');
    await a.evaluate(() => kazoo.transfer('1003'));
    await waitEvent(a, 'onTransfer');
    const n = await waitEvent(b, 'onNotified');
    assert.equal(n.key, 'transfer_notification');
    // B's onTransferRequest returned undefined: the transfer is followed.
    assert.match((await waitEvent(b, 'onTransferRequest')).target, /^sip:1003@/);
    await waitEvent(c, 'onIncoming');
    await waitEvent(b, 'onAccepted');
    await audioFlowing(b, { what: 'audio at B from C' });
    await audioFlowing(c, { what: 'audio at C from B' });
    await waitEvent(a, 'onHangup');
    assert.equal(await count(b, 'onHangup'), 0, 'B must not see its replaced call as a hangup');
    await b.evaluate(() => kazoo.hangup());
    await waitEvent(c, 'onHangup');
  });
});

test('a refused transfer request: the REFER gets 603, no INVITE goes out, the call goes on', async () => {
  await withPhones(['1001', '1002', '1003'], async (a, b, c) => {
    await c.evaluate(() => { window.autoAnswer = true; });
    await b.evaluate(() => { window.transferAnswer = Promise.resolve(false); });
    await establish(a, b, '1002');
    const err = await a.evaluate(() => kazoo.transfer('1003').then(() => null, (e) => ({ key: e.key, code: e.code })));
    assert.deepEqual(err, { key: 'transfer_failed', code: 603 });
    const asked = await waitEvent(b, 'onTransferRequest');
    assert.match(asked.target, /^sip:1003@/);
    await until(() => b.sipSent.some((l) => l.startsWith('SIP/2.0 603')), { what: "B's 603 to the REFER" });
    assert.ok(!b.sipSent.some((l) => l.startsWith('INVITE ')), 'B sent an INVITE although it declined');
    assert.equal(await count(c, 'onIncoming'), 0, 'the transfer target was called');
    assert.equal(await count(b, 'onNotified'), 0);
    await audioFlowing(b, { what: 'the call still has audio at B' });
    await audioFlowing(a, { what: 'the call still has audio at A' });
    await a.evaluate(() => kazoo.hangup());
    await waitEvent(b, 'onHangup');
  });
});

test('transferRequests refuse: every REFER gets 603 without asking the page', async () => {
  await withPhones(['1001', '1002', '1003'], async (a, b, c) => {
    await c.evaluate(() => { window.autoAnswer = true; });
    await establish(a, b, '1002');
    const err = await a.evaluate(() => kazoo.transfer('1003').then(() => null, (e) => ({ key: e.key, code: e.code })));
    assert.deepEqual(err, { key: 'transfer_failed', code: 603 });
    assert.equal(await count(b, 'onTransferRequest'), 0, 'the page was asked');
    assert.ok(!b.sipSent.some((l) => l.startsWith('INVITE ')), 'B sent an INVITE');
    assert.equal(await count(c, 'onIncoming'), 0, 'the transfer target was called');
    await b.evaluate(() => kazoo.hangup());
    await waitEvent(a, 'onHangup');
  }, { 1002: { transferRequests: 'refuse' } });
});

test('a second incoming call while busy gets 486', async () => {
  await withPhones(['1001', '1002', '1003'], async (a, b, c) => {
    await establish(a, b, '1002');
    await connect(c, '1002');
    const busy = await waitEvent(c, 'onCancel');
    assert.equal(busy.code, 486);
    assert.equal(await count(b, 'onIncoming'), 1, 'the busy page was offered the second call');
    await audioFlowing(b, { what: 'the first call still has audio' });
  });
});

test('bad input gets a stable key, sends nothing, and the library stays usable', async () => {
  // Count what the page sends on its WebSockets.
  const page = await lab.openPage({
    initScript: () => {
      window.sipSent = [];
      const send = WebSocket.prototype.send;
      WebSocket.prototype.send = function (data) { window.sipSent.push(String(data).split('\r\n')[0]); return send.call(this, data); };
    },
  });
  try {
    await loadKazoo(page);
    const before = await page.evaluate(() => kazoo.connect('sip:1002@lab.test').catch((e) => e));
    assert.equal(before.key, 'not_registered');
    await register(page, registerParams(lab, '1004', warmupParam));
    await waitEvent(page, 'onConnected');
    const sentBefore = await page.evaluate(() => window.sipSent.length);
    assert.ok(sentBefore >= 2, 'the WebSocket spy saw no REGISTER');
    const results = await page.evaluate(async () => {
      const r = {};
      r.empty = await kazoo.connect('').catch((e) => e);
      r.dtmf = await kazoo.sendDTMF('x').catch((e) => e);
      r.transfer = await kazoo.transfer('sip:1003@lab.test').catch((e) => e);
      r.hangup = await kazoo.hangup().catch((e) => e);
      r.hold = await kazoo.hold(true).catch((e) => e);
      return r;
    });
    assert.equal(results.empty.key, 'invalid_parameter');
    assert.equal(results.dtmf.key, 'invalid_parameter');
    assert.equal(results.transfer.key, 'no_call');
    assert.equal(results.hangup.key, 'no_call');
    assert.equal(results.hold.key, 'no_call');
    assert.deepEqual(await page.evaluate((n) => window.sipSent.slice(n), sentBefore), [], 'bad input sent SIP');
    const errs = (await page.evaluate(() => window.events.filter((e) => e.name === 'onError').map((e) => e.arg.key)));
    assert.deepEqual(errs, ['invalid_parameter', 'invalid_parameter', 'no_call', 'no_call', 'no_call']);
    assert.ok(!(await eventNames(page)).includes('onIncoming'));
    // Still usable: a real call works afterwards.
    const callee = await lab.openPage();
    try {
      await loadKazoo(callee);
      await register(callee, registerParams(lab, '1005', warmupParam));
      await waitEvent(callee, 'onConnected');
      await establish(page, callee, '1005');
      await page.evaluate(() => kazoo.hangup());
      await waitEvent(callee, 'onHangup');
    } finally {
      await callee.context().close();
    }
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await page.context().close();
  }
});

test('iceServers (TURN included) reach the browser; the offer does not wait for slow gathering', async () => {
  // A UDP socket that swallows everything: a STUN/TURN server that never answers.
  const dgram = await import('node:dgram');
  const hole = dgram.createSocket('udp4');
  await new Promise((r) => hole.bind(0, '127.0.0.1', r));
  const port = hole.address().port;
  const iceServers = [
    { urls: `stun:127.0.0.1:${port}` },
    { urls: [`turn:127.0.0.1:${port}?transport=udp`], username: 'kazoo', credential: 'secret' },
  ];
  // Record every RTCPeerConnection's configuration, and its ICE gathering
  // state whenever an INVITE leaves on the WebSocket.
  const spy = () => {
    window.pcs = [];
    window.gatheringAtInvite = [];
    const Native = window.RTCPeerConnection;
    window.RTCPeerConnection = function (...a) {
      const pc = new Native(...a);
      window.pcs.push(pc);
      return pc;
    };
    window.RTCPeerConnection.prototype = Native.prototype;
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) {
      if (typeof data === 'string' && data.startsWith('INVITE ')) {
        window.gatheringAtInvite.push(window.pcs.map((pc) => pc.iceGatheringState).pop());
      }
      return send.call(this, data);
    };
  };
  const a = await lab.openPage({ initScript: spy });
  const b = await lab.openPage();
  try {
    for (const [page, user, extra] of [[a, '1001', { iceServers, iceGatheringTimeout: 300 }], [b, '1002', {}]]) {
      await loadKazoo(page);
      await register(page, registerParams(lab, user, { ...warmupParam, ...extra }));
      await waitEvent(page, 'onConnected');
    }
    await establish(a, b, '1002');
    await audioFlowing(b);
    const config = await a.evaluate(() => window.pcs[0].getConfiguration().iceServers);
    const turn = config.find((s) => [].concat(s.urls).some((u) => u.startsWith('turn:')));
    assert.ok(turn, `no TURN server in ${JSON.stringify(config)}`);
    assert.deepEqual([turn.username, turn.credential], ['kazoo', 'secret']);
    const states = await a.evaluate(() => window.gatheringAtInvite);
    assert.ok(states.length >= 1 && states.every((s) => s === 'gathering'),
      `the INVITE waited for gathering to finish: ${JSON.stringify(states)}`);
    await a.evaluate(() => kazoo.hangup());
    await waitEvent(b, 'onHangup');
  } finally {
    await a.context().close();
    await b.context().close();
    hole.close();
  }
});
