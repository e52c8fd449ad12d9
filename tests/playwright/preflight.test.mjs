// kazoo.preflight(): a test call to kazoo-dev's echo (*43) measured and
// reported, with the page's own callbacks left out of it; on a page that
// is registered, and on one that is not (register parameters given, and
// unregistered again after the test).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevLab } from './lib/devlab.mjs';
import { waitEvent, registerParams, loadKazoo, register, until } from './lib/lab.mjs';

let lab;
before(async () => { lab = await startDevLab({ media: true }); });
after(async () => { await lab?.stop(); });

/** A page with kazoo loaded; registered as user (recording every callback) unless user is null. */
async function openPage(user) {
  const page = await lab.openPage();
  await loadKazoo(page);
  if (user) {
    await register(page, registerParams(lab, user, { record: ['onQualityWarning', 'onVolume'] }));
    await waitEvent(page, 'onConnected');
  }
  return page;
}

/** Runs kazoo.preflight(options) in the page: {ok, report} or {ok: false, error}. */
function preflight(page, options) {
  return page.evaluate((o) => kazoo.preflight(o).then(
    (report) => ({ ok: true, report }),
    (error) => ({ ok: false, error: { key: error.key, message: error.message } }),
  ), options);
}

/** Checks every field of a PreflightReport from a clean loopback call to *43. */
function checkReport(r, durationMs) {
  assert.deepEqual(Object.keys(r).sort(), ['band', 'candidateTypes', 'codec', 'durationMs', 'jitterMs', 'mode', 'mos',
    'packetLossPercent', 'rttMs', 'samples', 'timings', 'turnUsed', 'uri', 'warnings'], JSON.stringify(r));
  assert.equal(r.uri, '*43');
  assert.equal(r.mode, 'webrtc');
  assert.equal(r.durationMs, durationMs);
  const { signalingMs, iceMs, dtlsMs, firstRtpMs } = r.timings;
  for (const [k, v] of Object.entries(r.timings)) assert.ok(typeof v === 'number' && v > 0 && v < 15_000, `timings.${k} ${v}`);
  // The steps in the order they happen (measured from the dial; ICE and
  // DTLS are followed once the answer came, so never before it).
  assert.ok(signalingMs <= iceMs && iceMs <= dtlsMs && dtlsMs <= firstRtpMs, JSON.stringify(r.timings));
  assert.equal(r.turnUsed, false);
  assert.equal(r.candidateTypes.local, 'host', JSON.stringify(r.candidateTypes));
  assert.equal(typeof r.candidateTypes.remote, 'string');
  for (const k of ['rttMs', 'jitterMs', 'packetLossPercent']) {
    const { min, avg, max } = r[k];
    for (const v of [min, avg, max]) assert.equal(typeof v, 'number', `${k}: ${JSON.stringify(r[k])}`);
    assert.ok(min >= 0 && min <= avg && avg <= max, `${k}: ${JSON.stringify(r[k])}`);
  }
  assert.ok(r.rttMs.max < 400, `rtt ${JSON.stringify(r.rttMs)}`);
  assert.ok(r.packetLossPercent.max < 1, `loss ${JSON.stringify(r.packetLossPercent)}`);
  assert.ok(r.mos > 4.2 && r.mos <= 4.5, `mos ${r.mos}`);
  assert.equal(r.band, 'excellent');
  assert.ok(r.samples >= 2 && r.samples <= durationMs / 1000 + 1, `samples ${r.samples}`);
  assert.deepEqual(r.warnings, []);
  assert.match(r.codec, /^audio\/(opus|PCMU|PCMA|G722)$/i);
}

test('registered: preflight calls *43, reports every field, and the page hears nothing of the test call', async (t) => {
  const page = await openPage('1001');
  try {
    const started = Date.now();
    const res = await preflight(page, { durationMs: 3000 });
    const took = Date.now() - started;
    assert.equal(res.ok, true, JSON.stringify(res));
    t.diagnostic(`preflight (3 s) took ${took} ms: ${JSON.stringify(res.report)}`);
    checkReport(res.report, 3000);
    assert.ok(took >= 3000, `resolved after ${took} ms, before durationMs`);
    // None of the page's call callbacks fired for the test call.
    const names = await page.evaluate(() => window.events.map((e) => e.name));
    for (const n of ['onAccepted', 'onHangup', 'onCancel', 'onRinging', 'onIncoming', 'onVolume', 'onQualityWarning', 'onError']) {
      assert.ok(!names.includes(n), `${n} fired for the preflight call: ${names.join(' ')}`);
    }
    // The test call is over and the page is still registered and usable.
    const after = await page.evaluate(() => kazoo.getStats().then(() => 'a call', (e) => e.key));
    assert.equal(after, 'no_call');
    assert.equal((await lab.sip.lookup('1001')).length, 1, 'the registration went away');
    // A bad durationMs is refused.
    for (const durationMs of [0, -5, 'long', 10 * 60_000]) {
      const bad = await preflight(page, { durationMs });
      assert.equal(bad.error?.key, 'invalid_parameter', `durationMs ${JSON.stringify(durationMs)}: ${JSON.stringify(bad)}`);
    }
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await page.context().close();
  }
});

test('not registered: preflight with register parameters registers, tests, and unregisters; without them not_registered', async (t) => {
  const page = await openPage(null);
  try {
    const none = await preflight(page, { durationMs: 2000 });
    assert.equal(none.ok, false);
    assert.equal(none.error.key, 'not_registered', JSON.stringify(none));

    const params = registerParams(lab, '1002');
    const res = await preflight(page, { durationMs: 3000, register: params });
    assert.equal(res.ok, true, JSON.stringify(res));
    t.diagnostic(`preflight with register (3 s): ${JSON.stringify(res.report)}`);
    checkReport(res.report, 3000);
    // Unregistered again: no binding left, and calls need a register().
    await until(async () => (await lab.sip.lookup('1002')).length === 0, { what: 'the binding to go' });
    const call = await page.evaluate(() => kazoo.connect('*43').then(() => 'connected', (e) => e.key));
    assert.equal(call, 'not_registered');
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await page.context().close();
  }
});
