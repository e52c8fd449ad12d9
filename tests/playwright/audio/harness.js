// The audio worklet harness: window.harness wires the two processors of
// wasm/kazoo-audio-worklet.js the way jsbridge/audio_js.go does
// (AudioContext 'interactive', getUserMedia with echo cancellation, mic →
// kazoo-capture → destination, kazoo-playback → destination) and lets the
// main thread pass captured frames to playback, as Go would pass them to
// and from the relay. An AnalyserNode taps the playback output.
'use strict';

window.harness = {
  frames: [], // {t, seq, data: Uint8Array}
  loopback: false,

  /**
   * start({law, jitterMs, maxMs, workletUrl, sampleRate}) → {state, sampleRate, baseLatency, track};
   * sampleRate forces the AudioContext's rate (the Go code leaves it to the browser).
   */
  async start({ law = 'pcmu', jitterMs = 60, maxMs = 200, workletUrl = '/wasm/kazoo-audio-worklet.js', sampleRate } = {}) {
    const ac = new AudioContext(sampleRate ? { latencyHint: 'interactive', sampleRate } : { latencyHint: 'interactive' });
    this.ac = ac;
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true }, video: false,
    });
    await ac.audioWorklet.addModule(workletUrl);
    this.capture = new AudioWorkletNode(ac, 'kazoo-capture', {
      numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1],
      channelCount: 1, channelCountMode: 'explicit', channelInterpretation: 'speakers',
      processorOptions: { law },
    });
    this.playback = new AudioWorkletNode(ac, 'kazoo-playback', {
      numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1],
      processorOptions: { law, jitterMs, maxMs },
    });
    this.source = ac.createMediaStreamSource(this.stream);
    this.source.connect(this.capture);
    this.capture.connect(ac.destination);
    this.playback.connect(ac.destination);
    this.analyser = ac.createAnalyser();
    this.analyser.fftSize = 32768;
    this.playback.connect(this.analyser);
    this.pending = new Map();
    this.nextId = 1;
    this.capture.port.onmessage = (e) => {
      const d = e.data;
      if (d.type !== 'frame') return;
      this.frames.push({ t: performance.now(), seq: d.seq, data: d.data });
      if (this.loopback) this.playback.port.postMessage(d.data);
    };
    this.playback.port.onmessage = (e) => {
      const d = e.data;
      const resolve = this.pending.get(d.id);
      this.pending.delete(d.id);
      if (resolve) resolve({ ...d, wall: performance.now() / 1000 });
    };
    if (ac.state !== 'running') await ac.resume();
    return { state: ac.state, sampleRate: ac.sampleRate, baseLatency: ac.baseLatency, track: this.stream.getAudioTracks()[0].label };
  },

  now() { return performance.now(); },

  /** frames captured in [from, to) (performance.now() ms): {seqs, lens, times, bytes} */
  window(from, to) {
    const fs = this.frames.filter((f) => f.t >= from && f.t < to);
    const bytes = [];
    for (const f of fs) for (const b of f.data) bytes.push(b);
    return { seqs: fs.map((f) => f.seq), lens: fs.map((f) => f.data.length), times: fs.map((f) => f.t), bytes };
  },

  mute(on) { this.capture.port.postMessage({ type: 'mute', muted: on }); },
  setLoopback(on) { this.loopback = on; },

  stats() {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.playback.port.postMessage({ type: 'stats', id });
    });
  },

  /** burst(n) sends the last n captured frames to playback at once, as a backed-up socket would. */
  burst(n) {
    for (const f of this.frames.slice(-n)) this.playback.port.postMessage(f.data);
  },

  /** playedLevels(freqs) analyses the last 0.68 s of playback output: {rms, levels: {freq: amplitude}} */
  playedLevels(freqs) {
    const x = new Float32Array(this.analyser.fftSize);
    this.analyser.getFloatTimeDomainData(x);
    const rate = this.ac.sampleRate;
    const levels = {};
    for (const f of freqs) {
      const c = 2 * Math.cos((2 * Math.PI * f) / rate);
      let s1 = 0;
      let s2 = 0;
      for (let i = 0; i < x.length; i++) {
        const s0 = x[i] + c * s1 - s2;
        s2 = s1;
        s1 = s0;
      }
      levels[f] = (2 * Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - c * s1 * s2))) / x.length;
    }
    let e = 0;
    for (const v of x) e += v * v;
    return { rms: Math.sqrt(e / x.length), levels };
  },

  async stop() {
    this.stream.getTracks().forEach((t) => t.stop());
    await this.ac.close();
  },
};
