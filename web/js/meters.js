// Microphone and speaker level meters during a call, from kazoo's
// onVolume events (about ten a second, on the WebRTC and the RTMP path
// alike): inputVolume is our microphone, outputVolume the far end as
// played. Both are already on a meter's scale, 0..1 for −60..0 dBFS, so
// they go to the <meter>s as they are. kazoo measures the microphone also
// while muted (for its speaking-while-muted warning); the page shows 0
// then, since nothing is sent.
//
// The meters rise at once and fall smoothly.

/** How much of the last value a falling meter keeps per event. */
const FALL = 0.65;

export class LevelMeters {
  /** mic, speaker: the <meter>s; muted(): whether the call is muted. */
  constructor({ mic, speaker, muted }) {
    this.mic = mic;
    this.speaker = speaker;
    this.muted = muted;
    this.running = false;
  }

  /** Shows the events from now on (the call is answered). */
  start() {
    this.running = true;
  }

  /** An onVolume event {callId, inputVolume, outputVolume}. */
  volume(v) {
    if (!this.running || !v) return;
    this.set(this.speaker, Number(v.outputVolume) || 0);
    this.set(this.mic, this.muted() ? 0 : Number(v.inputVolume) || 0);
  }

  set(meter, v) {
    const level = Math.min(1, Math.max(0, v));
    const cur = Number(meter.value) || 0;
    const next = level >= cur ? level : Math.max(level, cur * FALL);
    meter.value = next < 0.01 ? 0 : next;
  }

  /** The call is over: both meters empty, later events ignored. */
  stop() {
    this.running = false;
    this.mic.value = 0;
    this.speaker.value = 0;
  }
}
