// Unit tests of wasm/kazoo-audio-worklet.js in Node (no browser): the
// G.711 codec against ITU-T G.711 values and a reference decoder, the
// resampler's passband and stopband, and both processors driven render
// quantum by render quantum through stub ports.
//
//   node --test tests/playwright/audio/worklet.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadWorklet, refMulaw, refAlaw, decodeG711, goertzel, rms, sine } from './g711.mjs';

const w = loadWorklet(48000);
const enc = { pcmu: w.run('linearToMulaw'), pcma: w.run('linearToAlaw') };
const dec = { pcmu: w.run('mulawToLinear'), pcma: w.run('alawToLinear') };
const Resampler = w.run('Resampler');
const db = (x) => 20 * Math.log10(x);

test('µ-law: ITU-T G.711 code points', () => {
  const mu = enc.pcmu;
  assert.equal(mu(0), 0xff, 'zero');
  assert.equal(mu(-1), 0x7f, 'negative zero');
  assert.equal(mu(32124), 0x80, 'full scale +8031 (14-bit) ×4');
  assert.equal(mu(32767), 0x80, 'clipped');
  assert.equal(mu(-32124), 0x00);
  assert.equal(mu(-32768), 0x00);
  // Segment 0 in 14-bit units: decision values 1, 3, 5, …; the first
  // interval (0) is 1 wide, the others 2.
  assert.equal(mu(4 * 0), 0xff);
  assert.equal(mu(4 * 1), 0xfe);
  assert.equal(mu(4 * 3), 0xfd);
  assert.equal(mu(4 * 30), 0xf0);
  assert.equal(mu(4 * 31), 0xef, '31 is the decision value opening segment 1');
  assert.equal(mu(4 * 8158), 0x80);
  assert.equal(dec.pcmu(0xff), 0);
  assert.equal(dec.pcmu(0x7f), 0);
  assert.equal(dec.pcmu(0x80), 32124);
  assert.equal(dec.pcmu(0x00), -32124);
  assert.equal(dec.pcmu(0xfe), 8);
  assert.equal(dec.pcmu(0xef), 4 * 33, 'segment 1 starts at 33');
});

test('A-law: ITU-T G.711 code points', () => {
  const a = enc.pcma;
  assert.equal(a(0), 0xd5, 'zero');
  assert.equal(a(-1), 0x55, 'negative zero');
  assert.equal(a(32767), 0xaa, 'positive full scale');
  assert.equal(a(-32768), 0x2a, 'negative full scale');
  assert.equal(dec.pcma(0xd5), 8, 'midpoint of the first step');
  assert.equal(dec.pcma(0x55), -8);
  assert.equal(dec.pcma(0xaa), 32256, 'full scale 4032 (12-bit) ×8');
  assert.equal(dec.pcma(0x2a), -32256);
  // Segment boundaries (12-bit magnitude): 32 starts segment 1, 2048 segment 7.
  assert.equal(dec.pcma(a(32 * 8)), (32 + 1) * 8);
  assert.equal(dec.pcma(a(2048 * 8)), (2048 + 64) * 8);
});

test('G.711: decoders match the reference tables for all 256 codes', () => {
  for (let b = 0; b < 256; b++) {
    assert.equal(dec.pcmu(b), refMulaw(b), `µ-law 0x${b.toString(16)}`);
    assert.equal(dec.pcma(b), refAlaw(b), `A-law 0x${b.toString(16)}`);
  }
});

test('G.711: encode∘decode is the identity on codes, decode∘encode is within half a step', () => {
  for (let b = 0; b < 256; b++) {
    if (b !== 0x7f) assert.equal(enc.pcmu(dec.pcmu(b)), b, `µ-law 0x${b.toString(16)}`);
    assert.equal(enc.pcma(dec.pcma(b)), b, `A-law 0x${b.toString(16)}`);
  }
  for (const law of ['pcmu', 'pcma']) {
    let prev = -Infinity;
    let worst = 0;
    for (let s = -32768; s <= 32767; s++) {
      const y = dec[law](enc[law](s));
      assert.ok(y >= prev, `${law}: not monotonic at ${s}`);
      prev = y;
      const mag = Math.abs(s);
      // Step size at this magnitude (16-bit units).
      let step;
      if (law === 'pcmu') {
        const m = Math.min(mag, 32635) + 132;
        step = 8 << (31 - Math.clz32(m) - 7);
      } else {
        const m = mag >> 3;
        step = m < 64 ? 16 : 8 << (31 - Math.clz32(m) - 4);
      }
      const full = law === 'pcmu' ? 32124 : 32256;
      const err = Math.abs(y - s);
      if (mag <= full) {
        assert.ok(err <= step / 2 + 1, `${law}: |dec(enc(${s}))-${s}| = ${err} > ${step / 2}`);
        if (mag >= 4096) worst = Math.max(worst, err / mag);
      } else {
        assert.equal(Math.abs(y), full, `${law}: ${s} is not clipped to full scale`);
      }
    }
    // Logarithmic: from the upper segments on, the error is at most
    // half a step of 1/16 of the segment, about 3% of the value.
    assert.ok(worst < 0.035, `${law}: worst relative error ${worst}`);
  }
});

test('G.711: signal-to-quantisation noise of a sine is ~38 dB', () => {
  const x = sine(440, 8000, 8000, 0.5);
  for (const law of ['pcmu', 'pcma']) {
    const bytes = Uint8Array.from(x, (v) => enc[law](Math.round(v * 32768)));
    const y = decodeG711(bytes, law);
    const noise = rms(y.map((v, i) => v - x[i]));
    const snr = db(rms(x) / noise);
    assert.ok(snr > 35 && snr < 45, `${law}: SNR ${snr.toFixed(1)} dB`);
  }
});

/** resample runs n input samples through a Resampler in chunks of 128. */
function resample(rs, input) {
  const out = [];
  const buf = new Float32Array(4096);
  for (let i = 0; i < input.length; i += 128) {
    rs.write(input.subarray(i, Math.min(i + 128, input.length)));
    for (let k; (k = rs.read(buf)) > 0;) out.push(...buf.subarray(0, k));
  }
  return Float32Array.from(out);
}

for (const rate of [48000, 44100, 96000, 16000]) {
  test(`resampler ${rate} → 8000: passband kept, would-be aliases removed`, () => {
    const level = (freq) => {
      const y = resample(new Resampler(rate, 8000), sine(freq, rate, rate)); // 1 s
      assert.ok(Math.abs(y.length - 8000) <= 30, `${y.length} outputs for 1 s`);
      const s = y.subarray(200); // past the filter's warm-up
      return { y: s, amp: goertzel(s, 8000, freq), rms: rms(s) };
    };
    for (const f of [300, 440, 1000, 3000, 3400]) {
      const { amp } = level(f);
      assert.ok(Math.abs(db(amp / 0.5)) < 0.2, `${f} Hz: ${db(amp / 0.5).toFixed(2)} dB`);
    }
    const tone = level(440);
    assert.ok(goertzel(tone.y, 8000, 440) > 100 * goertzel(tone.y, 8000, 1000), '440 Hz dominant');
    // Above 4 kHz everything would fold back into 0–4 kHz: must be gone.
    for (const f of [4100, 5000, 6000, 7000].filter((f) => f < rate / 2)) {
      const r = level(f).rms;
      assert.ok(db(r / 0.354) < -50, `${f} Hz leaks at ${db(r / 0.354).toFixed(1)} dB`);
    }
  });
}

for (const rate of [48000, 44100]) {
  test(`resampler 8000 → ${rate}: tone kept, images removed`, () => {
    const y = resample(new Resampler(8000, rate), sine(1000, 8000, 8000)).subarray(rate / 100);
    assert.ok(Math.abs(db(goertzel(y, rate, 1000) / 0.5)) < 0.2);
    for (const img of [7000, 9000, 15000]) {
      const a = goertzel(y, rate, img);
      assert.ok(db(a / 0.5) < -55, `image at ${img} Hz: ${db(a / 0.5).toFixed(1)} dB`);
    }
  });
}

/** quanta drives a processor for `seconds` with inputs from fn(i) → Float32Array[] channels. */
function runQuanta(proc, count, input = () => [], outputs = [[new Float32Array(128)]]) {
  const outs = [];
  for (let q = 0; q < count; q++) {
    for (const ch of outputs[0]) ch.fill(0);
    proc.process([input(q)], outputs);
    outs.push(Float32Array.from(outputs[0][0]));
  }
  return outs;
}

test('capture: 50 frames of 160 bytes per second, sequence numbers, transferred buffers', () => {
  const { processors } = loadWorklet(48000);
  const p = new processors['kazoo-capture']({ processorOptions: { law: 'pcmu' } });
  const tone = sine(440, 48000, 48000 * 3, 0.5);
  runQuanta(p, 375 * 3, (q) => [tone.subarray(q * 128, q * 128 + 128)]); // 3 s
  const frames = p.port.posted.map((m) => m.data).filter((d) => d.type === 'frame');
  // The filter's 3 ms look-ahead delays the first frame.
  assert.ok(frames.length === 149 || frames.length === 150, `${frames.length} frames in 3 s`);
  frames.forEach((f, i) => {
    assert.equal(f.seq, i);
    assert.equal(f.data.length, 160);
    assert.equal(p.port.posted[i].transfer[0], f.data.buffer, 'buffer not transferred');
  });
  const pcm = decodeG711(Uint8Array.from(frames.slice(5).flatMap((f) => [...f.data])));
  assert.ok(goertzel(pcm, 8000, 440) > 0.45 && goertzel(pcm, 8000, 1000) < 0.01);
  assert.ok(Math.abs(rms(pcm) - 0.354) < 0.02, `rms ${rms(pcm)}`);
});

test('capture: stereo is mixed down, A-law, mute sends encoded silence at the same rate, no input still sends', () => {
  const { processors } = loadWorklet(44100);
  const p = new processors['kazoo-capture']({ processorOptions: { law: 'pcma' } });
  const l = sine(1000, 44100, 44100, 0.4);
  const r = sine(1000, 44100, 44100, 0.2);
  const sec = Math.ceil(44100 / 128);
  runQuanta(p, sec, (q) => [l.subarray(q * 128, q * 128 + 128), r.subarray(q * 128, q * 128 + 128)].map((a) => {
    const b = new Float32Array(128); b.set(a); return b;
  }));
  let frames = p.port.posted.map((m) => m.data);
  const sentBefore = frames.length;
  const pcm = decodeG711(Uint8Array.from(frames.slice(3).flatMap((f) => [...f.data])), 'pcma');
  assert.ok(Math.abs(goertzel(pcm, 8000, 1000) - 0.3) < 0.02, 'mixed down to (0.4+0.2)/2');

  p.port.posted.length = 0;
  p.port.deliver({ type: 'mute', muted: true });
  runQuanta(p, sec, () => [l.subarray(0, 128)]);
  frames = p.port.posted.map((m) => m.data);
  assert.ok(frames.length >= 49 && frames.length <= 51, `${frames.length} muted frames`);
  assert.ok(frames.every((f) => f.data.length === 160 && f.data.every((b) => b === 0xd5)), 'A-law silence');
  assert.equal(frames[0].seq, sentBefore, 'sequence continues');

  p.port.posted.length = 0;
  p.port.deliver({ type: 'mute', muted: false });
  runQuanta(p, sec, () => []); // nothing connected
  assert.ok(p.port.posted.length >= 49, 'no frames without input');
  p.port.deliver({ type: 'stats', id: 9 });
  const st = p.port.posted.at(-1).data;
  assert.equal(st.id, 9);
  assert.equal(st.sampleRate, 44100);
  p.port.deliver({ type: 'close' });
  assert.equal(p.process([[]], [[new Float32Array(128)]]), false, 'closed processor ends');
});

/** frames of a 1 kHz tone, µ-law, 160 bytes each. */
function toneFrames(count, freq = 1000, amp = 0.5) {
  const x = sine(freq, 8000, count * 160, amp);
  return Array.from({ length: count }, (_, i) => Uint8Array.from(x.subarray(i * 160, i * 160 + 160), (v) => enc.pcmu(Math.round(v * 32768))));
}

test('playback: buffers to the target, plays in real time, underruns, re-buffers, sheds bursts', () => {
  const { processors } = loadWorklet(48000);
  const p = new processors['kazoo-playback']({ processorOptions: { law: 'pcmu', jitterMs: 60, maxMs: 200 } });
  const stats = () => { p.port.deliver({ type: 'stats', id: 1 }); return p.port.posted.at(-1).data; };
  const frames = toneFrames(400);
  let next = 0;
  let out = runQuanta(p, 10);
  assert.ok(out.every((o) => o.every((v) => v === 0)), 'silence before any frame');
  p.port.deliver(frames[next++]);
  p.port.deliver(frames[next++].buffer); // an ArrayBuffer is a frame too
  out = runQuanta(p, 10);
  assert.equal(stats().playing, false, 'plays before the target fill');
  assert.equal(stats().bufferMs, 40);
  p.port.deliver({ type: 'frame', data: frames[next++] });
  // Real time: one frame per 7.5 quanta (20 ms at 48 kHz).
  const played = [];
  for (let q = 0; q < 750; q++) { // 2 s
    if (q % 15 === 0 || q % 15 === 8) p.port.deliver(frames[next++]);
    played.push(...runQuanta(p, 1)[0]);
  }
  let s = stats();
  assert.equal(s.playing, true);
  assert.equal(s.underruns, 0);
  assert.equal(s.received, 103);
  assert.ok(s.played >= 98 && s.played <= 100, `played ${s.played}`);
  assert.ok(s.bufferMs >= 40 && s.bufferMs <= 80, `buffer ${s.bufferMs} ms`);
  const y = Float32Array.from(played.slice(4800));
  assert.ok(Math.abs(goertzel(y, 48000, 1000) - 0.5) < 0.03, `1 kHz at ${goertzel(y, 48000, 1000)}`);
  assert.ok(goertzel(y, 48000, 7000) < 0.002, 'image of 1 kHz at 7 kHz');
  assert.ok(Math.abs(s.energy - played.reduce((a, v) => a + v * v, 0)) < 1e-3 * s.energy, 'energy is the sum of squares');

  // Pause: the buffer runs dry, one underrun, silence, then re-buffering.
  runQuanta(p, 40);
  s = stats();
  assert.equal(s.underruns, 1);
  assert.equal(s.playing, false);
  assert.equal(s.bufferMs, 0);
  const e0 = s.energy;
  out = runQuanta(p, 20);
  assert.ok(out.every((o) => o.every((v) => v === 0)), 'silence while buffering');
  p.port.deliver(frames[next++]);
  p.port.deliver(frames[next++]);
  runQuanta(p, 8);
  assert.equal(stats().playing, false);
  p.port.deliver(frames[next++]);
  runQuanta(p, 8);
  assert.equal(stats().playing, true);
  assert.ok(stats().energy > e0);

  // A burst of 20 frames (400 ms): the oldest audio is dropped down to the target.
  const before = stats();
  for (let i = 0; i < 20; i++) p.port.deliver(frames[next++]);
  s = stats();
  assert.equal(s.received, before.received + 20);
  assert.ok(s.dropped - before.dropped >= 10, `dropped ${s.dropped - before.dropped}`);
  assert.ok(s.bufferMs <= 200 && s.bufferMs >= 60, `buffer ${s.bufferMs} ms after the burst`);
  runQuanta(p, 100);
  assert.equal(stats().underruns, 2, 'the burst leftover played out, then ran dry again');

  p.port.deliver(new Uint8Array(0));
  p.port.deliver(new Uint8Array(2000));
  p.port.deliver({ type: 'frame', data: 'nope' });
  assert.equal(stats().refused, 3);
  p.port.deliver({ type: 'reset' });
  assert.equal(stats().bufferMs, 0);
});

test('playback: jitterMs and maxMs are configurable and sanitised', () => {
  const { processors } = loadWorklet(44100);
  const mk = (o) => {
    const p = new processors['kazoo-playback']({ processorOptions: o });
    p.port.deliver({ type: 'stats', id: 0 });
    return p.port.posted.at(-1).data;
  };
  assert.deepEqual([mk({}).targetMs, mk({}).maxMs, mk({}).sampleRate], [60, 200, 44100]);
  assert.deepEqual([mk({ jitterMs: 40, maxMs: 120 }).targetMs, mk({ jitterMs: 40, maxMs: 120 }).maxMs], [40, 120]);
  assert.deepEqual([mk({ jitterMs: 200 }).maxMs, mk({ jitterMs: -5 }).targetMs, mk({ jitterMs: 'x' }).targetMs], [240, 60, 60]);
});
