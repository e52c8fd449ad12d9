// Test audio for the SIP lab: make tones with sox, analyse recordings with
// `sox ... stat`, and tell tones apart with a Goertzel filter over the PCM
// samples of a wav file (read in JS). Test tones are 48 kHz mono s16 (what
// baresip's aufile and Chromium's fake microphone take); baresip decodes
// opus as stereo, so recordings are analysed on channel 1.

import { execFile } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function run(bin, args) {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: 30_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) {
        err.message = `${bin} ${args.join(' ')}: ${(stderr || err.message).trim()}`;
        reject(err);
        return;
      }
      resolve({ stdout, stderr });
    });
  });
}

// Temp dirs of makeTone() calls without `file`, removed when the process exits.
const tempDirs = new Set();
process.on('exit', () => {
  for (const d of tempDirs) { try { rmSync(d, { recursive: true, force: true }); } catch { /* ignore */ } }
});

/**
 * Writes a mono 16-bit sine wav with sox and resolves its path:
 *   sox -n -r <rate> -c 1 -b 16 <file> synth <seconds> sine <freq> vol <volume>
 * Without `file`, a new temp file is used (deleted when the process exits).
 */
export async function makeTone({ freq, seconds, rate = 48000, file, volume = 0.5 }) {
  if (!(freq > 0 && seconds > 0)) throw new Error('makeTone: freq and seconds are required');
  if (!file) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kazoo-tone-'));
    tempDirs.add(dir);
    file = path.join(dir, `tone-${freq}.wav`);
  }
  await run('sox', ['-n', '-r', String(rate), '-c', '1', '-b', '16', file,
    'synth', String(seconds), 'sine', String(freq), 'vol', String(volume)]);
  return file;
}

/** Parses the stderr of `sox <file> -n stat` into {rms, freq, max, length, samples}. */
export function parseSoxStat(text) {
  const num = (re) => { const m = re.exec(text); return m ? Number(m[1]) : NaN; };
  return {
    rms: num(/^RMS\s+amplitude:\s+(\S+)/m),
    freq: num(/^Rough\s+frequency:\s+(\S+)/m),
    max: num(/^Maximum\s+amplitude:\s+(\S+)/m),
    length: num(/^Length \(seconds\):\s+(\S+)/m),
    samples: num(/^Samples read:\s+(\S+)/m),
  };
}

/**
 * `sox <wav> -n remix 1 stat` (first channel only: opus is decoded as
 * stereo) → {rms, freq, max, length, samples}. rms is 0..1 (full scale).
 */
export async function analyse(wavFile) {
  const { stderr } = await run('sox', [wavFile, '-n', 'remix', '1', 'stat']);
  const r = parseSoxStat(stderr);
  if (Number.isNaN(r.samples)) throw new Error(`sox stat: cannot parse output for ${wavFile}:\n${stderr}`);
  // An empty file gives "RMS amplitude: -nan".
  if (r.samples === 0) return { ...r, rms: 0, freq: NaN };
  return r;
}

/**
 * Reads a PCM wav (8/16/24/32-bit integer or 32-bit float, also
 * WAVE_FORMAT_EXTENSIBLE) → {sampleRate, channels, bits, samples}, where
 * samples is a Float32Array (-1..1) of the first channel. Tolerates the
 * placeholder sizes of a file that is still being written.
 */
export function readWav(file) {
  const b = readFileSync(file);
  if (b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`${file}: not a RIFF/WAVE file`);
  }
  let fmt = null;
  let off = 12;
  while (off + 8 <= b.length) {
    const id = b.toString('ascii', off, off + 4);
    let size = b.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      let format = b.readUInt16LE(body);
      if (format === 0xfffe) format = b.readUInt16LE(body + 24);
      fmt = {
        format,
        channels: b.readUInt16LE(body + 2),
        sampleRate: b.readUInt32LE(body + 4),
        bits: b.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt) throw new Error(`${file}: data before fmt`);
      if (size === 0 || size === 0xffffffff || body + size > b.length) size = b.length - body;
      const bytes = fmt.bits / 8;
      const frame = bytes * fmt.channels;
      const n = Math.floor(size / frame);
      const samples = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const p = body + i * frame;
        let v;
        if (fmt.format === 3 && fmt.bits === 32) v = b.readFloatLE(p);
        else if (fmt.bits === 16) v = b.readInt16LE(p) / 32768;
        else if (fmt.bits === 8) v = (b[p] - 128) / 128;
        else if (fmt.bits === 24) v = b.readIntLE(p, 3) / 8388608;
        else if (fmt.bits === 32) v = b.readInt32LE(p) / 2147483648;
        else throw new Error(`${file}: unsupported ${fmt.bits}-bit format ${fmt.format}`);
        samples[i] = v;
      }
      return { sampleRate: fmt.sampleRate, channels: fmt.channels, bits: fmt.bits, samples };
    }
    off = body + size + (size & 1);
  }
  throw new Error(`${file}: no data chunk`);
}

/**
 * Amplitude (0..1, a full-scale sine gives ~1) of frequency `freq` in
 * `samples` by the Goertzel algorithm.
 */
export function goertzel(samples, sampleRate, freq) {
  const n = samples.length;
  if (n === 0) return 0;
  const w = (2 * Math.PI * freq) / sampleRate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = samples[i] + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (2 * Math.sqrt(Math.max(power, 0))) / n;
}

/** The part of the samples with signal (drops leading/trailing near-silence). */
function trimSilence(samples, threshold = 0.01) {
  let a = 0;
  let z = samples.length;
  while (a < z && Math.abs(samples[a]) < threshold) a++;
  while (z > a && Math.abs(samples[z - 1]) < threshold) z--;
  return samples.subarray(a, z);
}

/**
 * Amplitude per candidate frequency in a wav file: {440: 0.48, 660: 0.002}.
 * Leading and trailing silence is ignored.
 */
export function toneLevels(file, freqs) {
  const { samples, sampleRate } = readWav(file);
  const s = trimSilence(samples);
  return Object.fromEntries(freqs.map((f) => [f, goertzel(s, sampleRate, f)]));
}

/**
 * Dominant frequency of a wav file (first channel, silence trimmed).
 * With `candidates` ([440, 660]) returns the strongest of them; otherwise
 * scans min..max Hz in 10 Hz steps and refines to 1 Hz.
 * Returns {freq, level, levels} (levels: amplitude per candidate, only
 * with candidates). Synchronous.
 */
export function dominantFrequency(file, { candidates, min = 50, max = 4000 } = {}) {
  const { samples, sampleRate } = readWav(file);
  // At most ~4 s of signal keeps the scan fast.
  let s = trimSilence(samples);
  if (s.length > sampleRate * 4) s = s.subarray(0, sampleRate * 4);
  const best = (freqs) => freqs.reduce((acc, f) => {
    const level = goertzel(s, sampleRate, f);
    return level > acc.level ? { freq: f, level } : acc;
  }, { freq: NaN, level: -1 });
  if (candidates && candidates.length) {
    const levels = Object.fromEntries(candidates.map((f) => [f, goertzel(s, sampleRate, f)]));
    const r = best(candidates);
    return { ...r, levels };
  }
  const top = Math.min(max, sampleRate / 2 - 10);
  const coarse = [];
  for (let f = min; f <= top; f += 10) coarse.push(f);
  const c = best(coarse);
  const fine = [];
  for (let f = c.freq - 10; f <= c.freq + 10; f++) if (f > 0) fine.push(f);
  return best(fine);
}
