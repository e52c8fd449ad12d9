// Microphone and speaker level meters during a call, from kazoo.getStats()
// about seven times a second.
//
// WebRTC calls: inbound.audioLevel (what we hear) and outbound.audioLevel
// (our microphone), 0..1 linear, as RTCPeerConnection reports them.
// RTMP calls: inbound.audioEnergy only grows (Σ sample² × seconds, like
// WebRTC's totalAudioEnergy); the level over the last interval is
// √(Δenergy / Δseconds), with Δseconds from the frames played (20 ms
// each). Their statistics have no microphone level, so the mic meter there
// reads our own getUserMedia stream through an AnalyserNode (sounds.js).
//
// The meters show decibels: −60 dBFS (or silence) is empty, 0 dBFS full.

const INTERVAL_MS = 150;
const FRAME_S = 0.02;

/** 0..1 on the meter for a linear level 0..1. */
export function meterValue(level) {
  if (!(level > 0)) return 0;
  const db = 20 * Math.log10(level);
  return Math.min(1, Math.max(0, (db + 60) / 60));
}

/**
 * Polls while a call is up and sets the two <meter>s. stats() is
 * kazoo.getStats; micLevel, when given, replaces the stats' microphone
 * level; muted() zeroes the microphone meter (nothing is sent).
 */
export class LevelMeters {
  constructor({ mic, speaker, stats, muted }) {
    this.mic = mic;
    this.speaker = speaker;
    this.stats = stats;
    this.muted = muted;
    this.timer = null;
    this.micSource = null;
    this.prev = null;
  }

  start() {
    if (this.timer) return;
    this.prev = null;
    let busy = false;
    const timer = setInterval(async () => {
      if (busy) return;
      busy = true;
      try {
        const s = await this.stats();
        if (this.timer === timer) this.update(s); // not after stop()
      } catch { /* the call is ending or has no media yet */ } finally {
        busy = false;
      }
    }, INTERVAL_MS);
    this.timer = timer;
  }

  /** Use this {level(), close()} for the microphone meter (RTMP path). */
  useMicrophone(source) {
    if (this.micSource) this.micSource.close();
    this.micSource = source;
  }

  update(s) {
    let heard = 0;
    let said = 0;
    if (s.mode === 'rtmp') {
      const now = { energy: s.inbound.audioEnergy, played: s.inbound.packetsPlayed, at: performance.now() };
      const p = this.prev;
      if (p) {
        let dt = (now.played - p.played) * FRAME_S;
        if (!(dt > 0)) dt = (now.at - p.at) / 1000;
        const de = now.energy - p.energy;
        // A sine's peak is √2 × its RMS: scale to be comparable with WebRTC's level.
        if (dt > 0 && de > 0) heard = Math.min(1, Math.SQRT2 * Math.sqrt(de / dt));
      }
      this.prev = now;
    } else {
      heard = s.inbound.audioLevel || 0;
      said = s.outbound.audioLevel || 0;
    }
    if (this.micSource) said = this.micSource.level();
    if (this.muted()) said = 0;
    this.set(this.speaker, meterValue(heard));
    this.set(this.mic, meterValue(said));
  }

  set(meter, v) {
    // Rise at once, fall smoothly.
    const cur = Number(meter.value) || 0;
    const next = v >= cur ? v : Math.max(v, cur * 0.6);
    meter.value = next < 0.01 ? 0 : next;
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    if (this.micSource) this.micSource.close();
    this.micSource = null;
    this.mic.value = 0;
    this.speaker.value = 0;
  }
}
