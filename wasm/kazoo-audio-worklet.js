/*
 * kazoo-audio-worklet.js — the AudioWorklet half of kazoo's media path
 * without WebRTC (see package relay). Every per-sample step runs
 * here, on the audio rendering thread; the Go program on the main thread
 * only passes 160-byte frames through (Go runs on the page's main thread).
 *
 * Load it with audioContext.audioWorklet.addModule(url). It registers:
 *
 *   'kazoo-capture'   microphone → low-pass + resample to 8 kHz → G.711
 *                     (µ-law or A-law) → one 160-byte frame per 20 ms on
 *                     the node's port: {type:'frame', seq, data: Uint8Array}
 *                     (data's buffer is transferred). seq counts frames
 *                     modulo 65536. Muted, frames carry encoded silence at
 *                     the same rate, so the far end keeps its timing.
 *                     processorOptions: {law: 'pcmu'|'pcma', muted}
 *                     port in: {type:'mute', muted}, {type:'stats', id},
 *                              {type:'close'}
 *
 *   'kazoo-playback'  G.711 frames from the port → jitter buffer →
 *                     decode, resample 8 kHz → context rate → output.
 *                     processorOptions: {law, jitterMs (target, default
 *                     60), maxMs (default 200)}
 *                     port in: a Uint8Array or ArrayBuffer (one frame; any
 *                              length up to 1600 bytes, one byte a sample),
 *                              or {type:'frame', data}, {type:'stats', id},
 *                              {type:'reset'}, {type:'close'}
 *                     port out: {type:'stats', id, received, played,
 *                              dropped, underruns, bufferMs, playing,
 *                              energy, outputSamples, refused, targetMs,
 *                              maxMs, sampleRate, time}
 *
 * The jitter buffer starts playing once it holds jitterMs of audio. When
 * it runs dry it plays silence, counts an underrun and buffers up to
 * jitterMs again. When a frame would make it hold more than maxMs (the
 * socket backed up and delivered a burst), it drops the oldest audio down
 * to jitterMs, to shed the latency at once.
 *
 * The file is a classic-script-compatible module (no import/export), so
 * the codec and resampler can be unit-tested in Node's vm with stubs for
 * registerProcessor and AudioWorkletProcessor.
 */
'use strict';

/* ---------- G.711 (ITU-T Recommendation G.711) ----------
 * Linear samples are 16-bit integers; µ-law works on 14 bits (full scale
 * ±8159, i.e. ±32636 here), A-law on 13 bits (±4096, i.e. ±32768 here).
 */

const G711_RATE = 8000; // samples per second
const G711_FRAME = 160; // samples (bytes) per 20 ms frame
const MULAW_BIAS = 0x84; // 33 in 14-bit units, shifted left 2
const MULAW_CLIP = 32635; // largest magnitude that still fits after the bias
const MULAW_SILENCE = 0xff;
const ALAW_SILENCE = 0xd5;

/** linearToMulaw encodes a 16-bit sample as a µ-law byte. */
function linearToMulaw(s) {
  let sign = 0;
  let m = s | 0;
  if (m < 0) {
    sign = 0x80;
    m = -m;
  }
  if (m > MULAW_CLIP) m = MULAW_CLIP;
  m += MULAW_BIAS; // 132..32767: bit 7 is the lowest possible top bit
  const exponent = 24 - Math.clz32(m); // top bit 7..14 → 0..7
  const mantissa = (m >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** mulawToLinear decodes a µ-law byte to a 16-bit sample. */
function mulawToLinear(b) {
  const u = ~b & 0xff;
  const exponent = (u >> 4) & 0x07;
  const mag = ((((u & 0x0f) << 3) + MULAW_BIAS) << exponent) - MULAW_BIAS;
  return u & 0x80 ? -mag | 0 : mag; // | 0: no negative zero
}

/** linearToAlaw encodes a 16-bit sample as an A-law byte. */
function linearToAlaw(s) {
  let m = s | 0;
  let sign = 0x80; // A-law sets the sign bit for positive values
  if (m < 0) {
    sign = 0;
    m = -m - 1; // symmetric: -1..-8 mirror 0..7
  }
  if (m > 32767) m = 32767;
  m >>= 3; // 12-bit magnitude
  let code;
  if (m < 32) {
    code = m >> 1; // segment 0: step 2
  } else {
    const segment = 27 - Math.clz32(m); // top bit 5..11 → 1..7
    code = (segment << 4) | ((m >> segment) & 0x0f);
  }
  return (sign | code) ^ 0x55; // even bits inverted
}

/** alawToLinear decodes an A-law byte to a 16-bit sample. */
function alawToLinear(b) {
  const a = (b ^ 0x55) & 0xff;
  const segment = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  const mag = segment === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (segment - 1);
  return a & 0x80 ? mag : -mag;
}

/** floatToInt16 scales a -1..1 sample to 16 bits, clipping (NaN → 0). */
function floatToInt16(x) {
  const v = x * 32768;
  if (v >= 32767) return 32767;
  if (v <= -32768) return -32768;
  if (v !== v) return 0;
  return Math.round(v);
}

/** decodeTable gives the -1..1 sample of each of the 256 codes. */
function decodeTable(law) {
  const t = new Float32Array(256);
  const dec = law === 'pcma' ? alawToLinear : mulawToLinear;
  for (let b = 0; b < 256; b++) t[b] = dec(b) / 32768;
  return t;
}

/** isArrayBuffer also recognises an ArrayBuffer of another realm. */
function isArrayBuffer(d) {
  return d instanceof ArrayBuffer || Object.prototype.toString.call(d) === '[object ArrayBuffer]';
}

function lawOf(x) {
  return x === 'pcma' ? 'pcma' : 'pcmu';
}

/* ---------- Resampling ----------
 * A polyphase windowed-sinc (Kaiser) resampler for any pair of integer
 * rates. Output sample k sits at input position k·inRate/outRate; its
 * filter phase is that position's fraction, in 1/L steps where L is
 * outRate/gcd (all phases tabulated up to 1024, finer ratios round the
 * phase to 1/1024). The low-pass cutoff serves both directions: before
 * decimation to 8 kHz it removes what would alias, after interpolation
 * from 8 kHz it removes the images. Defaults: cutoff 3700 Hz, transition
 * 600 Hz (passband to 3400 Hz, stopband from 4000 Hz), 60 dB; that is a
 * 3 ms half-length: 290 taps at 48 kHz in, 50 taps at 8 kHz in, about
 * 2.3 M multiply-adds per second each way.
 */

function gcd(a, b) {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** besselI0 is the zeroth-order modified Bessel function of the first kind. */
function besselI0(x) {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

class Resampler {
  /**
   * @param {number} inRate  input samples per second
   * @param {number} outRate output samples per second
   * @param {{cutoffHz?: number, transitionHz?: number, attenuationDb?: number}} [opts]
   */
  constructor(inRate, outRate, opts = {}) {
    inRate = Math.round(inRate);
    outRate = Math.round(outRate);
    if (!(inRate > 0 && outRate > 0)) throw new RangeError('Resampler: bad rates ' + inRate + ' → ' + outRate);
    this.inRate = inRate;
    this.outRate = outRate;
    const g = gcd(inRate, outRate);
    this.L = outRate / g; // phases between two input samples
    this.M = inRate / g; // phase advance per output sample
    const cutoff = opts.cutoffHz || 3700;
    const transition = opts.transitionHz || 600;
    const atten = opts.attenuationDb || 60;
    const beta = atten > 50 ? 0.1102 * (atten - 8.7) : 0.5842 * Math.pow(atten - 21, 0.4) + 0.07886 * (atten - 21);
    const halfSec = (atten - 7.95) / (2.285 * 2 * Math.PI * transition) / 2;
    const H = (this.H = inRate === outRate ? 1 : Math.max(2, Math.ceil(halfSec * inRate)));
    const taps = (this.taps = 2 * H);
    const P = (this.P = Math.min(this.L, 1024));
    this.table = new Float32Array(P * taps);
    const i0beta = besselI0(beta);
    const wc = (2 * cutoff) / inRate; // sinc argument scale
    for (let p = 0; p < P; p++) {
      const frac = p / P;
      let sum = 0;
      const row = new Float64Array(taps);
      for (let i = 0; i < taps; i++) {
        const tau = H - 1 - i + frac; // output position minus input position
        if (inRate === outRate) {
          row[i] = i === H - 1 ? 1 : 0; // identity
          continue;
        }
        const r = tau / H;
        if (r <= -1 || r >= 1) continue;
        const x = Math.PI * wc * tau;
        const sinc = x === 0 ? 1 : Math.sin(x) / x;
        row[i] = sinc * (besselI0(beta * Math.sqrt(1 - r * r)) / i0beta);
        sum += row[i];
      }
      if (inRate === outRate) sum = 1;
      for (let i = 0; i < taps; i++) this.table[p * taps + i] = row[i] / sum; // unit DC gain per phase
    }
    // buf[j] is input sample base + j; it starts with H-1 zeros of history.
    this.buf = new Float32Array(taps + 8192);
    this.base = -(H - 1);
    this.len = H - 1;
    this.n0 = 0; // input index of the next output
    this.phase = 0; // its fraction, in 1/L
  }

  /** latency is the filter's delay in output samples. */
  get latency() {
    return (this.H * this.outRate) / this.inRate;
  }

  /** needed returns how many more input samples n outputs require. */
  needed(n) {
    if (n <= 0) return 0;
    const last = this.n0 + Math.floor((this.phase + (n - 1) * this.M) / this.L);
    const have = this.base + this.len; // first index not yet written
    return Math.max(0, last + this.H + 1 - have);
  }

  /** write appends count samples of src (count ≤ 8192 per call). */
  write(src, count = src.length) {
    const start = this.n0 - this.H + 1 - this.base; // oldest sample still needed
    if (start > 0 && this.len + count > this.buf.length) {
      this.buf.copyWithin(0, start, this.len);
      this.len -= start;
      this.base += start;
    }
    if (this.len + count > this.buf.length) {
      const bigger = new Float32Array(this.len + count + 4096);
      bigger.set(this.buf.subarray(0, this.len));
      this.buf = bigger;
    }
    this.buf.set(count === src.length ? src : src.subarray(0, count), this.len);
    this.len += count;
  }

  /** writeZeros appends count zero samples. */
  writeZeros(count) {
    if (count <= 0) return;
    if (!this.zeros || this.zeros.length < count) this.zeros = new Float32Array(count);
    this.write(this.zeros, count);
  }

  /** read writes up to max available outputs to out from offset; returns how many. */
  read(out, max = out.length, offset = 0) {
    const { H, L, M, P, taps, table, buf } = this;
    const end = this.base + this.len;
    let k = 0;
    while (k < max && this.n0 + H < end) {
      const p = P === L ? this.phase : Math.floor((this.phase * P) / L);
      const t0 = p * taps;
      const s0 = this.n0 - H + 1 - this.base;
      let acc = 0;
      for (let i = 0; i < taps; i++) acc += table[t0 + i] * buf[s0 + i];
      out[offset + k++] = acc;
      this.phase += M;
      if (this.phase >= L) {
        this.n0 += Math.floor(this.phase / L);
        this.phase %= L;
      }
    }
    return k;
  }
}

/* ---------- Capture ---------- */

class KazooCaptureProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = (options && options.processorOptions) || {};
    this.law = lawOf(o.law);
    this.muted = !!o.muted;
    this.closed = false;
    this.rate = sampleRate;
    this.rs = new Resampler(sampleRate, G711_RATE);
    this.frame = new Float32Array(G711_FRAME);
    this.fill = 0;
    this.seq = 0;
    this.sent = 0;
    this.mono = new Float32Array(128);
    this.out = new Float32Array(256);
    this.port.onmessage = (e) => this.onMessage(e.data);
  }

  onMessage(d) {
    if (!d || typeof d !== 'object') return;
    switch (d.type) {
      case 'mute':
        this.muted = !!d.muted;
        break;
      case 'law':
        this.law = lawOf(d.law);
        break;
      case 'stats':
        this.port.postMessage({
          type: 'stats', id: d.id, sent: this.sent, seq: this.seq, muted: this.muted,
          law: this.law, sampleRate: this.rate,
        });
        break;
      case 'close':
        this.closed = true;
        break;
    }
  }

  process(inputs) {
    if (this.closed) return false;
    const input = inputs[0];
    let n = 128;
    let src;
    if (input && input.length > 0) {
      n = input[0].length;
      if (input.length === 1) {
        src = input[0];
      } else {
        if (this.mono.length < n) this.mono = new Float32Array(n);
        src = this.mono;
        const ch = input.length;
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let c = 0; c < ch; c++) s += input[c][i];
          src[i] = s / ch;
        }
      }
      this.rs.write(src, n);
    } else {
      // No input (not connected yet, or the track ended): keep sending
      // frames of silence so the far end keeps its timing.
      this.rs.writeZeros(n);
    }
    for (;;) {
      const k = this.rs.read(this.out, this.out.length);
      if (k === 0) break;
      for (let i = 0; i < k; i++) {
        this.frame[this.fill++] = this.out[i];
        if (this.fill === G711_FRAME) this.emit();
      }
    }
    return true;
  }

  emit() {
    this.fill = 0;
    const bytes = new Uint8Array(G711_FRAME);
    if (this.muted) {
      bytes.fill(this.law === 'pcma' ? ALAW_SILENCE : MULAW_SILENCE);
    } else {
      const enc = this.law === 'pcma' ? linearToAlaw : linearToMulaw;
      const f = this.frame;
      for (let i = 0; i < G711_FRAME; i++) bytes[i] = enc(floatToInt16(f[i]));
    }
    this.port.postMessage({ type: 'frame', seq: this.seq, data: bytes }, [bytes.buffer]);
    this.seq = (this.seq + 1) & 0xffff;
    this.sent++;
  }
}

/* ---------- Playback ---------- */

const MAX_FRAME_BYTES = 1600; // 200 ms; anything longer is refused

class KazooPlaybackProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = (options && options.processorOptions) || {};
    this.decode = decodeTable(lawOf(o.law));
    const num = (x, def) => (typeof x === 'number' && x > 0 && Number.isFinite(x) ? x : def);
    this.targetMs = Math.min(1000, Math.max(20, num(o.jitterMs, 60)));
    this.maxMs = Math.min(5000, Math.max(this.targetMs + 40, num(o.maxMs, 200)));
    this.target = Math.round((this.targetMs * G711_RATE) / 1000); // samples
    this.max = Math.round((this.maxMs * G711_RATE) / 1000);
    this.ring = new Float32Array(this.max + MAX_FRAME_BYTES + 8);
    this.head = 0; // read position in ring
    this.queued = 0; // samples waiting
    this.playing = false;
    this.closed = false;
    this.rate = sampleRate;
    this.rs = new Resampler(G711_RATE, sampleRate);
    this.feed = new Float32Array(256);
    // Statistics.
    this.received = 0; // frames accepted from the port
    this.refused = 0; // messages that were not frames
    this.consumed = 0; // 8 kHz samples taken from the buffer
    this.droppedSamples = 0;
    this.underruns = 0;
    this.energy = 0; // sum of squares of every output sample
    this.outputSamples = 0;
    this.port.onmessage = (e) => this.onMessage(e.data);
  }

  onMessage(d) {
    if (isArrayBuffer(d)) return this.push(new Uint8Array(d));
    if (ArrayBuffer.isView(d)) return this.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    if (!d || typeof d !== 'object') return;
    switch (d.type) {
      case 'frame':
        if (isArrayBuffer(d.data)) this.push(new Uint8Array(d.data));
        else if (ArrayBuffer.isView(d.data)) this.push(new Uint8Array(d.data.buffer, d.data.byteOffset, d.data.byteLength));
        else this.refused++;
        break;
      case 'stats':
        this.port.postMessage(this.stats(d.id));
        break;
      case 'reset':
        this.head = 0;
        this.queued = 0;
        this.playing = false;
        break;
      case 'close':
        this.closed = true;
        break;
    }
  }

  stats(id) {
    return {
      type: 'stats',
      id,
      received: this.received,
      played: Math.floor(this.consumed / G711_FRAME),
      dropped: Math.round(this.droppedSamples / G711_FRAME),
      underruns: this.underruns,
      bufferMs: (this.queued * 1000) / G711_RATE,
      playing: this.playing,
      energy: this.energy,
      outputSamples: this.outputSamples,
      refused: this.refused,
      targetMs: this.targetMs,
      maxMs: this.maxMs,
      sampleRate: this.rate,
      time: typeof currentTime === 'number' ? currentTime : 0, // the AudioContext clock, s
    };
  }

  push(bytes) {
    const n = bytes.length;
    if (n === 0 || n > MAX_FRAME_BYTES) {
      this.refused++;
      return;
    }
    this.received++;
    if (this.queued + n > this.max) {
      // The sender caught up after a stall: drop the oldest audio down to
      // the target instead of playing it late.
      let drop = this.queued + n - this.target;
      if (drop > this.queued) drop = this.queued;
      this.head = (this.head + drop) % this.ring.length;
      this.queued -= drop;
      this.droppedSamples += drop;
    }
    const ring = this.ring;
    const cap = ring.length;
    let w = (this.head + this.queued) % cap;
    const dec = this.decode;
    for (let i = 0; i < n; i++) {
      ring[w] = dec[bytes[i]];
      if (++w === cap) w = 0;
    }
    this.queued += n;
  }

  process(inputs, outputs) {
    if (this.closed) return false;
    const output = outputs[0];
    if (!output || output.length === 0) return true;
    const out = output[0];
    const n = out.length;
    if (!this.playing && this.queued >= this.target) this.playing = true;
    const need = this.rs.needed(n);
    if (this.feed.length < need) this.feed = new Float32Array(need);
    const feed = this.feed;
    let i = 0;
    if (this.playing) {
      const ring = this.ring;
      const cap = ring.length;
      const take = Math.min(need, this.queued);
      for (; i < take; i++) {
        feed[i] = ring[this.head];
        if (++this.head === cap) this.head = 0;
      }
      this.queued -= take;
      this.consumed += take;
      if (take < need) {
        // Ran dry: silence, and buffer up to the target again.
        this.underruns++;
        this.playing = false;
      }
    }
    for (; i < need; i++) feed[i] = 0;
    this.rs.write(feed, need);
    const got = this.rs.read(out, n);
    let e = 0;
    for (let j = 0; j < got; j++) e += out[j] * out[j];
    for (let j = got; j < n; j++) out[j] = 0;
    this.energy += e;
    this.outputSamples += n;
    for (let c = 1; c < output.length; c++) output[c].set(out);
    return true;
  }
}

registerProcessor('kazoo-capture', KazooCaptureProcessor);
registerProcessor('kazoo-playback', KazooPlaybackProcessor);
