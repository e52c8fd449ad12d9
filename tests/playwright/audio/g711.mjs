// Test helpers for the audio worklet (wasm/kazoo-audio-worklet.js):
// an independent G.711 reference decoder, written from the segment tables
// of ITU-T G.711 (not from the worklet's code), tone analysis, and a
// loader that runs the worklet file in Node's vm with stubs for the
// AudioWorkletGlobalScope.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';

export const workletPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'wasm', 'kazoo-audio-worklet.js');

/**
 * µ-law byte → 16-bit sample. G.711 Table 2a: after inverting all bits,
 * segment e (0..7) has 16 steps of 2^(e+1) (14-bit units), starting at
 * 33·(2^e − 1); the 14-bit value is scaled ×4.
 */
export function refMulaw(byte) {
  const u = 0xff - byte;
  const e = (u >> 4) & 7;
  const q = u & 15;
  const mag14 = 33 * (2 ** e - 1) + 2 ** (e + 1) * q;
  return u & 0x80 && mag14 ? -mag14 * 4 : mag14 * 4; // 0x7f is +0, not -0
}

/**
 * A-law byte → 16-bit sample. G.711 Table 1a: after inverting the even
 * bits (XOR 0x55), segment 0 has 16 steps of 2 from 0 and segment e ≥ 1
 * 16 steps of 2^e from 2^(e+4) (12-bit magnitude); values are the step
 * midpoints, scaled ×8. The sign bit is set for positive values.
 */
export function refAlaw(byte) {
  const a = byte ^ 0x55;
  const e = (a >> 4) & 7;
  const q = a & 15;
  const mag12 = e === 0 ? 2 * q + 1 : 2 ** (e + 4) + 2 ** e * q + 2 ** (e - 1);
  return (a & 0x80 ? 1 : -1) * mag12 * 8;
}

/** Decodes G.711 bytes ('pcmu' or 'pcma') to a Float32Array (-1..1). */
export function decodeG711(bytes, law = 'pcmu') {
  const dec = law === 'pcma' ? refAlaw : refMulaw;
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = dec(bytes[i]) / 32768;
  return out;
}

// Goertzel amplitude, shared with the lab's WAV analysis.
export { goertzel } from '../lib/audio.mjs';

export function rms(samples) {
  let e = 0;
  for (const s of samples) e += s * s;
  return samples.length ? Math.sqrt(e / samples.length) : 0;
}

export function sine(freq, rate, n, amp = 0.5, phase = 0) {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = amp * Math.sin((2 * Math.PI * freq * i) / rate + phase);
  return out;
}

/**
 * Runs the worklet file in a fresh vm context whose sampleRate is `rate`.
 * Returns {ctx, processors, run(src)}: processors maps registered names
 * to classes; run evaluates an expression in the context (the codec
 * functions, Resampler, …). A processor's port is a stub: posted messages
 * collect in port.posted ({data, transfer}); port.deliver(data) calls its
 * onmessage.
 */
export function loadWorklet(rate = 48000) {
  const processors = {};
  const ctx = vm.createContext({
    sampleRate: rate,
    currentTime: 0,
    registerProcessor(name, cls) {
      if (processors[name]) throw new Error(`${name} registered twice`);
      processors[name] = cls;
    },
  });
  vm.runInContext(`
    class AudioWorkletProcessor {
      constructor() {
        const posted = [];
        this.port = {
          posted,
          onmessage: null,
          postMessage(data, transfer) { posted.push({ data, transfer }); },
          deliver(data) { this.onmessage && this.onmessage({ data }); },
        };
      }
    }
    globalThis.AudioWorkletProcessor = AudioWorkletProcessor;
  `, ctx);
  vm.runInContext(readFileSync(workletPath, 'utf8'), ctx, { filename: workletPath });
  return { ctx, processors, run: (src) => vm.runInContext(src, ctx) };
}
