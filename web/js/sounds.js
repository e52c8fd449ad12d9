// Every sound the page makes is synthesised with Web Audio: no audio file
// is downloaded. Two AudioContexts, made (or resumed) on the person's
// first gesture (the log-in click) so that browsers let them play later,
// when a call rings without a click:
//
//   ringtone  an incoming call rings: a two-note trill, twice, every 3 s;
//             on the ringtone device (kazoo.audio.ringtone)
//   ringback  our outgoing call rings at the far end: 440+480 Hz, 2 s on,
//             4 s off; on the speaker device (kazoo.audio.speaker), where
//             the call will play
//   key beep  the dialpad's DTMF pair, 120 ms, quietly; on the speaker
//   waiting   another call rings in during a call: two short 440 Hz
//             beeps on the speaker, over the call (no ringtone)
//
// Each context plays on its device with AudioContext.setSinkId where the
// browser has it (elsewhere both play on the default output).
//
// document.body's data-tone names the tone playing ("ringtone",
// "ringback"), for tests and for styling; data-ring-sink the device the
// ringtone context plays on ('' the default).

const DTMF = {
  1: [697, 1209], 2: [697, 1336], 3: [697, 1477],
  4: [770, 1209], 5: [770, 1336], 6: [770, 1477],
  7: [852, 1209], 8: [852, 1336], 9: [852, 1477],
  '*': [941, 1209], 0: [941, 1336], '#': [941, 1477],
};

export class Sounds {
  constructor() {
    this.ctx = null; // the speaker's: ringback and key beeps
    this.ringCtx = null; // the ringtone's
    this.sinks = { speaker: '', ringtone: '' };
    this.tone = null; // {kind, stop()}
  }

  /** Makes or resumes the AudioContexts; call it from a user gesture. */
  unlock() {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return null;
    if (!this.ctx) {
      this.ctx = new AC({ latencyHint: 'interactive' });
      this.ringCtx = new AC({ latencyHint: 'interactive' });
      this.route('speaker');
      this.route('ringtone');
    }
    for (const c of [this.ctx, this.ringCtx]) if (c.state === 'suspended') c.resume().catch(() => {});
    return this.ctx;
  }

  /** The speaker's AudioContext, made if needed (it may start suspended without a gesture). */
  context() {
    return this.ctx || this.unlock();
  }

  /** Whether the sounds can play on a chosen device (AudioContext.setSinkId). */
  static canChooseDevice() {
    const AC = window.AudioContext || window.webkitAudioContext;
    return !!AC && typeof AC.prototype.setSinkId === 'function';
  }

  /**
   * Plays role's sounds ('speaker': ringback and key beeps, 'ringtone':
   * the incoming ring) on deviceId ('' or 'default': the default output),
   * when the browser can choose (else they stay on the default).
   */
  setSink(role, deviceId) {
    this.sinks[role] = deviceId === 'default' ? '' : deviceId || '';
    return this.route(role);
  }

  /** Moves role's context to its device; resolves null, or the error that kept it on the default. */
  async route(role) {
    const ctx = role === 'ringtone' ? this.ringCtx : this.ctx;
    if (!ctx || typeof ctx.setSinkId !== 'function') return null;
    const id = this.sinks[role];
    let failed = null;
    try {
      if (ctx.sinkId !== id) await ctx.setSinkId(id);
    } catch (err) {
      // The device went away meanwhile: the default output still plays.
      failed = err;
      if (id) await ctx.setSinkId('').catch(() => {});
    }
    if (role === 'ringtone') document.body.dataset.ringSink = typeof ctx.sinkId === 'string' ? ctx.sinkId : '';
    return failed;
  }

  /** Starts the ringtone or the ringback (replacing any tone playing). */
  play(kind) {
    if (this.tone && this.tone.kind === kind) return;
    this.stop();
    if (!this.context()) return;
    const ctx = kind === 'ringtone' ? this.ringCtx : this.ctx;
    if (ctx.state === 'suspended') ctx.resume().catch(() => {});
    const out = ctx.createGain();
    out.gain.value = 0;
    out.connect(ctx.destination);
    const oscs = [];
    let cycle;
    let period;
    if (kind === 'ringback') {
      for (const f of [440, 480]) {
        const o = ctx.createOscillator();
        o.frequency.value = f;
        o.connect(out);
        oscs.push(o);
      }
      period = 6;
      cycle = (t) => {
        out.gain.setValueAtTime(0, t);
        out.gain.linearRampToValueAtTime(0.08, t + 0.02);
        out.gain.setValueAtTime(0.08, t + 1.98);
        out.gain.linearRampToValueAtTime(0, t + 2);
      };
    } else {
      const o = ctx.createOscillator();
      o.type = 'triangle';
      o.connect(out);
      oscs.push(o);
      period = 3;
      cycle = (t) => {
        for (const start of [0, 0.6]) {
          const a = t + start;
          out.gain.setValueAtTime(0, a);
          out.gain.linearRampToValueAtTime(0.18, a + 0.02);
          for (let i = 0; i < 10; i++) o.frequency.setValueAtTime(i % 2 ? 1318.5 : 1046.5, a + i * 0.04);
          out.gain.setValueAtTime(0.18, a + 0.38);
          out.gain.linearRampToValueAtTime(0, a + 0.4);
        }
      };
    }
    const t0 = ctx.currentTime + 0.05;
    for (const o of oscs) o.start(t0);
    // Schedule each cycle a little ahead of time.
    let next = t0;
    const schedule = () => {
      while (next < ctx.currentTime + period) {
        cycle(next);
        next += period;
      }
    };
    schedule();
    const timer = setInterval(schedule, 1000);
    document.body.dataset.tone = kind;
    this.tone = {
      kind,
      stop: () => {
        clearInterval(timer);
        out.gain.cancelScheduledValues(0);
        out.gain.setValueAtTime(0, ctx.currentTime);
        for (const o of oscs) o.stop(ctx.currentTime + 0.05);
        setTimeout(() => out.disconnect(), 200);
      },
    };
  }

  /** Stops the ringtone or ringback. */
  stop() {
    if (this.tone) this.tone.stop();
    this.tone = null;
    delete document.body.dataset.tone;
  }

  /** The call-waiting beeps: once, two short 440 Hz tones. */
  waiting() {
    const ctx = this.ctx;
    if (!ctx || ctx.state !== 'running') return;
    const out = ctx.createGain();
    const t = ctx.currentTime;
    out.gain.setValueAtTime(0, t);
    for (const start of [0, 0.45]) {
      out.gain.linearRampToValueAtTime(0.08, t + start + 0.01);
      out.gain.setValueAtTime(0.08, t + start + 0.2);
      out.gain.linearRampToValueAtTime(0, t + start + 0.21);
    }
    out.connect(ctx.destination);
    const o = ctx.createOscillator();
    o.frequency.value = 440;
    o.connect(out);
    o.start(t);
    o.stop(t + 0.7);
    setTimeout(() => out.disconnect(), 900);
  }

  /** The dialpad key's DTMF pair, briefly, as feedback. */
  beep(key) {
    const pair = DTMF[key];
    const ctx = this.ctx;
    if (!pair || !ctx || ctx.state !== 'running') return;
    const out = ctx.createGain();
    const t = ctx.currentTime;
    out.gain.setValueAtTime(0, t);
    out.gain.linearRampToValueAtTime(0.06, t + 0.01);
    out.gain.setValueAtTime(0.06, t + 0.11);
    out.gain.linearRampToValueAtTime(0, t + 0.12);
    out.connect(ctx.destination);
    for (const f of pair) {
      const o = ctx.createOscillator();
      o.frequency.value = f;
      o.connect(out);
      o.start(t);
      o.stop(t + 0.13);
    }
    setTimeout(() => out.disconnect(), 300);
  }
}
