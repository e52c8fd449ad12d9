// kazoo-rtmpgw on its own against the real lab: Kamailio (plain UDP, no
// rtpengine: both legs are RTP/AVP) and baresip 1009 (auto-answer,
// sending a 660 Hz tone). The rtmpgw test binary's TestLab
// (rtmpgw/lab_test.go) plays the RTMP client as user 1005: an outgoing
// call to 1009 with audio both ways, RFC 4733 DTMF (checked here in
// baresip), hold/resume, a blind transfer of baresip to 1008 (a second
// gateway connection), baresip calling 1005 back (invited, accept,
// audio, baresip hangs up → byed), and the un-REGISTER on disconnect.
// Then: a second connection for an AOR replaces the first, and SIGTERM
// un-REGISTERs what is left. The browser path through the relay is in
// rtmp.test.mjs.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { startKamailio, repoRoot } from './lib/kamailio.mjs';
import { startBaresip } from './lib/baresip.mjs';
import { makeTone, dominantFrequency } from './lib/audio.mjs';
import { spawnDaemon } from './lib/daemon.mjs';
import { until } from './lib/lab.mjs';

const DIGITS = '159#';
const dir = mkdtempSync(path.join(os.tmpdir(), 'kazoo-rtmpgw-lab-'));
const gwBin = path.join(dir, 'kazoo-rtmpgw');
const testBin = path.join(dir, 'rtmpgw.test');
let kamailio;
let baresip;
let gateway;
let url;

before(async () => {
  execFileSync('go', ['build', '-o', gwBin, './cmd/kazoo-rtmpgw'], { cwd: repoRoot, stdio: 'inherit' });
  execFileSync('go', ['test', '-c', '-o', testBin, './rtmpgw'], { cwd: repoRoot, stdio: 'inherit' });
  kamailio = await startKamailio();
  const tone = await makeTone({ freq: 660, seconds: 60 });
  baresip = await startBaresip({ kamailio, audioFile: tone, user: '1009' });
  gateway = spawnDaemon(gwBin, [
    '-rtmp', '127.0.0.1:0', '-sip-proxy', `127.0.0.1:${kamailio.ports.udp}`,
    '-sip-listen', '127.0.0.1:0', '-rtp-ports', '0', '-log-level', 'debug',
  ], { logFile: path.join(dir, 'rtmpgw.log') });
  url = (await until(() => /^(rtmp:\/\/127\.0\.0\.1:\d+\/sip\/)$/m.exec(gateway.log()), { what: 'the gateway URL' }))[1];
});

after(async () => {
  await gateway?.terminate([['SIGTERM', 5000], ['SIGKILL', 2000]]).catch(() => {});
  await baresip?.stop();
  await kamailio?.stop();
});

// runLab runs one TestLab* of the rtmpgw test binary against the
// gateway, handing each "LAB: …" line of its output to onLine(line,
// process).
async function runLab(name, env, onLine = () => {}) {
  const p = spawn(testBin, ['-test.run', `^${name}$`, '-test.v', '-test.timeout', '120s'], {
    cwd: path.join(repoRoot, 'rtmpgw'),
    env: { ...process.env, RTMPGW_LAB_URL: url, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise((r) => p.once('exit', (code) => r(code)));
  const out = [];
  for await (const line of readline.createInterface({ input: p.stdout })) {
    out.push(line);
    if (line.startsWith('LAB: ')) await onLine(line.slice(5), p);
  }
  return { proc: p, code: await exited, out: out.join('\n') };
}

test('kazoo-rtmpgw ↔ Kamailio ↔ baresip: call out with audio, RFC 4733 DTMF, hold, transfer, call in, un-REGISTER', async () => {
  const pending = [];
  const run = await runLab('TestLab', { RTMPGW_LAB_DEST: 'sip:1009@lab.test', RTMPGW_LAB_DTMF: DIGITS }, (line) => {
    if (line.startsWith('dtmf-sent')) {
      pending.push((async () => { for (const d of DIGITS) await baresip.waitDtmf(d, 10_000); })());
    } else if (line === 'waiting-incoming') {
      pending.push(baresip.dial('1005'));
    } else if (line === 'incoming-audio-done') {
      pending.push(baresip.hangup());
    }
  });
  await Promise.all(pending);
  assert.equal(run.code, 0, `TestLab failed:\n${run.out}`);
  assert.equal(baresip.dtmfReceived(), DIGITS);
  // Two calls recorded (out, then in); the first is what the gateway
  // sent: TestLab's 1 kHz tone.
  const decs = await until(() => {
    const d = baresip.recordings().filter((f) => f.endsWith('-dec.wav'));
    return d.length >= 2 ? d : null;
  }, { what: "baresip's recordings of both calls" });
  assert.equal(dominantFrequency(decs[0], { candidates: [660, 1000] }).freq, 1000);
  // The test's connection closed: the gateway un-REGISTERs 1005.
  await until(async () => (await kamailio.lookup('1005')).length === 0, { what: '1005 to be unregistered' });
  assert.match(kamailio.log(), /unregister sip:1005@lab\.test/);
});

test('kazoo-rtmpgw: a new connection for an AOR replaces the older one (one binding left)', async () => {
  let bindings;
  const run = await runLab('TestLabReplace', {}, async (line, proc) => {
    if (line === 'replaced') {
      bindings = { 1010: (await kamailio.lookup('1010')).length, 1006: (await kamailio.lookup('1006')).length };
      proc.stdin.end('checked\n'); // the test may close its connections now
    }
  });
  assert.equal(run.code, 0, `TestLabReplace failed:\n${run.out}`);
  assert.deepEqual(bindings, { 1010: 1, 1006: 1 });
  await until(async () => (await kamailio.lookup('1010')).length + (await kamailio.lookup('1006')).length === 0,
    { what: 'the replaced AORs to be unregistered' });
});

test('kazoo-rtmpgw: SIGTERM un-REGISTERs the connections still open', async () => {
  const keep = spawn(testBin, ['-test.run', '^TestLabHold$', '-test.v'], {
    env: { ...process.env, RTMPGW_LAB_URL: url }, stdio: 'ignore',
  });
  try {
    await until(async () => (await kamailio.lookup('1007')).length > 0, { what: '1007 to be registered' });
    const exit = await gateway.terminate([['SIGTERM', 10_000], ['SIGKILL', 2000]]);
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.equal((await kamailio.lookup('1007')).length, 0, '1007 still registered after SIGTERM');
  } finally {
    keep.kill();
  }
});
