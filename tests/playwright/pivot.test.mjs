// Kazoo Pivot in kazoo-dev, in real Chromium: a kazoo page calls a
// number whose callflow pivots to an HTTP app; it hears the app's spoken
// prompt (audio energy, then a silence gap), presses 1 with sendDTMF,
// and the app's bridge rings a second page, which answers with audio
// both ways. The app is examples/pivot/go (its log shows the documented
// fields); a scripted app in this process covers named collections,
// voicemail, a two-party conference, manual_presence and apps that fail
// (HTTP 500, a timeout, invalid JSON).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startDevLab } from './lib/devlab.mjs';
import { repoRoot, freePort } from './lib/kamailio.mjs';
import { loadKazoo, register, registerParams, waitEvent, until } from './lib/lab.mjs';
import { audioFlowing, connect, stats } from './lib/calls.mjs';

let lab;
let example; // the Go example app: {url, lines}
let nodeExample; // the same app in Node
let scripted; // this process's app: {url, requests}
let dir;

/** Starts an example app (examples/pivot/go or node) on a free port; resolves once it listens. */
async function startExample(cmd, args) {
  const port = await freePort();
  const proc = spawn(cmd, [...args, `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  const onData = (d) => { for (const l of String(d).split('\n')) if (l.trim()) lines.push(l); };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  await until(() => lines.some((l) => l.includes('pivot IVR on')), { what: `${cmd} listening` });
  return { url: `http://127.0.0.1:${port}/ivr`, lines, stop: () => proc.kill('SIGTERM') };
}

/** The scripted Pivot app: each path answers as the test needs. */
async function startScripted() {
  const requests = [];
  const json = (res, v) => { res.setHeader('Content-Type', 'application/json'); res.end(JSON.stringify(v)); };
  const tts = (text, next) => ({ module: 'tts', data: { text }, ...(next ? { children: { _: next } } : {}) });
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const u = new URL(req.url, 'http://x');
      const form = Object.fromEntries(new URLSearchParams(req.method === 'POST' ? body : u.search));
      requests.push({ path: u.pathname, method: req.method, form });
      switch (u.pathname) {
        case '/named':
          if (!('Digits[choice]' in form)) {
            return json(res, tts('Press a key', { module: 'collect_dtmf', data: { max_digits: 1, timeout: 8000, collection_name: 'choice' }, children: { _: { module: 'pivot', data: { voice_url: `http://${req.headers.host}/named`, method: 'POST' } } } }));
          }
          return json(res, { module: 'hangup' });
        case '/vm': return json(res, { module: 'voicemail', data: { id: '1002', max_message_length: 30 } });
        case '/conf': return json(res, { module: 'conference', data: { id: 'room-1' } });
        case '/presence': return json(res, { module: 'manual_presence', data: { presence_id: '1050', status: 'busy' }, children: { _: tts('You are now busy.', { module: 'hangup' }) } });
        case '/busy': return json(res, { module: 'response', data: { code: 486, message: 'Busy Here' } });
        case '/500': res.statusCode = 500; return res.end('boom');
        case '/slow': return setTimeout(() => json(res, { module: 'hangup' }), 3000);
        case '/badjson': res.setHeader('Content-Type', 'application/json'); return res.end('{"module": "tts", "data": ');
        default: res.statusCode = 404; return res.end();
      }
    });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${srv.address().port}`, requests, stop: () => srv.close() };
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kazoo-pivot-'));
  example = await startExample(path.join(repoRoot, '.cache', 'bin', 'pivot-example'), ['-listen']);
  nodeExample = await startExample(process.execPath, [path.join(repoRoot, 'examples', 'pivot', 'node', 'server.mjs'), '--listen']);
  scripted = await startScripted();
  const pivotTo = (url, extra = {}) => ({ module: 'pivot', data: { voice_url: url, ...extra } });
  const callflows = [
    { numbers: ['7000'], flow: { ...pivotTo(example.url), children: { _: { module: 'tts', data: { text: 'The app is not answering' }, children: { _: { module: 'hangup' } } } } } },
    { numbers: ['7008'], flow: pivotTo(nodeExample.url) },
    { numbers: ['7001'], flow: pivotTo(`${scripted.url}/named`, { method: 'POST' }) },
    { numbers: ['7002'], flow: pivotTo(`${scripted.url}/vm`) },
    { numbers: ['7003'], flow: pivotTo(`${scripted.url}/conf`) },
    { numbers: ['7004'], flow: pivotTo(`${scripted.url}/presence`) },
    { numbers: ['7005'], flow: pivotTo(`${scripted.url}/500`) },
    { numbers: ['7009'], flow: pivotTo(`${scripted.url}/busy`) },
    { numbers: ['7010'], flow: { module: 'set_cid', data: { caller_id_name: 'Front desk', caller_id_number: '7010' }, children: { _: { module: 'resources', data: { to_did: 'sip:1006@lab.test' } } } } },
    { numbers: ['7006'], flow: { ...pivotTo(`${scripted.url}/slow`, { req_timeout_ms: 1000 }), children: { _: { module: 'tts', data: { text: 'Fallback' }, children: { _: { module: 'hangup' } } } } } },
    { numbers: ['7007'], flow: pivotTo(`${scripted.url}/badjson`) },
  ];
  const file = path.join(dir, 'callflows.json');
  await writeFile(file, JSON.stringify(callflows));
  lab = await startDevLab({ media: true, extraArgs: ['-callflows', file, '-recordings', path.join(dir, 'rec')] });
});
after(async () => {
  await lab?.stop();
  example?.stop();
  nodeExample?.stop();
  scripted?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function phone(user, overrides = {}) {
  const page = await lab.openPage();
  await loadKazoo(page);
  await register(page, registerParams(lab, user, { record: ['onMessage'], ...overrides }));
  await waitEvent(page, 'onConnected');
  return page;
}

/**
 * Samples the inbound audio energy every 200 ms: waits for speech
 * (energy rising fast), then for a gap of one second of silence after
 * it. Resolves {speechMs, loudest, quietest}.
 */
async function promptThenSilence(page) {
  const windows = [];
  let prev = (await stats(page)).inbound.audioEnergy;
  let speechAt = 0; let quiet = 0; let loudest = 0; let quietest = Infinity;
  await until(async () => {
    const e = (await stats(page)).inbound.audioEnergy;
    const d = e - prev;
    prev = e;
    windows.push(d);
    if (d > 1e-4) { speechAt ||= Date.now(); loudest = Math.max(loudest, d); quiet = 0; return false; }
    if (speechAt && d < 1e-6) { quiet++; quietest = Math.min(quietest, d); return quiet >= 5; }
    quiet = 0;
    return false;
  }, { timeout: 20_000, interval: 200, what: 'the prompt and then silence' });
  return { speechMs: Date.now() - speechAt, loudest, quietest, windows: windows.length };
}

/** The form fields an example app logged, one object per request. */
function exampleRequests(app = example) {
  return app.lines.filter((l) => l.includes('pivot GET /ivr'))
    .map((l) => Object.fromEntries(new URLSearchParams(l.slice(l.indexOf('/ivr ') + 5))));
}

test('a page calls a Pivot number, hears the prompt, presses 1 and is bridged to a second page with audio both ways', async (t) => {
  const a = await phone('1001', { displayName: 'Alice' });
  const b = await phone('1002');
  try {
    assert.ok((await connect(a, '7000')).ok);
    await waitEvent(a, 'onAccepted');
    const prompt = await promptThenSilence(a);
    t.diagnostic(`prompt: speech for ${prompt.speechMs} ms (loudest 200 ms window ${prompt.loudest.toExponential(2)}), then 1 s of silence (quietest ${prompt.quietest.toExponential(2)})`);
    const first = exampleRequests()[0];
    assert.ok(first, `the example app was not asked: ${example.lines.join(' | ')}`);
    for (const k of ['Call-ID', 'Request', 'To', 'From', 'Account-ID', 'Caller-ID-Name', 'Caller-ID-Number', 'User-ID', 'Language']) {
      assert.ok(first[k], `field ${k} missing in ${JSON.stringify(first)}`);
    }
    assert.equal(first.Request, '7000');
    assert.equal(first['Caller-ID-Number'], '1001');
    assert.equal(first['Caller-ID-Name'], 'Alice');
    assert.equal('Digits' in first, false);

    await a.evaluate(() => kazoo.sendDTMF('1'));
    await until(() => exampleRequests().some((r) => r.Digits === '1'), { what: 'Digits=1 at the app' });
    const second = exampleRequests().find((r) => r.Digits === '1');
    assert.equal(second['Call-ID'], first['Call-ID']);

    // The app's bridge rings 1002, which answers: audio both ways.
    const ringing = await waitEvent(b, 'onIncoming');
    assert.equal(ringing.callerNumber, '1001');
    await b.evaluate(() => window.incoming.accept());
    await audioFlowing(b, { what: "1002 hears the caller" });
    await audioFlowing(a, { what: 'the caller hears 1002' });
    await a.evaluate(() => kazoo.hangup());
    await waitEvent(b, 'onHangup');
  } finally {
    await a.context().close();
    await b.context().close();
  }
});

test('the Node example: 2 rings support (1003)', async () => {
  const a = await phone('1004');
  const c = await phone('1003');
  try {
    assert.ok((await connect(a, '7008')).ok);
    await waitEvent(a, 'onAccepted');
    await promptThenSilence(a);
    assert.equal(exampleRequests(nodeExample)[0]?.Request, '7008', nodeExample.lines.join(' | '));
    await a.evaluate(() => kazoo.sendDTMF('2'));
    await until(() => exampleRequests(nodeExample).some((r) => r.Digits === '2'), { what: 'Digits=2 at the Node app' });
    await waitEvent(c, 'onIncoming');
    await c.evaluate(() => window.incoming.accept());
    await audioFlowing(c, { what: '1003 hears the caller' });
    await audioFlowing(a, { what: 'the caller hears 1003' });
    await c.evaluate(() => kazoo.hangup());
    await waitEvent(a, 'onHangup');
  } finally {
    await a.context().close();
    await c.context().close();
  }
});

test('collect_dtmf with a named collection sends Digits[name]; digits sent as SIP INFO count', async () => {
  const a = await phone('1003', { dtmfType: 'info' });
  try {
    assert.ok((await connect(a, '7001')).ok);
    await waitEvent(a, 'onAccepted');
    await until(() => scripted.requests.some((r) => r.path === '/named'), { what: 'the first request' });
    await promptThenSilence(a);
    await a.evaluate(() => kazoo.sendDTMF('5'));
    await until(() => scripted.requests.some((r) => r.form['Digits[choice]'] === '5'), { what: 'Digits[choice]=5' });
    const r = scripted.requests.find((x) => x.form['Digits[choice]'] === '5');
    assert.equal(r.method, 'POST');
    assert.equal('Digits' in r.form, false, JSON.stringify(r.form));
    await waitEvent(a, 'onHangup');
  } finally {
    await a.context().close();
  }
});

test("the voicemail flow records a message and the owner's page gets voicemail_notification", async () => {
  const owner = await phone('1002');
  const caller = await phone('1004');
  try {
    assert.ok((await connect(caller, '7002')).ok);
    await waitEvent(caller, 'onAccepted');
    await promptThenSilence(caller); // the greeting, then the beep's silence… the recording runs
    await caller.evaluate(() => kazoo.sendDTMF('#'));
    const n = await until(async () => (await owner.evaluate(() => window.events.filter((e) => e.name === 'onNotified')
      .map((e) => e.arg).find((a) => a.key === 'voicemail_notification' && a.newMessages > 0))), { timeout: 20_000, what: "the owner's voicemail_notification" });
    assert.equal(n.newMessages, 1, JSON.stringify(n));
    const recs = await (await fetch(`${lab.server.url}/api/recordings`)).json();
    const vm = recs.find((r) => r.kind === 'voicemail' && r.owner === '1002');
    assert.ok(vm && vm.seconds > 0.5 && vm.rms > 0.005, `recording ${JSON.stringify(recs)}`);
    await waitEvent(caller, 'onHangup');
  } finally {
    await owner.context().close();
    await caller.context().close();
  }
});

test('a two-party conference: each hears the other', async () => {
  const a = await phone('1005');
  const b = await phone('1006');
  try {
    assert.ok((await connect(a, '7003')).ok);
    await waitEvent(a, 'onAccepted');
    assert.ok((await connect(b, '7003')).ok);
    await waitEvent(b, 'onAccepted');
    await audioFlowing(a, { what: 'A hears B in the room' });
    await audioFlowing(b, { what: 'B hears A in the room' });
    // Each hears the other's tone, not silence: more than 1e-4 in 50 packets.
    const s0 = await stats(a);
    await until(async () => (await stats(a)).inbound.audioEnergy - s0.inbound.audioEnergy > 1e-3, { what: "A hears B's tone" });
  } finally {
    await a.context().close();
    await b.context().close();
  }
});

test('a resource (SIP URI) rings its page with the caller ID set_cid gave, audio both ways', async () => {
  const a = await phone('1005');
  const b = await phone('1006');
  try {
    assert.ok((await connect(a, '7010')).ok);
    const ringing = await waitEvent(b, 'onIncoming');
    assert.deepEqual([ringing.callerName, ringing.callerNumber], ['Front desk', '7010']);
    await b.evaluate(() => window.incoming.accept());
    await audioFlowing(b, { what: '1006 hears the caller' });
    await audioFlowing(a, { what: 'the caller hears 1006' });
    await b.evaluate(() => kazoo.hangup());
    await waitEvent(a, 'onHangup');
  } finally {
    await a.context().close();
    await b.context().close();
  }
});

test('manual_presence reaches a page subscribed to the presence id', async () => {
  const watcher = await phone('1007', { record: ['onPresence'] });
  const caller = await phone('1008');
  try {
    await watcher.evaluate(() => kazoo.subscribe(['sip:1050@lab.test'], { event: 'dialog' }));
    await until(async () => (await watcher.evaluate(() => window.events.some((e) => e.name === 'onPresence' && e.arg.state === 'idle'))), { what: 'the first presence: idle' });
    assert.ok((await connect(caller, '7004')).ok);
    await until(async () => (await watcher.evaluate(() => window.events.some((e) => e.name === 'onPresence' && e.arg.state === 'busy'))), { what: 'busy from manual_presence' });
  } finally {
    await watcher.context().close();
    await caller.context().close();
  }
});

test('apps that fail end the call cleanly with a log line, and kazoo-dev keeps running', async () => {
  const a = await phone('1009');
  try {
    // An app's response module refuses the call with its code (asked before the answer).
    assert.ok((await connect(a, '7009')).ok);
    const busy = await waitEvent(a, 'onCancel');
    assert.equal(busy.code, 486, JSON.stringify(busy));
    assert.equal(await a.evaluate(() => window.events.filter((e) => e.name === 'onAccepted').length), 0, 'the call was answered');
    // HTTP 500 and invalid JSON, no fallback: the call is refused (503).
    for (const [num, key] of [['7005', 'pivot_http_status'], ['7007', 'pivot_invalid_json']]) {
      const before = await a.evaluate(() => window.events.filter((e) => e.name === 'onCancel').length);
      assert.ok((await connect(a, num)).ok);
      const cancel = await until(async () => a.evaluate((n) => window.events.filter((e) => e.name === 'onCancel')[n]?.arg, before), { what: `the end of the call to ${num}` });
      assert.equal(cancel.code, 503, JSON.stringify(cancel));
      await until(() => lab.server.log().includes(key), { what: `a log line with ${key}` });
    }
    // A timeout with a fallback: answered, the fallback speaks, then hangs up.
    assert.ok((await connect(a, '7006')).ok);
    await waitEvent(a, 'onAccepted');
    await waitEvent(a, 'onHangup');
    await until(() => lab.server.log().includes('pivot_timeout'), { what: 'a log line with pivot_timeout' });
    // Still running: the echo answers.
    assert.ok((await connect(a, '*43')).ok);
    await until(async () => (await a.evaluate(() => window.events.filter((e) => e.name === 'onAccepted').length)) === 2, { what: 'the echo answers' });
    await audioFlowing(a, { what: 'the echo' });
  } finally {
    await a.context().close();
  }
});
