// The audio worklet in real Chromium, with no network peer: Debian
// Chromium's fake microphone plays a 440 Hz wav made with sox; the
// harness page (harness.html) wires wasm/kazoo-audio-worklet.js as
// jsbridge/audio_js.go does and loops captured frames back to playback
// through the main thread, as Go would relay them.
//
//   node --test tests/playwright/audio/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { decodeG711, goertzel, rms } from './g711.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..', '..');
const TONE = 440;

const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

/** A static server on 127.0.0.1: /wasm/… from the repository's wasm/, the rest from this directory. */
function serve() {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/favicon.ico') { res.writeHead(204).end(); return; }
    const [root, rel] = url.pathname.startsWith('/wasm/') ? [path.join(repo, 'wasm'), url.pathname.slice(6)] : [here, url.pathname.slice(1)];
    const file = path.resolve(root, rel || 'harness.html');
    if (!file.startsWith(root + path.sep)) { res.writeHead(403).end(); return; }
    try {
      if (!statSync(file).isFile()) throw new Error('not a file');
      res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(readFileSync(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

let server;
let browser;
let base;
let tmp;

before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kazoo-audio-'));
  const wav = path.join(tmp, 'tone.wav');
  execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', wav, 'synth', '30', 'sine', String(TONE), 'vol', '0.5']);
  server = await serve();
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', // Debian's; never a downloaded browser
    headless: true,
    args: ['--no-sandbox', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}`, '--autoplay-policy=no-user-gesture-required'],
    ignoreDefaultArgs: ['--mute-audio'],
  });
});

after(async () => {
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r()));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function openHarness(opts) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(new Error(m.text())); });
  await page.goto(`${base}/harness.html`);
  const info = await page.evaluate((o) => window.harness.start(o), opts);
  return { page, info, errors };
}

/**
 * Captures for `ms` and returns the frames and their decoded audio, with
 * the rate by the wall clock and by the AudioContext's clock. Headless
 * Chromium without a sound card renders to a fake output driven by a
 * timer: on a starved CPU it falls behind, then renders in bursts to
 * catch up. Such a window says nothing about the worklet, so it is
 * measured again (up to 3 times).
 */
async function record(t, page, ms, law = 'pcmu') {
  const clocks = () => page.evaluate(() => ({ wall: performance.now(), audio: window.harness.ac.currentTime }));
  for (let attempt = 1; ; attempt++) {
    const a = await clocks();
    await sleep(ms);
    const b = await clocks();
    const w = await page.evaluate(([x, y]) => window.harness.window(x, y), [a.wall, b.wall]);
    const wallS = (b.wall - a.wall) / 1000;
    const audioS = b.audio - a.audio;
    const pace = audioS / wallS;
    if (Math.abs(pace - 1) > 0.03 && attempt < 3) {
      t.diagnostic(`the audio clock ran at ${pace.toFixed(3)}× real time (CPU starved?): measuring again`);
      continue;
    }
    const pcm = decodeG711(Uint8Array.from(w.bytes), law);
    return { ...w, pcm, pace, perSecond: w.seqs.length / wallS, perAudioSecond: w.seqs.length / audioS };
  }
}

function assertFrames(w, what) {
  assert.ok(Math.abs(w.perAudioSecond - 50) <= 1, `${what}: ${w.perAudioSecond.toFixed(2)} frames per second of audio`);
  assert.ok(Math.abs(w.perSecond - 50) <= 2, `${what}: ${w.perSecond.toFixed(2)} frames/s (audio clock at ${w.pace.toFixed(3)}× real time)`);
  assert.ok(w.lens.every((n) => n === 160), `${what}: frame sizes ${[...new Set(w.lens)]}`);
  for (let i = 1; i < w.seqs.length; i++) {
    assert.equal(w.seqs[i], (w.seqs[i - 1] + 1) & 0xffff, `${what}: sequence gap at ${i}`);
  }
}

const delta = (a, b, k) => b[k] - a[k];

test('µ-law capture, mute, playback and jitter buffer in Chromium', async (t) => {
  const { page, info, errors } = await openHarness({ law: 'pcmu', jitterMs: 60, maxMs: 200 });
  t.diagnostic(`AudioContext ${info.state} at ${info.sampleRate} Hz, baseLatency ${info.baseLatency}, mic "${info.track}"`);
  assert.equal(info.state, 'running');
  // Chromium's noise suppression takes the steady tone for noise and
  // lowers it by ~13 dB over the first ~2.5 s; measure once it settled.
  await sleep(3000);

  // Capture: 50 frames/s of 160 bytes that decode to the tone.
  const w = await record(t, page, 4000);
  assertFrames(w, 'capture');
  const gaps = w.times.slice(1).map((t, i) => t - w.times[i]);
  const l440 = goertzel(w.pcm, 8000, TONE);
  const l1000 = goertzel(w.pcm, 8000, 1000);
  const level = rms(w.pcm);
  t.diagnostic(`capture: ${w.perSecond.toFixed(2)} frames/s (${w.perAudioSecond.toFixed(2)} per audio second), arrival gaps ${Math.min(...gaps).toFixed(1)}–${Math.max(...gaps).toFixed(1)} ms; ` +
    `decoded ${TONE} Hz ${l440.toFixed(3)}, 1000 Hz ${l1000.toFixed(5)}, 3000 Hz ${goertzel(w.pcm, 8000, 3000).toFixed(5)}, rms ${level.toFixed(3)}`);
  assert.ok(l440 > 20 * l1000, `${TONE} Hz (${l440}) does not dominate 1000 Hz (${l1000})`);
  assert.ok(level > 0.01 && level < 0.8, `rms ${level}`);
  assert.ok(l440 > 0.7 * Math.SQRT2 * level, 'the tone carries the energy');

  // Mute: encoded silence (0xFF), same rate, sequence continues.
  await page.evaluate(() => window.harness.mute(true));
  await sleep(200);
  const m = await record(t, page, 2000);
  assertFrames(m, 'muted');
  assert.ok(m.bytes.every((b) => b === 0xff), 'muted frames are not µ-law silence');
  assert.equal(rms(m.pcm), 0);
  await page.evaluate(() => window.harness.mute(false));
  await sleep(300);
  const u = await record(t, page, 1000);
  assert.ok(goertzel(u.pcm, 8000, TONE) > 0.5 * l440, 'the tone is back after unmuting');

  // Loopback: frames go back into playback, which plays the tone.
  const stats = () => page.evaluate(() => window.harness.stats());
  const s0 = await stats();
  assert.equal(s0.received, 0);
  assert.equal(s0.playing, false);
  await page.evaluate(() => window.harness.setLoopback(true));
  await sleep(1500);
  const s1 = await stats();
  await sleep(1000);
  const s2 = await stats();
  t.diagnostic(`loopback ${delta(s1, s2, 'time').toFixed(3)} s: received ${delta(s1, s2, 'received')}, played ${delta(s1, s2, 'played')}, buffer ${s2.bufferMs} ms, ` +
    `underruns ${s2.underruns}, energy +${delta(s1, s2, 'energy').toFixed(1)}`);
  assert.equal(s2.playing, true);
  // Counted against the audio clock (see record).
  const audioS = delta(s1, s2, 'time');
  assert.ok(Math.abs(delta(s1, s2, 'received') - 50 * audioS) <= 3, `received ${delta(s1, s2, 'received')} in ${audioS} s`);
  assert.ok(Math.abs(delta(s1, s2, 'played') - 50 * audioS) <= 3, `played ${delta(s1, s2, 'played')} in ${audioS} s`);
  assert.ok(delta(s1, s2, 'energy') > 0, 'no audio energy played');
  const pace = audioS / delta(s1, s2, 'wall');
  if (Math.abs(pace - 1) < 0.03) assert.equal(s2.underruns, s1.underruns, 'underruns in steady state');
  else t.diagnostic(`audio clock at ${pace.toFixed(3)}× real time: underruns not checked`);
  assert.ok(s2.bufferMs >= 20 && s2.bufferMs <= 120, `buffer ${s2.bufferMs} ms`);
  // The tap on the playback output hears the tone at the context rate.
  const out = await page.evaluate((f) => window.harness.playedLevels(f), [TONE, 1000, 8000 - TONE]);
  t.diagnostic(`played output: rms ${out.rms.toFixed(3)}, ${JSON.stringify(Object.fromEntries(Object.entries(out.levels).map(([k, v]) => [k, +v.toFixed(5)])))}`);
  assert.ok(out.levels[TONE] > 20 * out.levels[1000], 'played output is not the tone');
  assert.ok(out.levels[TONE] > 20 * out.levels[8000 - TONE], 'image at 8000-440 Hz not removed');
  // Energy per output sample matches the captured level (µ-law and two resamplers preserve it).
  const power = delta(s1, s2, 'energy') / delta(s1, s2, 'outputSamples');
  assert.ok(Math.abs(Math.sqrt(power) / level - 1) < 0.25, `played rms ${Math.sqrt(power)} vs captured ${level}`);

  // Pause: the buffer runs dry, one underrun, then it re-buffers and plays again.
  await page.evaluate(() => window.harness.setLoopback(false));
  await sleep(400);
  const s3 = await stats();
  await sleep(200);
  const s3b = await stats();
  t.diagnostic(`pause: underruns ${s2.underruns} → ${s3.underruns}, buffer ${s3.bufferMs} ms, playing ${s3.playing}, energy +${delta(s3, s3b, 'energy')} while starved`);
  assert.ok(s3.underruns >= s2.underruns + 1, `underruns ${s2.underruns} → ${s3.underruns}`);
  assert.equal(s3.playing, false);
  assert.equal(s3.bufferMs, 0);
  assert.equal(delta(s3, s3b, 'energy'), 0, 'sound while starved');
  await page.evaluate(() => window.harness.setLoopback(true));
  await sleep(500);
  const s4 = await stats();
  assert.equal(s4.playing, true, 're-buffered and playing again');
  assert.ok(s4.played > s3.played && s4.energy > s3.energy);

  // Burst: 20 frames at once (a socket that backed up): the oldest are dropped.
  await page.evaluate(() => window.harness.burst(20));
  const s5 = await stats();
  t.diagnostic(`burst of 20: received +${delta(s4, s5, 'received')} (incl. loopback), dropped +${delta(s4, s5, 'dropped')}, buffer ${s5.bufferMs} ms`);
  assert.ok(delta(s4, s5, 'received') >= 20);
  assert.ok(delta(s4, s5, 'dropped') >= 10, `dropped ${delta(s4, s5, 'dropped')}`);
  assert.ok(s5.bufferMs <= 200, `buffer ${s5.bufferMs} ms after the burst`);
  await sleep(1000);
  const s6 = await stats();
  assert.ok(s6.bufferMs <= 200 && s6.playing, `after the burst: buffer ${s6.bufferMs} ms, playing ${s6.playing}`);

  await page.evaluate(() => window.harness.stop());
  assert.deepEqual(errors, []);
  await page.close();
});

test('A-law capture at 48 kHz in Chromium decodes to the tone', async (t) => {
  const { page, info, errors } = await openHarness({ law: 'pcma', sampleRate: 48000 });
  assert.equal(info.state, 'running');
  assert.equal(info.sampleRate, 48000);
  await sleep(3000);
  const w = await record(t, page, 2000, 'pcma');
  assertFrames(w, 'A-law capture');
  const l440 = goertzel(w.pcm, 8000, TONE);
  const l1000 = goertzel(w.pcm, 8000, 1000);
  t.diagnostic(`A-law at ${info.sampleRate} Hz: ${w.perSecond.toFixed(2)} frames/s, ${TONE} Hz ${l440.toFixed(3)}, 1000 Hz ${l1000.toFixed(5)}, rms ${rms(w.pcm).toFixed(3)}`);
  assert.ok(l440 > 20 * l1000);
  await page.evaluate(() => window.harness.mute(true));
  await sleep(200);
  const m = await record(t, page, 1000, 'pcma');
  assert.ok(m.bytes.length >= 48 * 160 && m.bytes.every((b) => b === 0xd5), 'A-law silence');
  await page.evaluate(() => window.harness.stop());
  assert.deepEqual(errors, []);
  await page.close();
});
