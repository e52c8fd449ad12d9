// Several calls (register({maxLines})) through the real Kamailio and
// rtpengine: an agent page takes two incoming calls from two other kazoo
// pages, answers the second while the first rings, then the first (the
// second is held by itself), switches between them, and only the line
// it is on hears the agent's microphone. The kazoo.js globals act on
// the current call; beyond maxLines calls are refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, waitEvent, registerParams, loadKazoo, register, until } from './lib/lab.mjs';
import { audioFlowing, growthWhile, connect, count, args } from './lib/calls.mjs';

let lab;
before(async () => { lab = await startLab({ media: true }); });
after(async () => { await lab?.stop(); });

/** Opens pages registered as users (with register() overrides); closes them when fn is done. */
async function withPhones(specs, fn) {
  const pages = [];
  try {
    for (const [user, overrides] of specs) {
      const page = await lab.openPage();
      await loadKazoo(page);
      await register(page, registerParams(lab, user, overrides));
      await waitEvent(page, 'onConnected');
      pages.push(page);
    }
    await fn(...pages);
    for (const p of pages) assert.deepEqual(p.pageErrors, [], 'uncaught errors in a page');
  } finally {
    for (const p of pages) await p.context().close().catch(() => {});
  }
}

/** Runs expr (about window.line(user), the agent's call with user) in the agent page; resolves with its outcome. */
function onLine(agent, expr, user) {
  return agent.evaluate(async ([e, u]) => {
    const calls = await kazoo.calls();
    window.line = (who) => calls.find((c) => c.remoteUri.startsWith(`sip:${who}@`));
    return (0, eval)(e)(window.line(u)).then(() => ({ ok: true }), (err) => ({ ok: false, key: err.key, message: err.message }));
  }, [expr, user]);
}

/** The agent's calls: [{remote user, state}], oldest first. */
function lines(agent) {
  return agent.evaluate(async () => (await kazoo.calls()).map((c) => [/^sip:([^@]+)@/.exec(c.remoteUri)[1], c.state]));
}

/** The agent's calls as [remote user, held] and the current call's user (null: none). */
function heldAndCurrent(agent) {
  return agent.evaluate(async () => {
    const user = (c) => /^sip:([^@]+)@/.exec(c.remoteUri)[1];
    const cur = await kazoo.currentCall();
    return { held: (await kazoo.calls()).map((c) => [user(c), c.held]), current: cur && user(cur) };
  });
}

/**
 * How much audio energy the far pages receive from the agent while the
 * active one receives 50 packets: the active line must hear the agent's
 * tone, the held one nothing of it.
 */
async function assertHears(t, active, held, what) {
  await audioFlowing(active, { what: `${what}: the agent's tone at the active line` });
  const heard = await growthWhile(active, active);
  const silent = await growthWhile(held, active);
  assert.ok(heard.energy > 0, `${what}: the active line heard no energy ${JSON.stringify(heard)}`);
  assert.ok(silent.energy < heard.energy / 20,
    `${what}: the held line heard the agent: ${JSON.stringify(silent)} vs active ${JSON.stringify(heard)}`);
  t.diagnostic(`${what}: energy at the active line ${heard.energy.toExponential(2)} (${heard.packets} packets), at the held line ${silent.energy.toExponential(2)} (${silent.packets} packets)`);
}

/** The agent sends tone with the global sendDTMF (as SIP INFO, which a kazoo page reports in onDTMF); resolves when `to` gets it, and checks `other` did not. */
async function dtmfReaches(agent, tone, to, other) {
  const before = await count(other, 'onDTMF');
  const r = await agent.evaluate((t) => kazoo.sendDTMF(t).then(() => ({ ok: true }), (e) => ({ ok: false, e })), tone);
  assert.equal(r.ok, true, JSON.stringify(r));
  await until(async () => (await args(to, 'onDTMF')).includes(tone), { what: `DTMF ${tone} at the current line` });
  assert.equal(await count(other, 'onDTMF'), before, `DTMF ${tone} reached the held line`);
}

test('two incoming calls: answer the second while the first rings, auto hold, switchTo, audio on the active line only', async (t) => {
  await withPhones([['1001', { maxLines: 2, dtmfType: 'info' }], ['1002'], ['1003'], ['1004']], async (agent, b, c, d) => {
    // B calls, then C: both ring at the agent (maxLines 2).
    assert.equal((await connect(b, '1001')).ok, true);
    await until(async () => (await count(agent, 'onIncoming')) === 1, { what: "B's call rings" });
    assert.equal((await connect(c, '1001')).ok, true);
    await until(async () => (await count(agent, 'onIncoming')) === 2, { what: "C's call rings" });
    assert.deepEqual(await lines(agent), [['1002', 'ringing'], ['1003', 'ringing']]);

    // A third call is beyond the lines: 486 Busy Here.
    assert.equal((await connect(d, '1001')).ok, true);
    const busy = await waitEvent(d, 'onCancel');
    assert.equal(busy.code, 486, JSON.stringify(busy));
    assert.equal(await count(agent, 'onIncoming'), 2, 'the third call rang');

    // The agent answers the second call while the first rings…
    assert.deepEqual(await onLine(agent, '(call) => call.accept()', '1003'), { ok: true });
    await waitEvent(c, 'onAccepted');
    await audioFlowing(c, { what: "C hears the agent" });
    assert.deepEqual(await lines(agent), [['1002', 'ringing'], ['1003', 'established']]);
    assert.equal(await count(b, 'onAccepted'), 0, 'B was answered');
    // …and connect() is refused: all lines busy.
    const full = await agent.evaluate(() => kazoo.connect('1004').then(() => ({ ok: true }), (e) => ({ ok: false, key: e.key, message: e.message })));
    assert.equal(full.key, 'invalid_call_state', JSON.stringify(full));
    assert.match(full.message, /all lines busy/);

    // …then the first: C is held by itself, B is the current line.
    assert.deepEqual(await onLine(agent, '(call) => call.accept()', '1002'), { ok: true });
    await waitEvent(b, 'onAccepted');
    assert.equal((await agent.evaluate(() => kazoo.getStats())).direction, 'sendrecv');
    await assertHears(t, b, c, 'after answering B');
    assert.deepEqual(await heldAndCurrent(agent), { held: [['1002', false], ['1003', true]], current: '1002' });
    await dtmfReaches(agent, '1', b, c);

    // switchTo C: B held, C resumed and current.
    assert.deepEqual(await onLine(agent, '(call) => kazoo.switchTo(call)', '1003'), { ok: true });
    await assertHears(t, c, b, 'after switchTo(C)');
    assert.deepEqual(await heldAndCurrent(agent), { held: [['1002', true], ['1003', false]], current: '1003' });
    await dtmfReaches(agent, '2', c, b);
    // …and back to B.
    assert.deepEqual(await onLine(agent, '(call) => kazoo.switchTo(call)', '1002'), { ok: true });
    await assertHears(t, b, c, 'after switchTo(B)');
    await dtmfReaches(agent, '3', b, c);

    // The global hangup ends the current call (B); C becomes current, still held.
    await agent.evaluate(() => kazoo.hangup());
    await waitEvent(b, 'onHangup');
    assert.deepEqual(await lines(agent), [['1003', 'established']]);
    assert.equal((await agent.evaluate(() => kazoo.getStats())).direction, 'sendonly', 'the remaining call was resumed by itself');
    assert.deepEqual(await heldAndCurrent(agent), { held: [['1003', true]], current: '1003' });
    // hold(false) resumes it with the microphone autoHold had silenced.
    assert.equal(await agent.evaluate(() => kazoo.hold(false).then(() => 'ok', (e) => e.key)), 'ok');
    assert.equal((await agent.evaluate(() => kazoo.getStats())).direction, 'sendrecv');
    assert.deepEqual(await heldAndCurrent(agent), { held: [['1003', false]], current: '1003' });
    let resumed;
    await until(async () => (resumed = await growthWhile(c, c)).energy > 1e-5,
      { timeout: 15_000, what: "C hears the agent after hold(false)" });
    t.diagnostic(`after hold(false): energy at C ${resumed.energy.toExponential(2)} (${resumed.packets} packets)`);
    await agent.evaluate(() => kazoo.hangup());
    await waitEvent(c, 'onHangup');
    assert.deepEqual(await lines(agent), []);
    assert.deepEqual(await heldAndCurrent(agent), { held: [], current: null });
  });
});

test("accept({others: 'reject'}) answers the other ringing call 486", async () => {
  await withPhones([['1005', { maxLines: 3 }], ['1006'], ['1007']], async (agent, b, c) => {
    assert.equal((await connect(b, '1005')).ok, true);
    await until(async () => (await count(agent, 'onIncoming')) === 1, { what: "B's call rings" });
    assert.equal((await connect(c, '1005')).ok, true);
    await until(async () => (await count(agent, 'onIncoming')) === 2, { what: "C's call rings" });
    assert.deepEqual(await onLine(agent, "(call) => call.accept({others: 'reject'})", '1007'), { ok: true });
    await waitEvent(c, 'onAccepted');
    const rejected = await waitEvent(b, 'onCancel');
    assert.equal(rejected.code, 486, JSON.stringify(rejected));
    assert.deepEqual(await lines(agent), [['1007', 'established']]);
    const bad = await onLine(agent, "(call) => call.accept({others: 'drop'})", '1007');
    assert.equal(bad.key, 'invalid_parameter', JSON.stringify(bad));
    await agent.evaluate(() => kazoo.hangup());
    await waitEvent(c, 'onHangup');
  });
});

test('maxLines 1: a second incoming call gets 486 and connect() is refused while a call goes on', async () => {
  await withPhones([['1008', { maxLines: 1 }], ['1009'], ['1010']], async (agent, b, c) => {
    assert.equal((await connect(b, '1008')).ok, true);
    await waitEvent(agent, 'onIncoming');
    await agent.evaluate(() => window.incoming.accept());
    await waitEvent(b, 'onAccepted');
    assert.equal((await connect(c, '1008')).ok, true);
    const busy = await waitEvent(c, 'onCancel');
    assert.equal(busy.code, 486, JSON.stringify(busy));
    assert.equal(await count(agent, 'onIncoming'), 1, 'the second call rang');
    const r = await agent.evaluate(() => kazoo.connect('1010').then(() => ({ ok: true }), (e) => ({ ok: false, key: e.key, message: e.message })));
    assert.equal(r.key, 'invalid_call_state', JSON.stringify(r));
    await agent.evaluate(() => kazoo.hangup());
    await waitEvent(b, 'onHangup');
  });
});
