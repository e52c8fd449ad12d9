// Calls as objects, and SIP header fields both ways, against JsSIP (a
// stack we did not write) through the real Kamailio: the call object's
// fields follow the call (state, startedAt, answeredAt, end), kazoo.calls()
// lists the calls not over, every callback gets the call, extraHeaders of
// connect() and accept() reach JsSIP, and JsSIP's reach the call object.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, waitEvent, registerParams, loadKazoo, register } from './lib/lab.mjs';
import { openJsSIP, jsEvent } from './lib/jssip.mjs';
import { realm } from './lib/kamailio.mjs';

let lab;
before(async () => { lab = await startLab(); });
after(async () => { await lab?.stop(); });

/**
 * A registered kazoo page whose callbacks record every argument: each
 * event's args are in window.events[i].args (arg stays the first one, as
 * lab.mjs's waitEvent reads it).
 */
async function kazooPhone(user) {
  const page = await lab.openPage();
  await page.evaluate(() => {
    window.cb = (name) => (...args) => window.events.push({ name, arg: args[0], args });
  });
  await loadKazoo(page);
  await register(page, registerParams(lab, user));
  await waitEvent(page, 'onConnected');
  return page;
}

/** A JsSIP page registered as user. */
function jssip(user) {
  return openJsSIP(lab.browser, `${lab.server.url}/test/blank.html`, { wsUrl: lab.kamailio.wsUrl, user, realm });
}

/** Runs fn with the pages, then checks them for page errors and closes them. */
async function withPages(pages, fn) {
  try {
    await fn(...pages);
    for (const p of pages) assert.deepEqual(p.pageErrors, [], 'uncaught errors in a page');
  } finally {
    for (const p of pages) await p.context().close().catch(() => {});
  }
}

/** The page's kazoo.calls(), as the ids of the calls. */
function callIds(page) {
  return page.evaluate(async () => (await kazoo.calls()).map((c) => c.id));
}

const media = { mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } };

test('kazoo calls JsSIP with extraHeaders; the call object follows the call until JsSIP hangs up', async () => {
  await withPages([await kazooPhone('1001'), await jssip('1002')], async (k, j) => {
    const placed = await k.evaluate(async () => {
      const before = Date.now();
      const call = await kazoo.connect('sip:1002@lab.test', { extraHeaders: ['X-Ticket: 4711', 'X-Queue:  support '] });
      window.out = call;
      const listed = await kazoo.calls();
      return {
        id: call.id, direction: call.direction, state: call.state, localUri: call.localUri, remoteUri: call.remoteUri,
        startedOk: call.startedAt instanceof Date && call.startedAt.getTime() >= before - 1000 && call.startedAt.getTime() <= Date.now(),
        answeredAt: call.answeredAt, end: call.end, listedSame: listed.length === 1 && listed[0] === call,
      };
    });
    assert.equal(placed.direction, 'outgoing');
    assert.equal(placed.state, 'ringing');
    assert.equal(placed.localUri, 'sip:1001@lab.test');
    assert.equal(placed.remoteUri, 'sip:1002@lab.test');
    assert.ok(placed.startedOk, 'startedAt is the Date the call was placed');
    assert.equal(placed.answeredAt, null);
    assert.equal(placed.end, null);
    assert.ok(placed.listedSame, 'kazoo.calls() lists the very call object connect() gave');

    await jsEvent(j, 'newRTCSession');
    assert.equal(await j.evaluate(() => window.lastRequest.getHeader('X-Ticket')), '4711');
    assert.equal(await j.evaluate(() => window.lastRequest.getHeader('X-Queue')), 'support');
    await waitEvent(k, 'onRinging');
    assert.ok(await k.evaluate(() => window.events.find((e) => e.name === 'onRinging').args[1] === window.out),
      'onRinging(progress, call) gets the call');

    await j.evaluate((m) => window.session.answer({ ...m, extraHeaders: ['X-Answered-By: jssip'] }), media);
    await waitEvent(k, 'onAccepted');
    const up = await k.evaluate(() => ({
      state: window.out.state,
      answeredOk: window.out.answeredAt instanceof Date && window.out.answeredAt >= window.out.startedAt,
      header: window.out.getHeader('x-answered-by'),
      missing: window.out.getHeader('X-Not-There'),
      inList: window.out.receivedHeaders.some((h) => h.name === 'X-Answered-By' && h.value === 'jssip'),
      sameObject: window.events.find((e) => e.name === 'onAccepted').args[0] === window.out,
    }));
    assert.deepEqual(up, { state: 'established', answeredOk: true, header: 'jssip', missing: null, inList: true, sameObject: true });

    await j.evaluate(() => window.session.terminate());
    await waitEvent(k, 'onHangup');
    const over = await k.evaluate(() => ({
      state: window.out.state, end: window.out.end,
      sameObject: window.events.find((e) => e.name === 'onHangup').args[0] === window.out,
    }));
    assert.deepEqual(over, { state: 'ended', end: { code: 0, reason: '', originator: 'remote' }, sameObject: true });
    assert.deepEqual(await callIds(k), [], 'kazoo.calls() still lists the call that is over');
  });
});

test('JsSIP calls kazoo with extraHeaders; kazoo answers with its own and hangs up', async () => {
  await withPages([await kazooPhone('1003'), await jssip('1004')], async (k, j) => {
    await j.evaluate(() => window.jsCall('sip:1003@lab.test', { extraHeaders: ['X-Customer: 42'] }));
    await waitEvent(k, 'onIncoming');
    const ringing = await k.evaluate(async () => {
      const c = window.incoming;
      const listed = await kazoo.calls();
      return {
        direction: c.direction, state: c.state, localUri: c.localUri, remoteUri: c.remoteUri, callerNumber: c.callerNumber,
        remoteName: c.remoteName, customer: c.getHeader('X-Customer'), customerLower: c.getHeader('x-customer'),
        inList: c.receivedHeaders.filter((h) => h.name.toLowerCase() === 'x-customer').map((h) => h.value),
        hasCallId: c.getHeader('Call-ID') !== null, answeredAt: c.answeredAt, startedAt: c.startedAt instanceof Date,
        listedSame: listed.length === 1 && listed[0] === c,
      };
    });
    assert.deepEqual(ringing, {
      direction: 'incoming', state: 'ringing', localUri: 'sip:1003@lab.test', remoteUri: 'sip:1004@lab.test', callerNumber: '1004',
      remoteName: '', customer: '42', customerLower: '42', inList: ['42'], hasCallId: true, answeredAt: null, startedAt: true,
      listedSame: true,
    });

    // Header fields kazoo writes itself, and header injection, are refused; the call still rings.
    const refused = await k.evaluate(async () => {
      const outcome = (p) => p.then(() => 'resolved', (e) => ({ key: e.key, message: e.message }));
      return {
        via: await outcome(window.incoming.accept({ extraHeaders: ['Via: SIP/2.0/WSS evil.example'] })),
        injection: await outcome(window.incoming.accept({ extraHeaders: { 'X-Note': 'a\r\nContact: <sip:evil@example>' } })),
        notAString: await outcome(window.incoming.accept({ extraHeaders: [42] })),
        connect: await outcome(kazoo.connect('1004', { extraHeaders: ['Call-ID: mine'] })),
        state: window.incoming.state,
        calls: (await kazoo.calls()).length,
      };
    });
    assert.equal(refused.via.key, 'invalid_parameter');
    assert.match(refused.via.message, /Via/);
    assert.equal(refused.injection.key, 'invalid_parameter');
    assert.match(refused.injection.message, /X-Note/);
    assert.equal(refused.notAString.key, 'invalid_parameter');
    assert.equal(refused.connect.key, 'invalid_parameter');
    assert.match(refused.connect.message, /Call-ID/);
    assert.equal(refused.state, 'ringing');
    assert.equal(refused.calls, 1, 'a refused connect() made a call');

    await k.evaluate(() => window.incoming.accept({ extraHeaders: { 'X-Agent': '7' } }));
    await jsEvent(j, 'accepted');
    assert.equal(await j.evaluate(() => window.lastResponse.getHeader('X-Agent')), '7');
    const up = await k.evaluate(() => ({
      state: window.incoming.state,
      answeredOk: window.incoming.answeredAt instanceof Date && window.incoming.answeredAt >= window.incoming.startedAt,
    }));
    assert.deepEqual(up, { state: 'established', answeredOk: true });

    await k.evaluate(() => window.incoming.hangup());
    await jsEvent(j, 'ended');
    await waitEvent(k, 'onHangup');
    const over = await k.evaluate(() => ({
      end: window.incoming.end, state: window.incoming.state,
      sameObject: window.events.find((e) => e.name === 'onHangup').args[0] === window.incoming,
    }));
    assert.deepEqual(over, { end: { code: 0, reason: '', originator: 'local' }, state: 'ended', sameObject: true });
    assert.deepEqual(await callIds(k), []);
  });
});

test('JsSIP refuses the call: onCancel(details, call) and call.end from the remote side', async () => {
  await withPages([await kazooPhone('1005'), await jssip('1006')], async (k, j) => {
    await k.evaluate(async () => { window.out = await kazoo.connect('1006'); });
    await jsEvent(j, 'newRTCSession');
    await j.evaluate(() => window.session.terminate({ status_code: 486 }));
    const details = await waitEvent(k, 'onCancel');
    assert.equal(details.code, 486);
    assert.equal(details.source, 'remote');
    const over = await k.evaluate(() => ({
      end: window.out.end, state: window.out.state, answeredAt: window.out.answeredAt,
      sameObject: window.events.find((e) => e.name === 'onCancel').args[1] === window.out,
    }));
    assert.deepEqual(over, { end: { code: 486, reason: 'Busy Here', originator: 'remote' }, state: 'ended', answeredAt: null, sameObject: true });
    assert.deepEqual(await callIds(k), []);
  });
});
